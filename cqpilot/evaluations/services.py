"""Evaluation sessions from creation to the proposed results per bloc. No HTTP here."""

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from cqpilot.core.french import compte
from cqpilot.core.models import User
from cqpilot.dossiers.models import Dossier, DossierState, VoieAcces
from cqpilot.dossiers.workflow import transition
from cqpilot.intervenants.models import Intervenant
from cqpilot.intervenants.rules import conflict_reasons
from cqpilot.referentiels.models import CritereEvaluation, Modalite, Notation

from .models import (
    Affectation,
    Epreuve,
    Inscription,
    Resultat,
    ResultatCritere,
    SessionEvaluation,
)
from .rules import Proposition, bloc_proposition, epreuve_outcome

ENROLLABLE = (
    DossierState.INSCRIT,
    DossierState.RECEVABLE,
    DossierState.EN_FORMATION,
    DossierState.EN_EVALUATION,
)


class EvaluationRefus(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def today() -> date:
    """Today in France. Every "already past?" of this area asks this function, so that tests
    choose the day."""
    return timezone.localdate()


def sessions_managed_by(user: User):
    """The sessions a user organises and follows: the certifier's managers'. An évaluateur
    sees his épreuves only."""
    if not user.is_certificateur_manager:
        return SessionEvaluation.objects.none()
    return SessionEvaluation.objects.visible_to(user)


@transaction.atomic
def create_session(session: SessionEvaluation) -> SessionEvaluation:
    """Save the session with one épreuve per modalité of its référentiel version."""
    if session.version.certification_id != session.certification_id:
        raise EvaluationRefus("Ce référentiel n'est pas celui de la certification.")
    session.save()
    Epreuve.objects.bulk_create(
        Epreuve(session=session, modalite=modalite)
        for modalite in Modalite.objects.filter(bloc__version=session.version)
    )
    return session


def _evaluateurs(session: SessionEvaluation) -> list[Intervenant]:
    return list(
        Intervenant.objects.filter(affectations__epreuve__session=session)
        .distinct()
        .prefetch_related("organismes", "candidats_suivis")
    )


def _conflicts(evaluateurs: Iterable[Intervenant], dossiers: Iterable[Dossier]) -> list[str]:
    return [
        f"{evaluateur} ne peut pas évaluer {dossier.candidat} : {'; '.join(reasons)}."
        for evaluateur in evaluateurs
        for dossier in dossiers
        if (reasons := conflict_reasons(evaluateur, dossier))
    ]


def enrollable(session: SessionEvaluation):
    return (
        Dossier.objects.filter(
            certification=session.certification, version=session.version, state__in=ENROLLABLE
        )
        .exclude(inscriptions__session=session)
        .select_related("candidat", "organisme")
    )


@transaction.atomic
def enrol(session: SessionEvaluation, dossiers: Iterable[Dossier], *, by: User) -> int:
    """Enrol dossiers (of this référentiel, in a state that allows it); they move to « en
    évaluation ». Refused when an évaluateur already assigned has a conflict with one."""
    dossiers = list(dossiers)
    allowed = set(enrollable(session).values_list("pk", flat=True))
    for dossier in dossiers:
        if dossier.pk not in allowed:
            raise EvaluationRefus(
                f"Le dossier de {dossier.candidat} ne peut pas être inscrit à cette session "
                f"(« {dossier.get_state_display()} » ou autre référentiel)."
            )
    if problems := _conflicts(_evaluateurs(session), dossiers):
        raise EvaluationRefus(" ".join(problems))
    for dossier in dossiers:
        from_state = ""
        if dossier.state != DossierState.EN_EVALUATION:
            if dossier.state == DossierState.INSCRIT and dossier.voie_acces == VoieAcces.VAE:
                raise EvaluationRefus(
                    f"Le dossier VAE de {dossier.candidat} doit d'abord être déclaré recevable."
                )
            from_state = dossier.state
            transition(dossier, DossierState.EN_EVALUATION, by=by)
        Inscription.objects.create(session=session, dossier=dossier, from_state=from_state)
    return len(dossiers)


def assign(epreuve: Epreuve, evaluateur: Intervenant) -> Affectation:
    """Assign an évaluateur to an épreuve, refused with the reason when he has a conflict of
    interest with one of the session's candidates."""
    session = epreuve.session
    if evaluateur.organisation_id != session.organisation_id:
        raise EvaluationRefus("Cet évaluateur n'appartient pas au certificateur de la session.")
    if epreuve.affectations.filter(evaluateur=evaluateur).exists():
        raise EvaluationRefus(f"{evaluateur} évalue déjà cette épreuve.")
    dossiers = [
        i.dossier
        for i in session.inscriptions.select_related("dossier__candidat", "dossier__organisme")
    ]
    evaluateur = Intervenant.objects.prefetch_related("organismes", "candidats_suivis").get(
        pk=evaluateur.pk
    )
    if problems := _conflicts([evaluateur], dossiers):
        raise EvaluationRefus(" ".join(problems))
    return Affectation.objects.create(epreuve=epreuve, evaluateur=evaluateur)


@dataclass(frozen=True)
class Saisie:
    criteres: dict[int, bool]  # critère pk → acquis (notation par critères)
    note: Decimal | None = None  # notation with a threshold
    commentaire: str = ""


def criteres_of(modalite: Modalite) -> list[CritereEvaluation]:
    return criteres_by_bloc([modalite.bloc_id]).get(modalite.bloc_id, [])


def criteres_by_bloc(bloc_ids: Iterable[int]) -> dict[int, list[CritereEvaluation]]:
    """The critères evaluated in each bloc (those of its compétences), in one query."""
    by_bloc: dict[int, list[CritereEvaluation]] = {}
    for critere in (
        CritereEvaluation.objects.filter(competence__blocs__in=list(bloc_ids))
        .annotate(bloc_id=F("competence__blocs"))
        .order_by("competence__ordre", "ordre", "pk")
    ):
        by_bloc.setdefault(critere.bloc_id, []).append(critere)
    return by_bloc


def locked(session: SessionEvaluation) -> SessionEvaluation:
    """The session's row, locked until the end of the transaction: result entry and the
    changes that results forbid (changes.py) wait for each other instead of crossing."""
    return SessionEvaluation.objects.select_for_update().get(pk=session.pk)


def is_unchanged(resultat: Resultat | None, saisie: Saisie) -> bool:
    """Whether `saisie` says what `resultat` (with its critères) already records: the grid
    sends back every row already filled, and those are neither rewritten nor counted."""
    if resultat is None:
        return False
    return (
        resultat.note == saisie.note
        and resultat.commentaire == saisie.commentaire.strip()
        and {c.critere_id: c.acquis for c in resultat.criteres.all()} == saisie.criteres
    )


@transaction.atomic
def record_result(epreuve: Epreuve, dossier: Dossier, saisie: Saisie, *, by: User) -> Resultat:
    """An évaluateur enters his result; only for his own assignments."""
    locked(epreuve.session)
    evaluateur = Intervenant.objects.filter(user=by).first()
    if evaluateur is None or not epreuve.affectations.filter(evaluateur=evaluateur).exists():
        raise EvaluationRefus("Vous n'êtes pas évaluateur de cette épreuve.")
    if not epreuve.session.inscriptions.filter(dossier=dossier).exists():
        raise EvaluationRefus(f"{dossier.candidat} n'est pas inscrit à cette session.")
    modalite = epreuve.modalite
    if modalite.notation == Notation.NOTE:
        if saisie.note is None or not 0 <= saisie.note <= modalite.note_sur:
            raise EvaluationRefus(
                f"{dossier.candidat} : indiquez une note de 0 à {modalite.note_sur}."
            )
        acquis = saisie.note >= modalite.seuil
        criteres = {}
    else:
        expected = criteres_of(modalite)
        missing = [c for c in expected if not isinstance(saisie.criteres.get(c.pk), bool)]
        if missing:
            raise EvaluationRefus(
                f"{dossier.candidat} : {compte(len(missing), 'critère non renseigné', 'critères non renseignés')}, "
                f"dont « {missing[0].intitule[:80]} »."
            )
        criteres = {c.pk: saisie.criteres[c.pk] for c in expected}
        acquis = all(criteres.values()) if criteres else False
    resultat, _ = Resultat.objects.update_or_create(
        epreuve=epreuve,
        dossier=dossier,
        evaluateur=evaluateur,
        defaults={
            "note": saisie.note if modalite.notation == Notation.NOTE else None,
            "acquis": acquis,
            "commentaire": saisie.commentaire.strip(),
            "saisi_par": by,
        },
    )
    resultat.criteres.all().delete()
    ResultatCritere.objects.bulk_create(
        ResultatCritere(resultat=resultat, critere_id=pk, acquis=value)
        for pk, value in criteres.items()
    )
    return resultat


def epreuve_outcomes(
    dossiers: list[Dossier], *, double_evaluation: Collection[int]
) -> dict[int, dict[int, list[bool | None]]]:
    """Dossier pk → bloc pk → the outcome of each of the bloc's épreuves (None: not decided
    yet), from all the sessions each dossier took part in (the latest result of an épreuve's
    modalité counts), in two queries.

    `double_evaluation`: the certifications (pks) whose épreuves need two évaluateurs. The
    jury's rules say which (jurys.ReglesJury): the caller, above this app, reads them."""
    if not dossiers:
        return {}
    modalites_by_bloc: dict[int, list[int]] = {}
    for pk, bloc_id in Modalite.objects.filter(
        bloc__version__in={d.version_id for d in dossiers}
    ).values_list("pk", "bloc_id"):
        modalites_by_bloc.setdefault(bloc_id, []).append(pk)
    avis: dict[tuple[int, int], dict[int, bool]] = {}
    for dossier_id, modalite_id, evaluateur_id, acquis in (
        Resultat.objects.filter(dossier__in=[d.pk for d in dossiers])
        .order_by("saisi_at")
        .values_list("dossier_id", "epreuve__modalite_id", "evaluateur_id", "acquis")
    ):
        avis.setdefault((dossier_id, modalite_id), {})[evaluateur_id] = acquis
    result = {}
    for dossier in dossiers:
        two = dossier.certification_id in double_evaluation
        result[dossier.pk] = {
            bloc_id: [
                epreuve_outcome(list(avis.get((dossier.pk, m), {}).values()), double_evaluation=two)
                for m in modalites
            ]
            for bloc_id, modalites in modalites_by_bloc.items()
        }
    return result


def propositions(
    dossiers: list[Dossier], *, double_evaluation: Collection[int]
) -> dict[int, dict[int, Proposition | None]]:
    """Proposed result per dossier and bloc, from the outcomes of its épreuves
    (`double_evaluation`: see epreuve_outcomes)."""
    outcomes_by_dossier = epreuve_outcomes(dossiers, double_evaluation=double_evaluation)
    return {
        dossier_pk: {bloc_id: bloc_proposition(outcomes) for bloc_id, outcomes in blocs.items()}
        for dossier_pk, blocs in outcomes_by_dossier.items()
    }
