from django import forms

from .models import RetentionPolicy


class RetentionPolicyForm(forms.ModelForm):
    class Meta:
        model = RetentionPolicy
        fields = ["dossiers_sans_suite_mois", "pieces_mois", "enquetes_mois", "nir_mois"]


class EffacementForm(forms.Form):
    confirme = forms.BooleanField(
        label="Je confirme l'effacement : l'identité, les coordonnées, le NIR et les pièces du "
        "candidat seront effacés définitivement.",
        error_messages={"required": "Cochez la case pour confirmer l'effacement."},
    )
