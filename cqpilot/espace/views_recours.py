"""The candidate files a recours against a jury's decision from their espace (jurys.recours)."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from cqpilot.core.permissions import CANDIDAT, requires
from cqpilot.dossiers.models import Dossier
from cqpilot.jurys.models import Deliberation, JuryStatus
from cqpilot.jurys.recours import deposer
from cqpilot.jurys.workflow import JuryRefus


@requires(CANDIDAT)
@require_POST
def recours_deposer(request: HttpRequest, pk: int) -> HttpResponse:
    """`pk`: the deliberation of a signed PV on one of the candidate's own dossiers."""
    deliberation = get_object_or_404(
        Deliberation.objects.filter(
            dossier__in=Dossier.objects.visible_to(request.user), jury__status=JuryStatus.SIGNE
        ),
        pk=pk,
    )
    try:
        deposer(deliberation, request.POST.get("motifs", ""), by=request.user)
    except JuryRefus as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(
            request,
            "Votre recours est enregistré : le certificateur l'instruit et vous informera de son "
            "issue par courriel.",
        )
    return redirect(f"/espace/#recours-{deliberation.pk}")
