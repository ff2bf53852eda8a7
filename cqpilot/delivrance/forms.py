from django import forms

from .models import ModeleParchemin


class ModeleForm(forms.ModelForm):
    class Meta:
        model = ModeleParchemin
        fields = [
            "prefixe",
            "signataire_nom",
            "signataire_qualite",
            "lieu_delivrance",
            "logo",
            "signature",
            "texte",
            "css",
        ]
        widgets = {"css": forms.Textarea(attrs={"rows": 6, "spellcheck": "false"})}

    def clean_prefixe(self) -> str:
        prefixe = self.cleaned_data["prefixe"].strip().upper()
        if not prefixe.replace("-", "").isalnum():
            raise forms.ValidationError("Lettres et chiffres seulement, par exemple CQP.")
        return prefixe
