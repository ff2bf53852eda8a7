"""An employee's congé VAE, recorded from the VAE dossier's page by the certifier's gestionnaires
or the dossier's OF (conge.py holds the rules)."""

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from cqpilot.core.permissions import EDIT_DOSSIERS, requires
from cqpilot.dossiers.models import Dossier

from .conge import CongeSaisi, enregistrer_conge
from .models import ReponseEmployeur
from .recevabilite import VaeRefus


class CongeForm(forms.Form):
    demande_le = forms.DateField(label="Demande reçue par l'employeur le")
    debut = forms.DateField(label="Début de l'absence")
    fin = forms.DateField(label="Fin de l'absence")
    reponse = forms.ChoiceField(
        label="Réponse de l'employeur",
        choices=[("", "Pas encore de réponse"), *ReponseEmployeur.choices],
        required=False,
    )
    reponse_le = forms.DateField(label="Réponse reçue le", required=False)


def record_posted_conge(request: HttpRequest, dossier: Dossier) -> None:
    """The posted congé recorded (vae.conge's rules decide who may), the outcome told in a
    message: the dossier's page and the candidate's espace post the same form."""
    form = CongeForm(request.POST)
    if not form.is_valid():
        messages.error(
            request, "Indiquez des dates valides : la demande, le début et la fin de l'absence."
        )
        return
    try:
        enregistrer_conge(dossier, CongeSaisi(**form.cleaned_data), by=request.user)
    except VaeRefus as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, "Congé VAE enregistré.")


@requires(EDIT_DOSSIERS)
@require_POST
def conge_enregistrer(request: HttpRequest, pk: int) -> HttpResponse:
    dossier = get_object_or_404(Dossier.objects.visible_to(request.user), pk=pk)
    record_posted_conge(request, dossier)
    return redirect(f"{reverse('dossiers:dossier_detail', args=[dossier.pk])}#conge-vae")
