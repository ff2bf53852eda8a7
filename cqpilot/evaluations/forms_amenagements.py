"""The candidate's request for an aménagement and the certifier's decision (amenagements.py)."""

from django import forms

from cqpilot.dossiers.documents import upload_problem

from .models import StatutAmenagement, TypeAmenagement


class DemandeAmenagementForm(forms.Form):
    types = forms.MultipleChoiceField(
        label="Aménagements demandés",
        choices=TypeAmenagement.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choisissez au moins un type d'aménagement."},
    )
    description = forms.CharField(
        label="Votre besoin",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Par exemple : temps majoré d'un tiers pour l'écrit, un lecteur, une salle au "
        "rez-de-chaussée.",
        error_messages={"required": "Décrivez votre besoin."},
    )
    justificatif = forms.FileField(
        label="Justificatif (avis médical, RQTH, notification MDPH…)",
        help_text="PDF, JPG, PNG, ODT ou DOCX. Seuls vous et le certificateur le voyez : ni "
        "votre organisme de formation ni les évaluateurs.",
        error_messages={"required": "Joignez un justificatif."},
    )

    def clean_justificatif(self):
        upload = self.cleaned_data["justificatif"]
        if problem := upload_problem(upload):
            raise forms.ValidationError(problem)
        return upload


DECISIONS = [
    (StatutAmenagement.ACCORDE, StatutAmenagement.ACCORDE.label),
    (StatutAmenagement.ACCORDE_PARTIELLEMENT, StatutAmenagement.ACCORDE_PARTIELLEMENT.label),
    (StatutAmenagement.REFUSE, StatutAmenagement.REFUSE.label),
]


class DecisionAmenagementForm(forms.Form):
    statut = forms.ChoiceField(label="Décision", choices=DECISIONS, widget=forms.RadioSelect)
    types_accordes = forms.MultipleChoiceField(
        label="Aménagements accordés",
        choices=TypeAmenagement.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    precisions = forms.CharField(
        label="Précisions pour l'organisateur et les évaluateurs",
        max_length=300,
        required=False,
        help_text="Affichées sur la page de la session et la grille d'évaluation, par exemple "
        "« temps majoré 1/3 ». N'y mettez aucune information médicale.",
    )
    motivation = forms.CharField(
        label="Motivation",
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Obligatoire si la demande est refusée ou accordée partiellement ; "
        "communiquée au candidat.",
    )
