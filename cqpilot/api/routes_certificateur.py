"""What the certifier keeps for itself: sessions, juries and their decisions, the register of
documents issued and the accrochage of each holder. The same rules as the screens: juries and
decisions for the certifier's staff, sessions and the accrochage for its managers. Partner OFs
read their candidates' outcome on the dossiers (state, blocs obtained)."""

from datetime import date

from django.db.models import Prefetch
from django.http import HttpRequest
from ninja import Router
from ninja.pagination import paginate

from cqpilot.accrochage.depots import depositing_organisation
from cqpilot.accrochage.models import FichierAccrochage, PassageAccrochage
from cqpilot.delivrance.models import DocumentDelivre
from cqpilot.evaluations.models import Epreuve
from cqpilot.evaluations.services import sessions_managed_by
from cqpilot.jurys.models import DecisionBloc, Deliberation, Jury, JuryMembre, JuryStatus

from .pagination import Pages
from .schemas import QueryText
from .schemas_certificateur import (
    DecisionOut,
    DocumentDelivreOut,
    FichierOut,
    JuryOut,
    PassageOut,
    SessionOut,
)

router = Router(tags=["Certificateur"])


@router.get(
    "/sessions",
    response=list[SessionOut],
    summary="Sessions d'évaluation",
    operation_id="listSessions",
)
@paginate(Pages)
def sessions(request: HttpRequest, depuis: date | None = None):
    """Les sessions du certificateur, leurs épreuves et les dossiers inscrits (gestionnaires)."""
    found = sessions_managed_by(request.user)
    if depuis:
        found = found.filter(date_debut__gte=depuis)
    return (
        found.select_related("certification")
        .prefetch_related(
            Prefetch("epreuves", queryset=Epreuve.objects.select_related("modalite__bloc")),
            "inscriptions",
        )
        .order_by("date_debut", "pk")
    )


@router.get("/jurys", response=list[JuryOut], summary="Jurys", operation_id="listJurys")
@paginate(Pages)
def jurys(request: HttpRequest, depuis: date | None = None):
    """Les jurys, leur composition (collège, rôle, présence) et les dossiers présentés."""
    found = Jury.objects.visible_to(request.user)
    if depuis:
        found = found.filter(date__gte=depuis)
    return (
        found.select_related("certification")
        .prefetch_related(
            Prefetch("membres", queryset=JuryMembre.objects.select_related("intervenant")),
            "deliberations",
        )
        .order_by("date", "pk")
    )


@router.get(
    "/decisions",
    response=list[DecisionOut],
    summary="Décisions des jurys signés",
    operation_id="listDecisions",
)
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
    "/documents-delivres",
    response=list[DocumentDelivreOut],
    summary="Registre des délivrances",
    operation_id="listDocumentsDelivres",
)
@paginate(Pages)
def documents_delivres(request: HttpRequest, depuis: date | None = None):
    found = DocumentDelivre.objects.visible_to(request.user).order_by("pk")
    if depuis:
        found = found.filter(date_delivrance__gte=depuis)
    return found


@router.get(
    "/accrochage/passages",
    response=list[PassageOut],
    summary="Accrochage : statut par titulaire",
    operation_id="listAccrochagePassages",
)
@paginate(Pages)
def passages(request: HttpRequest, statut: QueryText = ""):
    """Un passage par parchemin (un par bloc pour une attestation) à déposer à la Caisse des
    Dépôts : date limite, statut et message de la CDC (gestionnaires). Statuts : `a_deposer`,
    `depose` (en attente de l'accusé), `accepte`, `rejete` ; pour un document annulé,
    `a_retirer`, `retrait_depose` (en attente de l'accusé), `retire` (retrait accepté par la
    CDC), `retrait_refuse`, ou `sans_objet` (annulé avant d'être à la CDC)."""
    organisation = depositing_organisation(request.user)
    if organisation is None:
        return PassageAccrochage.objects.none()
    found = PassageAccrochage.objects.filter(organisation=organisation)
    if statut:
        found = found.filter(status=statut)
    return found.select_related("document", "bloc", "last_file").order_by("date_limite", "pk")


@router.get(
    "/accrochage/fichiers",
    response=list[FichierOut],
    summary="Accrochage : fichiers déposés et accusés de traitement",
    operation_id="listAccrochageFichiers",
)
@paginate(Pages)
def fichiers(request: HttpRequest):
    """Les fichiers XML produits pour la Caisse des Dépôts, du plus récent au plus ancien, avec
    l'accusé de traitement une fois rapporté dans cqpilot (gestionnaires)."""
    organisation = depositing_organisation(request.user)
    if organisation is None:
        return FichierAccrochage.objects.none()
    return FichierAccrochage.objects.filter(organisation=organisation).order_by(
        "-created_at", "-pk"
    )
