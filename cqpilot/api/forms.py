from django import forms

from .models import Evenement, Webhook
from .webhooks import address_problem


class JetonForm(forms.Form):
    nom = forms.CharField(
        label="Nom du jeton",
        max_length=80,
        help_text="Pour le reconnaître : « ERP de l'organisme », « script de synchronisation »…",
    )


class WebhookForm(forms.ModelForm):
    url = forms.URLField(
        label="Adresse de réception",
        max_length=500,
        assume_scheme="https",
        help_text="Adresse HTTPS de votre application qui reçoit les événements.",
    )
    evenements = forms.MultipleChoiceField(
        label="Événements envoyés",
        choices=Evenement.choices,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Webhook
        fields = ["url", "evenements", "actif"]
        labels = {"actif": "Envoyer les événements"}

    def clean_url(self) -> str:
        url = self.cleaned_data["url"]
        if problem := address_problem(url):
            raise forms.ValidationError(problem)
        return url
