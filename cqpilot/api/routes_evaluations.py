"""Évaluateurs push their results: only for the épreuves they are assigned to, as on the
tablet grid."""

from django.db.models import Prefetch
from django.http import HttpRequest
from ninja import Router, Status
from ninja.pagination import paginate

from cqpilot.evaluations.models import Epreuve, Inscription
from cqpilot.evaluations.services import (
    EvaluationRefus,
    Saisie,
    criteres_by_bloc,
    record_result,
)

from .errors import ApiRefus
from .pagination import Pages
from .schemas import EpreuveOut, PathId, ResultatIn, ResultatOut

router = Router(tags=["Evaluations"])


def _mine(request: HttpRequest):
    return Epreuve.objects.assigned_to(request.user).select_related("session", "modalite__bloc")


@router.get(
    "/epreuves",
    response=list[EpreuveOut],
    summary="Mes épreuves à évaluer",
    operation_id="listEpreuves",
)
@paginate(Pages)
def epreuves(request: HttpRequest):
    """Les épreuves dont vous êtes évaluateur, leurs critères et les candidats inscrits."""
    found = list(
        _mine(request)
        .prefetch_related(
            Prefetch(
                "session__inscriptions",
                queryset=Inscription.objects.select_related("dossier__candidat"),
            )
        )
        .order_by("session__date_debut", "pk")
    )
    criteres = criteres_by_bloc({epreuve.modalite.bloc_id for epreuve in found})
    return [
        {
            "id": epreuve.pk,
            "session": epreuve.session_id,
            "date": epreuve.session.date_debut,
            "bloc": epreuve.modalite.bloc.code,
            "modalite": epreuve.modalite.intitule,
            "notation": epreuve.modalite.notation,
            "note_sur": epreuve.modalite.note_sur,
            "seuil": epreuve.modalite.seuil,
            "criteres": [
                {"id": c.pk, "intitule": c.intitule}
                for c in criteres.get(epreuve.modalite.bloc_id, [])
            ],
            "inscrits": [
                {"dossier": i.dossier_id, "candidat": str(i.dossier.candidat)}
                for i in epreuve.session.inscriptions.all()
            ],
        }
        for epreuve in found
    ]


@router.post(
    "/epreuves/{pk}/resultats",
    response={201: ResultatOut},
    summary="Saisir un résultat",
    operation_id="recordEpreuveResultat",
)
def resultat(request: HttpRequest, pk: PathId, payload: ResultatIn):
    """Par critère (`criteres`: {id du critère: acquis}) ou par note (`note`), selon la
    modalité ; renvoyer un résultat le remplace."""
    epreuve = _mine(request).filter(pk=pk).first()
    if epreuve is None:
        raise ApiRefus(404, f"Épreuve {pk} introuvable parmi celles que vous évaluez.")
    dossier = epreuve.session.inscriptions.filter(dossier_id=payload.dossier).first()
    if dossier is None:
        message = f"Le dossier {payload.dossier} n'est pas inscrit à cette session."
        raise ApiRefus.on_field(422, "dossier", message)
    saisie = Saisie(payload.criteres, payload.note, payload.commentaire)
    try:
        return Status(201, record_result(epreuve, dossier.dossier, saisie, by=request.user))
    except EvaluationRefus as refus:
        raise ApiRefus(422, refus.message) from None
