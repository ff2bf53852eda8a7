from django import forms

from .models import IN_EMPLOYMENT, EnqueteInsertion, SituationPro


class ReponseEnqueteForm(forms.ModelForm):
    class Meta:
        model = EnqueteInsertion
        fields = ["situation", "type_contrat", "commentaire"]
        widgets = {
            "situation": forms.RadioSelect,
            "type_contrat": forms.RadioSelect,
            "commentaire": forms.Textarea(attrs={"rows": 3}),
        }
        labels = {
            "situation": "Quelle est votre situation professionnelle aujourd'hui ?",
            "type_contrat": "Si vous êtes en emploi, quel est votre contrat ?",
            "commentaire": "Un commentaire ? (facultatif)",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["situation"].required = True
        self.fields["situation"].choices = SituationPro.choices
        self.fields["type_contrat"].choices = [
            c for c in self.fields["type_contrat"].choices if c[0]
        ]

    def clean(self):
        data = super().clean()
        employed = data.get("situation") in IN_EMPLOYMENT
        if employed and not data.get("type_contrat"):
            self.add_error("type_contrat", "Indiquez votre type de contrat.")
        if not employed:
            data["type_contrat"] = ""
        return data
