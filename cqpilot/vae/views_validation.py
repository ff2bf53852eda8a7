"""The dossier de validation (« livret 2 ») of a VAE dossier: filed from the dossier's page by the
certifier's gestionnaires or the dossier's OF (validation.py holds the rules)."""

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from cqpilot.core.permissions import EDIT_DOSSIERS, MANAGE_CERTIFICATIONS, requires
from cqpilot.dossiers.models import Dossier
from cqpilot.referentiels.models import Certification

from .forms import DATE_WIDGET
from .models import ReglesJuryVae
from .notification import a_notifier, notifier_resultat
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


class ReglesJuryVaeForm(forms.ModelForm):
    class Meta:
        model = ReglesJuryVae
        fields = ["parite_femmes_hommes", "membres_min", "qualifies_min", "professionnels_min"]


@requires(MANAGE_CERTIFICATIONS)
def regles_jury(request: HttpRequest, certification_pk: int) -> HttpResponse:
    """A certification's VAE jury rules (vae/jury.py), on top of its jury rules."""
    certification = get_object_or_404(
        Certification.objects.visible_to(request.user), pk=certification_pk
    )
    # saved by the form only: showing the page writes nothing
    regles = ReglesJuryVae.objects.filter(certification=certification).first() or ReglesJuryVae(
        certification=certification
    )
    form = ReglesJuryVaeForm(request.POST or None, instance=regles)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Règles du jury VAE enregistrées.")
        return redirect("referentiels:certification_detail", certification.pk)
    return render(
        request,
        "jurys/form.html",
        {"form": form, "title": f"Règles du jury VAE — {certification.intitule}"},
    )


@requires(MANAGE_CERTIFICATIONS)
@require_POST
def resultat_notifier(request: HttpRequest, pk: int) -> HttpResponse:
    dossier = get_object_or_404(Dossier.objects.visible_to(request.user), pk=pk)
    deliberation = a_notifier(dossier)
    if deliberation is None:
        messages.error(request, "Le résultat se notifie une fois le PV du jury signé.")
    else:
        try:
            notifier_resultat(
                deliberation,
                by=request.user,
                courriel_accompagnateur=request.POST.get("courriel_accompagnateur", "")[:254],
                par_courrier=request.POST.get("par_courrier") == "on",
            )
        except VaeRefus as refusal:
            messages.error(request, refusal.message)
        else:
            messages.success(request, "Résultat notifié.")
    return redirect(f"{reverse('dossiers:dossier_detail', args=[dossier.pk])}#resultat-vae")
