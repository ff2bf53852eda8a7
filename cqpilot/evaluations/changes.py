"""Changing a session after its creation: an évaluateur removed from an épreuve, new dates or
place, a candidate unenrolled, the session deleted. Results, once entered, freeze what they were
entered for; each refusal says why, in French."""

from collections import Counter
from dataclasses import dataclass

from django.db import transaction

from cqpilot.core.french import compte
from cqpilot.core.models import User
from cqpilot.dossiers.models import Dossier, DossierState
from cqpilot.dossiers.workflow import (
    JURY_STATES,
    TransitionRefusee,
    available_transitions,
    transition,
)

from .models import Affectation, Inscription, Resultat, SessionEvaluation
from .services import EvaluationRefus, locked


@dataclass(frozen=True)
class ResultatsSaisis:
    """The results entered in a session, counted per épreuve, per candidate and per
    assignment: once there, they freeze what they were entered for."""

    by_epreuve: Counter
    by_dossier: Counter
    by_affectation: Counter  # (épreuve, évaluateur)

    @property
    def total(self) -> int:
        return sum(self.by_epreuve.values())


def resultats_saisis(session: SessionEvaluation) -> ResultatsSaisis:
    rows = list(
        Resultat.objects.filter(epreuve__session=session).values_list(
            "epreuve_id", "dossier_id", "evaluateur_id"
        )
    )
    return ResultatsSaisis(
        Counter(epreuve for epreuve, _d, _e in rows),
        Counter(dossier for _e, dossier, _v in rows),
        Counter((epreuve, evaluateur) for epreuve, _d, evaluateur in rows),
    )


def unassignment_refusal(affectation: Affectation, saisis: ResultatsSaisis) -> str:
    """Why this évaluateur cannot be removed from the épreuve ("" when he can)."""
    if count := saisis.by_affectation[(affectation.epreuve_id, affectation.evaluateur_id)]:
        return (
            f"{affectation.evaluateur} a saisi {compte(count, 'résultat')} pour « {affectation.epreuve} » "
            ": cette affectation ne peut plus être retirée."
        )
    return ""


@transaction.atomic
def unassign(affectation: Affectation) -> None:
    """Remove an évaluateur from an épreuve (a conflict of interest found after his
    assignment, an absence); refused once he has entered results for it."""
    session = locked(affectation.epreuve.session)
    affectation = Affectation.objects.select_related("evaluateur", "epreuve__modalite__bloc").get(
        pk=affectation.pk
    )
    if refusal := unassignment_refusal(affectation, resultats_saisis(session)):
        raise EvaluationRefus(refusal)
    affectation.delete()


def edit_refusal(saisis: ResultatsSaisis) -> str:
    if saisis.total:
        return (
            "Des résultats sont saisis pour cette session : ses dates, son lieu et son "
            "déroulement ne peuvent plus être modifiés."
        )
    return ""


EDITABLE = ("date_debut", "date_fin", "heure", "deroulement", "lieu", "code_postal", "organisateur")
CONVOKED_FOR = ("date_debut", "date_fin", "heure", "deroulement", "lieu", "code_postal")


@transaction.atomic
def update_session(session: SessionEvaluation) -> bool:
    """Save a session's new dates, place, déroulement or organiser (its certification and
    référentiel stay: its épreuves come from them); refused once results are entered.
    Returns True when convocations already sent no longer match: they are marked unsent."""
    before = locked(session)
    if refusal := edit_refusal(resultats_saisis(session)):
        raise EvaluationRefus(refusal)
    session.save(update_fields=EDITABLE)
    if all(getattr(before, name) == getattr(session, name) for name in CONVOKED_FOR):
        return False
    outdated = Inscription.objects.filter(session=session, convoque_at__isnull=False).update(
        convoque_at=None
    )
    outdated += Affectation.objects.filter(
        epreuve__session=session, convoque_at__isnull=False
    ).update(convoque_at=None)
    return bool(outdated)


def _inscriptions(session: SessionEvaluation):
    return session.inscriptions.select_related(
        "dossier__candidat", "dossier__certification"
    ).order_by("dossier__candidat__nom_naissance", "pk")


def _return_state(inscription: Inscription, *, held_elsewhere: bool) -> str:
    """Where the dossier goes when this enrolment goes: back to the state the enrolment moved
    it from, unless another session still holds it or it has moved on since ("": it stays)."""
    if (
        inscription.from_state
        and inscription.dossier.state == DossierState.EN_EVALUATION
        and not held_elsewhere
    ):
        return inscription.from_state
    return ""


def _may_return(dossier: Dossier, state: str, *, by: User, memo: dict) -> bool:
    """Whether the dossiers' workflow lets `by` send this dossier back to `state`. The memo is
    keyed on what available_transitions() reads of a dossier: one question per kind of
    dossier, not one per candidate."""
    key = (dossier.certification_id, dossier.organisme_id, dossier.voie_acces, dossier.state, state)
    if key not in memo:
        memo[key] = any(
            t.to_state == state for t in available_transitions(dossier, by, include_hidden=True)
        )
    return memo[key]


def unenrolment_refusals(
    session: SessionEvaluation,
    inscriptions: list[Inscription],
    saisis: ResultatsSaisis,
    *,
    by: User,
) -> dict[int, str]:
    """Why each of these candidates cannot be unenrolled ("" when he can), by inscription.
    The inscriptions come with their dossier's candidat and certification."""
    held_elsewhere = set(
        Inscription.objects.filter(dossier__in=[i.dossier_id for i in inscriptions])
        .exclude(session=session)
        .values_list("dossier_id", flat=True)
    )
    way_back: dict[tuple, bool] = {}
    refusals = {}
    for inscription in inscriptions:
        dossier = inscription.dossier
        back_to = _return_state(inscription, held_elsewhere=dossier.pk in held_elsewhere)
        if saisis.by_dossier[dossier.pk]:
            refusal = (
                f"{dossier.candidat} a des résultats saisis à cette session : sa désinscription "
                "n'est plus possible."
            )
        elif dossier.state in JURY_STATES:
            refusal = (
                f"Le jury a statué sur le dossier de {dossier.candidat} "
                f"(« {dossier.get_state_display()} ») : sa désinscription n'est plus possible."
            )
        elif back_to and not _may_return(dossier, back_to, by=by, memo=way_back):
            refusal = (
                f"Le dossier de {dossier.candidat} ne peut pas revenir de "
                f"« {DossierState.EN_EVALUATION.label} » à « {DossierState(back_to).label} » : "
                "le circuit des dossiers ne le prévoit pas."
            )
        else:
            refusal = ""
        refusals[inscription.pk] = refusal
    return refusals


def _unenrol(session: SessionEvaluation, inscription: Inscription, *, motif: str, by: User) -> str:
    dossier = inscription.dossier
    heir = Inscription.objects.filter(dossier=dossier).exclude(session=session).first()
    back_to = _return_state(inscription, held_elsewhere=heir is not None)
    if heir and inscription.from_state and not heir.from_state:
        # The other session now holds the dossier: its unenrolment will send it back.
        heir.from_state = inscription.from_state
        heir.save(update_fields=["from_state"])
    inscription.motif_suppression = motif
    inscription.delete()
    if back_to:
        try:
            transition(
                dossier,
                back_to,
                by=by,
                motif=f"Désinscription de la session du {session.date_debut:%d/%m/%Y} : {motif}",
                allow_hidden=True,
            )
        except TransitionRefusee as refus:
            raise EvaluationRefus(refus.message) from None
    return back_to


@transaction.atomic
def unenrol(inscription: Inscription, *, motif: str, by: User) -> str:
    """Unenrol a candidate, for a reason written in the journal. His dossier goes back,
    through the dossiers' workflow, to the state his enrolment moved it from, once no other
    session holds it. Returns that state ("" when the dossier stays as it is)."""
    session = locked(inscription.session)
    inscription = _inscriptions(session).get(pk=inscription.pk)
    refusals = unenrolment_refusals(session, [inscription], resultats_saisis(session), by=by)
    if refusal := refusals[inscription.pk]:
        raise EvaluationRefus(refusal)
    if not motif.strip():
        raise EvaluationRefus("Indiquez le motif de la désinscription.")
    return _unenrol(session, inscription, motif=motif.strip(), by=by)


def deletion_refusals(saisis: ResultatsSaisis, unenrolment: dict[int, str]) -> list[str]:
    """Why the session cannot be deleted ([] when it can): its results, or candidates who
    cannot be unenrolled (`unenrolment`: unenrolment_refusals() of all its inscriptions)."""
    if saisis.total:
        return ["Des résultats sont saisis pour cette session : elle ne peut plus être supprimée."]
    if problems := [refusal for refusal in unenrolment.values() if refusal]:
        return ["La session ne peut pas être supprimée sans désinscrire ses candidats.", *problems]
    return []


@transaction.atomic
def delete_session(session: SessionEvaluation, *, motif: str, by: User) -> int:
    """Delete a session (cancelled, created by mistake) for a reason written in the journal;
    its candidates are unenrolled first, their dossiers going back as on unenrolment.
    Returns the number of candidates unenrolled."""
    session = locked(session)
    inscriptions = list(_inscriptions(session))
    saisis = resultats_saisis(session)
    unenrolment = unenrolment_refusals(session, inscriptions, saisis, by=by)
    if refusals := deletion_refusals(saisis, unenrolment):
        raise EvaluationRefus(" ".join(refusals))
    if not motif.strip():
        raise EvaluationRefus("Indiquez le motif de la suppression.")
    for inscription in inscriptions:
        _unenrol(session, inscription, motif=motif.strip(), by=by)
    session.motif_suppression = motif.strip()
    session.delete()
    return len(inscriptions)
