"""Forms of the certifier's list of VAE accompanists (vae.accompagnement)."""

from django import forms

from cqpilot.core import forms as core_forms
from cqpilot.core.models import User
from cqpilot.dossiers.forms import DATE_WIDGET

from .accompagnement import StructureSaisie
from .models import Referencement


class StructureForm(forms.Form):
    nom = forms.CharField(label="Accompagnateur ou structure", max_length=250)
    siret = forms.CharField(
        label="SIRET",
        max_length=14,
        required=False,
        help_text="Une structure déjà connue de cqpilot par son SIRET est reprise telle quelle.",
    )
    qualiopi = forms.BooleanField(label="Certifié Qualiopi pour les actions de VAE", required=False)
    qualiopi_date_fin = forms.DateField(
        label="Fin de validité Qualiopi", required=False, widget=DATE_WIDGET
    )
    label_branche = forms.CharField(
        label="Label ou habilitation de la branche",
        max_length=200,
        required=False,
        help_text="Sans Qualiopi, l'accompagnateur doit être labellisé par la branche.",
    )
    label_date_fin = forms.DateField(
        label="Label valable jusqu'au", required=False, widget=DATE_WIDGET
    )
    contact_nom = forms.CharField(label="Contact", max_length=200, required=False)
    contact_email = forms.EmailField(label="Courriel du contact", required=False)
    contact_telephone = forms.CharField(label="Téléphone du contact", max_length=20, required=False)

    @classmethod
    def of(cls, referencement: Referencement, *, structure_fields: bool) -> "StructureForm":
        structure = referencement.structure
        form = cls(
            initial={
                "nom": structure.nom,
                "siret": structure.siret,
                "qualiopi": referencement.qualiopi,
                "qualiopi_date_fin": referencement.qualiopi_date_fin,
                "label_branche": referencement.label_branche,
                "label_date_fin": referencement.label_date_fin,
                "contact_nom": structure.contact_nom,
                "contact_email": structure.contact_email,
                "contact_telephone": structure.contact_telephone,
            }
        )
        if not structure_fields:
            form.checks_only()
        return form

    def checks_only(self) -> None:
        """Another certifier lists the structure too: only what this one checked (Qualiopi, the
        branch's label) is its own to update."""
        for name in list(self.fields):
            if name not in ("qualiopi", "qualiopi_date_fin", "label_branche", "label_date_fin"):
                del self.fields[name]

    def saisie(self, referencement: Referencement | None = None) -> StructureSaisie:
        """What was typed; a label-only form keeps the structure's record as it is."""
        data = self.cleaned_data
        structure = referencement.structure if referencement is not None else None
        if "nom" not in self.fields and structure is not None:
            data = {
                "nom": structure.nom,
                "siret": structure.siret,
                "contact_nom": structure.contact_nom,
                "contact_email": structure.contact_email,
                "contact_telephone": structure.contact_telephone,
                **data,
            }
        return StructureSaisie(
            nom=data["nom"],
            siret=data.get("siret") or "",
            qualiopi=bool(data.get("qualiopi")),
            qualiopi_date_fin=data.get("qualiopi_date_fin"),
            label_branche=data.get("label_branche") or "",
            label_date_fin=data.get("label_date_fin"),
            contact_nom=data.get("contact_nom") or "",
            contact_email=data.get("contact_email") or "",
            contact_telephone=data.get("contact_telephone") or "",
        )


class InvitationForm(core_forms.InvitationForm):
    """A partner OF's invitation form (the address lower-cased, an address already in use
    refused), its address labelled as the login it becomes."""

    email = forms.EmailField(label="Courriel (identifiant)")


class DesignationForm(forms.Form):
    referencement = forms.ModelChoiceField(
        label="Accompagnateur VAE",
        queryset=Referencement.objects.none(),
        required=False,
        empty_label="Aucun",
    )

    def __init__(self, *args, by: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["referencement"].queryset = Referencement.objects.visible_to(by).select_related(
            "structure"
        )
