"""A jury's status and its day: what may happen to a jury, who may make it happen, and when.

preparation → délibération → clos (PV produit) → signé ; a closed jury goes back to délibération
before signing, a signed one by a rectification. Nothing happens before the jury's day: no
deliberation, no decision or vote, no closing, no signature. Every change of status goes through
`transition`, which keeps it in the jury's history (JuryTransition).
"""

from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.utils import timezone

from cqpilot.core.models import User

from .models import Jury, JuryMembre, JuryStatus, JuryTransition

S = JuryStatus
GESTIONNAIRE = "gestionnaire"  # an administrateur or gestionnaire of the jury's certifier
MEMBRE = "membre"  # a member of this jury, with his own account


@dataclass(frozen=True)
class Transition:
    from_status: str
    to_status: str
    actors: frozenset[str]
    label: str
    # Refused before the jury's day, with this subject (« Le PV ne peut pas être signé »).
    not_before_jury_day: str = ""
    motif_refusal: str = ""  # the refusal when no motif is given; none needed when empty


TRANSITIONS = [
    Transition(
        S.PREPARATION,
        S.DELIBERATION,
        frozenset({GESTIONNAIRE}),
        "Ouverture de la délibération",
        not_before_jury_day="La délibération ne peut pas être ouverte",
    ),
    Transition(
        S.DELIBERATION,
        S.CLOS,
        frozenset({GESTIONNAIRE}),
        "Clôture du jury, PV produit",
        not_before_jury_day="Le jury ne peut pas être clos",
    ),
    Transition(S.CLOS, S.DELIBERATION, frozenset({GESTIONNAIRE}), "Réouverture avant signature"),
    # The member whose signature completes those the certification's rules require (pv.sign).
    Transition(
        S.CLOS,
        S.SIGNE,
        frozenset({MEMBRE}),
        "Signature du PV",
        not_before_jury_day="Le PV ne peut pas être signé",
    ),
    Transition(
        S.SIGNE,
        S.DELIBERATION,
        frozenset({GESTIONNAIRE}),
        "Rectification du PV",
        motif_refusal="Indiquez le motif de la rectification.",
    ),
]
ACTOR_LABELS = {
    GESTIONNAIRE: "réservé aux gestionnaires du certificateur du jury",
    MEMBRE: "réservé aux membres du jury, chacun avec son compte",
}


class JuryRefus(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def today() -> date:
    """The certifier's date (TIME_ZONE, Europe/Paris), the only "today" the jury rules read, so
    that tests move it (time_machine) and a jury at 00:30 in Paris is on its day."""
    return timezone.localdate()


def is_jury_day_reached(jury: Jury) -> bool:
    return today() >= jury.date


def require_jury_day(jury: Jury, what: str) -> None:
    """`what`: the act refused, as the sentence's subject (« Le PV ne peut pas être signé »)."""
    if not is_jury_day_reached(jury):
        raise JuryRefus(f"{what} avant le jour du jury, le {jury.date:%d/%m/%Y}.")


def lock(jury: Jury) -> None:
    """Serialise the steps that change a jury's status, and read its current state."""
    list(Jury.objects.select_for_update().filter(pk=jury.pk).values_list("pk"))
    jury.refresh_from_db()


def require_status(jury: Jury, *statuses: str) -> None:
    if jury.status not in statuses:
        if jury.status == JuryStatus.SIGNE:
            raise JuryRefus(
                "Le PV est signé : le jury est verrouillé. Passez par une rectification."
            )
        raise JuryRefus(f"Impossible : le jury est « {jury.get_status_display().lower()} ».")


def actors_of(user: User, jury: Jury) -> set[str]:
    """In which capacities `user` acts on this jury."""
    actors = set()
    if user.is_superuser or (
        user.is_certificateur_manager and user.organisation_id == jury.organisation_id
    ):
        actors.add(GESTIONNAIRE)
    if JuryMembre.objects.filter(jury=jury, intervenant__user=user).exists():
        actors.add(MEMBRE)
    return actors


def check_transition(jury: Jury, to_status: str, *, by: User, motif: str = "") -> Transition:
    """The transition from the jury's current status to `to_status`, or JuryRefus saying why
    `by` may not make it now."""
    target = JuryStatus(to_status)
    found = next(
        (t for t in TRANSITIONS if t.from_status == jury.status and t.to_status == target), None
    )
    if found is None:
        current = jury.get_status_display().lower()
        if jury.status == target:
            raise JuryRefus(f"Impossible : le jury est déjà « {current} ».")
        if jury.status == JuryStatus.SIGNE:
            raise JuryRefus(
                "Le PV est signé : le jury est verrouillé. Passez par une rectification."
            )
        raise JuryRefus(f"Impossible : un jury « {current} » ne passe pas à « {target.label} ».")
    if not found.actors & actors_of(by, jury):
        actors = " ou ".join(ACTOR_LABELS[a] for a in sorted(found.actors))
        raise JuryRefus(f"{found.label} : {actors}.")
    if found.not_before_jury_day:
        require_jury_day(jury, found.not_before_jury_day)
    if found.motif_refusal and not motif.strip():
        raise JuryRefus(found.motif_refusal)
    return found


@transaction.atomic
def transition(jury: Jury, to_status: str, *, by: User, motif: str = "") -> JuryTransition:
    """Move the jury to `to_status` along the table, kept in its history; JuryRefus if the
    table, the user's capacity or the date do not allow it. The steps' own preconditions
    (composition, decisions, signatures) are checked by the services that call it."""
    jury.status = Jury.objects.select_for_update().values_list("status", flat=True).get(pk=jury.pk)
    check_transition(jury, to_status, by=by, motif=motif)
    record = JuryTransition.objects.create(
        jury=jury, from_status=jury.status, to_status=to_status, by=by, motif=motif.strip()
    )
    jury.status = to_status
    jury.save(update_fields=["status"])
    return record


def history(jury: Jury) -> list[JuryTransition]:
    """The jury's transitions, oldest first, each with its `label` from the table."""
    labels = {(t.from_status, t.to_status): t.label for t in TRANSITIONS}
    rows = list(jury.transitions.select_related("by"))
    for row in rows:
        row.label = labels.get((row.from_status, row.to_status), "")
    return rows
