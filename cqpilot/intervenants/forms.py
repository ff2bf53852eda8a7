from django import forms

from cqpilot.core.models import Organisation, OrganisationKind, User
from cqpilot.referentiels.models import Certification

from .models import Intervenant


class IntervenantForm(forms.ModelForm):
    class Meta:
        model = Intervenant
        fields = [
            "civilite",
            "nom",
            "prenom",
            "email",
            "college",
            "user",
            "interne_certificateur",
            "employeur_nom",
            "employeur_siret",
            "organismes",
            "qualifie_pour",
            "professionnel",
        ]
        widgets = {
            "organismes": forms.CheckboxSelectMultiple,
            "qualifie_pour": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, organisation: Organisation, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Asked of everyone from now on; blank only for people recorded before it was asked.
        self.fields["civilite"].required = True
        self.fields["user"].queryset = User.objects.filter(organisation=organisation)
        self.fields["organismes"].queryset = Organisation.objects.filter(
            kind=OrganisationKind.ORGANISME_FORMATION,
            habilitations__certification__certificateurs=organisation,
        ).distinct()
        self.fields["qualifie_pour"].queryset = Certification.objects.filter(
            certificateurs=organisation
        ).order_by("intitule")
