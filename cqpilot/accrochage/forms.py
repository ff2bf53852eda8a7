from django import forms
from django.conf import settings

from cqpilot.core.uploads import size_problem

from .models import SchemaVersion


class StandaloneForm(forms.Form):
    titulaires = forms.FileField(
        label="Fichier des titulaires (xlsx ou csv)",
        help_text="Partez du modèle : une ligne par titulaire.",
    )
    id_client = forms.CharField(
        label="Identifiant client CDC",
        min_length=8,
        max_length=8,
        help_text="8 caractères, dans votre espace certificateur de la Caisse des Dépôts.",
    )
    id_contrat = forms.CharField(label="Numéro de contrat CDC", max_length=20)
    id_client_emetteur = forms.CharField(
        label="Identifiant client du déposant",
        required=False,
        min_length=8,
        max_length=8,
        help_text="Seulement si un tiers de confiance dépose pour vous.",
    )
    version_schema = forms.TypedChoiceField(
        label="Génération du schéma",
        choices=SchemaVersion.choices,
        required=False,
        empty_value=SchemaVersion.V112,
        initial=SchemaVersion.V112,
        help_text="2026 : les titulaires dont la colonne NIR est remplie sont identifiés par "
        "leur NIR.",
    )
    lignes_valides = forms.BooleanField(
        label="Produire le fichier des lignes valides, et me rendre les autres annotées",
        required=False,
        help_text="Sinon, aucun fichier n'est produit tant qu'une ligne est en erreur.",
    )

    def clean_titulaires(self):
        upload = self.cleaned_data["titulaires"]
        if problem := size_problem(upload, settings.IMPORT_MAX_SIZE):
            raise forms.ValidationError(f"{problem} Découpez-le.")
        return upload


class RapportForm(forms.Form):
    accuse = forms.FileField(
        label="Accusé de traitement de la Caisse des Dépôts (XML)",
        help_text="Le fichier de retour que la CDC met à disposition après le dépôt.",
    )


class ReglagesForm(forms.ModelForm):
    class Meta:
        from .models import ReglagesAccrochage

        model = ReglagesAccrochage
        fields = ["id_client", "id_contrat", "id_client_deposant", "version_schema"]
