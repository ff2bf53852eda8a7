"""The certifier's managers' side of the aménagements d'épreuves: the requests to decide, each
request with its justificatif, and the decision (amenagements.py)."""

from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET

from cqpilot.accueil import todo
from cqpilot.core.audit import log_read
from cqpilot.core.permissions import MANAGE_CERTIFICATIONS, requires

from .amenagements import AmenagementRefus, decide_amenagement
from .forms_amenagements import DecisionAmenagementForm
from .models import DemandeAmenagement, StatutAmenagement

DECIDED_SHOWN = 50  # the latest decisions under the requests to decide


def _demandes(request: HttpRequest):
    return DemandeAmenagement.objects.visible_to(request.user).select_related(
        "dossier__candidat", "dossier__certification", "dossier__organisme"
    )


@requires(MANAGE_CERTIFICATIONS)
@require_GET
def amenagement_list(request: HttpRequest) -> HttpResponse:
    a_decider = _demandes(request).filter(statut=StatutAmenagement.A_DECIDER)
    a_faire = request.GET.get(todo.FILTER_PARAM, "")
    rows = list(a_decider.order_by("demande_at", "pk"))
    decided = []
    if a_faire not in todo.AMENAGEMENT_FILTERS:
        decided = list(
            _demandes(request)
            .exclude(statut=StatutAmenagement.A_DECIDER)
            .order_by("-decide_at", "-pk")[:DECIDED_SHOWN]
        )
    return render(
        request,
        "evaluations/amenagement_list.html",
        {
            "rows": rows,
            "decided": decided,
            "a_faire_label": todo.label_of(todo.AMENAGEMENT_FILTERS, a_faire),
        },
    )


@requires(MANAGE_CERTIFICATIONS)
def amenagement_decider(request: HttpRequest, pk: int) -> HttpResponse:
    demande = get_object_or_404(_demandes(request).select_related("decide_par"), pk=pk)
    form = None
    if not demande.is_decided:
        form = DecisionAmenagementForm(
            request.POST or None, initial={"types_accordes": demande.types}
        )
    elif request.method == "POST":
        messages.error(request, "Cette demande a déjà été décidée : la décision ne change plus.")
        return redirect("evaluations:amenagement_decider", demande.pk)
    if form is not None and request.method == "POST" and form.is_valid():
        try:
            decide_amenagement(demande, by=request.user, **form.cleaned_data)
        except AmenagementRefus as refus:
            form.add_error(None, refus.message)
        else:
            messages.success(request, "Décision enregistrée ; le candidat en est informé.")
            return redirect("evaluations:amenagement_list")
    return render(
        request, "evaluations/amenagement_decider.html", {"demande": demande, "form": form}
    )


@requires(MANAGE_CERTIFICATIONS)
@require_GET
def amenagement_justificatif(request: HttpRequest, pk: int) -> FileResponse:
    demande = get_object_or_404(_demandes(request), pk=pk)
    log_read(demande, by=request.user, lecture="téléchargement du justificatif d'aménagement")
    return FileResponse(
        demande.justificatif.open("rb"), as_attachment=True, filename=demande.justificatif_nom
    )
