"""What the certifier keeps for itself: jury decisions and the register of documents issued.
Partner OFs read their candidates' outcome on the dossiers (state, blocs obtained)."""

from datetime import date

from django.db.models import Prefetch
from django.http import HttpRequest
from ninja import Router
from ninja.pagination import paginate

from cqpilot.delivrance.models import DocumentDelivre
from cqpilot.jurys.models import DecisionBloc, Deliberation, Jury, JuryStatus

from .pagination import Pages
from .schemas import DecisionOut, DocumentDelivreOut

router = Router(tags=["Certificateur"])


@router.get("/decisions", response=list[DecisionOut], summary="Décisions des jurys signés")
@paginate(Pages)
def decisions(request: HttpRequest, depuis: date | None = None):
    juries = Jury.objects.visible_to(request.user).filter(status=JuryStatus.SIGNE)
    if depuis:
        juries = juries.filter(date__gte=depuis)
    return (
        Deliberation.objects.filter(jury__in=juries)
        .exclude(decision="")
        .select_related("jury")
        .prefetch_related(Prefetch("blocs", queryset=DecisionBloc.objects.select_related("bloc")))
        .order_by("jury__date", "pk")
    )


@router.get(
    "/documents-delivres", response=list[DocumentDelivreOut], summary="Registre des délivrances"
)
@paginate(Pages)
def documents_delivres(request: HttpRequest, depuis: date | None = None):
    found = DocumentDelivre.objects.visible_to(request.user).order_by("pk")
    if depuis:
        found = found.filter(date_delivrance__gte=depuis)
    return found
