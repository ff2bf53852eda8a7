"""The dossier de validation (« livret 2 ») of a VAE dossier: filed from the dossier's page by the
certifier's gestionnaires or the dossier's OF (validation.py holds the rules)."""

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from cqpilot.core.permissions import EDIT_DOSSIERS, requires
from cqpilot.dossiers.models import Dossier

from .forms import DATE_WIDGET
from .recevabilite import VaeRefus
from .validation import deposer_validation


class ValidationForm(forms.Form):
    fichier = forms.FileField(label="Dossier de validation (livret 2)")
    le = forms.DateField(
        label="Reçu le",
        widget=DATE_WIDGET,
        help_text="Le jour où le candidat l'a déposé (France VAE) : le délai du jury en part.",
    )


@requires(EDIT_DOSSIERS)
@require_POST
def validation_deposer(request: HttpRequest, pk: int) -> HttpResponse:
    dossier = get_object_or_404(Dossier.objects.visible_to(request.user), pk=pk)
    form = ValidationForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "Choisissez le fichier et la date de dépôt.")
    else:
        try:
            validation = deposer_validation(
                dossier, form.cleaned_data["fichier"], by=request.user, le=form.cleaned_data["le"]
            )
        except VaeRefus as refusal:
            messages.error(request, refusal.message)
        else:
            messages.success(
                request,
                "Dossier de validation déposé : le jury doit siéger au plus tard le "
                f"{validation.jury_avant_le:%d/%m/%Y}.",
            )
    return redirect(f"{reverse('dossiers:dossier_detail', args=[dossier.pk])}#validation-vae")
