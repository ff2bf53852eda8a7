"""A jury's status and its day: what may happen to a jury, and when.

preparation → délibération → clos (PV produit) → signé ; a closed jury goes back to
délibération before signing, a signed one by a rectification. Nothing happens before the jury's
day: no deliberation, no decision or vote, no closing, no signature.
"""

from datetime import date

from django.utils import timezone

from .models import Jury, JuryStatus


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
