from django import forms

from cqpilot.core.models import Organisation, OrganisationKind, User
from cqpilot.referentiels.models import Certification

from .models import Intervenant, Jury, JuryMembre, ReglesJury, RoleJury


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class JuryForm(forms.ModelForm):
    class Meta:
        model = Jury
        fields = ["certification", "date", "lieu"]
        widgets = {"date": DateInput()}

    def __init__(self, *args, user: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["certification"].queryset = Certification.objects.visible_to(user)


class ReglesJuryForm(forms.ModelForm):
    class Meta:
        model = ReglesJury
        fields = [
            "parite",
            "membres_min_par_college",
            "quorum",
            "majorite",
            "voix_preponderante_president",
            "part_externes_min",
            "double_evaluation",
            "validation_cpne",
            "signatures_pv",
        ]


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
        ]
        widgets = {"organismes": forms.CheckboxSelectMultiple}

    def __init__(self, *args, organisation: Organisation, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Asked of everyone from now on; blank only for people recorded before it was asked.
        self.fields["civilite"].required = True
        self.fields["user"].queryset = User.objects.filter(organisation=organisation)
        self.fields["organismes"].queryset = Organisation.objects.filter(
            kind=OrganisationKind.ORGANISME_FORMATION,
            habilitations__certification__certificateurs=organisation,
        ).distinct()


class MembreForm(forms.Form):
    intervenant = forms.ModelChoiceField(queryset=Intervenant.objects.none())
    role = forms.ChoiceField(label="Rôle", choices=RoleJury.choices, initial=RoleJury.MEMBRE)

    def __init__(self, *args, jury: Jury, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["intervenant"].queryset = Intervenant.objects.filter(
            organisation=jury.organisation
        ).exclude(pk__in=JuryMembre.objects.filter(jury=jury).values("intervenant"))
