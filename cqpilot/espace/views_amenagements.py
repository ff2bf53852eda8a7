"""The candidate's requests for an aménagement d'épreuves, from their espace: the request with
its justificatif, and the download of their own justificatif (evaluations.amenagements)."""

from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET

from cqpilot.core.audit import log_read
from cqpilot.core.permissions import CANDIDAT, requires
from cqpilot.dossiers.models import Dossier
from cqpilot.evaluations.amenagements import (
    AmenagementRefus,
    may_request,
    pending_request,
    request_amenagement,
)
from cqpilot.evaluations.forms_amenagements import DemandeAmenagementForm
from cqpilot.evaluations.models import DemandeAmenagement


@requires(CANDIDAT)
def amenagement_demander(request: HttpRequest, pk: int) -> HttpResponse:
    dossier = get_object_or_404(
        Dossier.objects.visible_to(request.user).select_related("candidat", "certification"),
        pk=pk,
    )
    back = f"/espace/#dossier-{dossier.pk}"
    if not may_request(dossier, request.user):
        messages.error(request, "Ce dossier est clos : il n'y a plus d'épreuve à aménager.")
        return redirect(back)
    if pending_request(dossier) is not None:
        messages.info(request, "Votre demande d'aménagement attend la décision du certificateur.")
        return redirect(back)
    form = DemandeAmenagementForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            request_amenagement(dossier, by=request.user, **form.cleaned_data)
        except AmenagementRefus as refus:
            form.add_error(None, refus.message)
        else:
            messages.success(
                request,
                "Demande d'aménagement envoyée : le certificateur va l'examiner et vous "
                "recevrez sa décision par courriel.",
            )
            return redirect(back)
    return render(request, "espace/amenagement_demander.html", {"dossier": dossier, "form": form})


@requires(CANDIDAT)
@require_GET
def amenagement_justificatif(request: HttpRequest, pk: int) -> FileResponse:
    demande = get_object_or_404(DemandeAmenagement.objects.visible_to(request.user), pk=pk)
    log_read(demande, by=request.user, lecture="téléchargement du justificatif par le candidat")
    return FileResponse(
        demande.justificatif.open("rb"), as_attachment=True, filename=demande.justificatif_nom
    )
