"""Nothing happens before the jury's day: no deliberation, no decision or vote, no closing, no
signature. "Today" is the certifier's date (Europe/Paris), which these tests move."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from cqpilot.jurys.deliberation import BlocSaisie, record_votes, save_decision
from cqpilot.jurys.models import Jury, JuryStatus, ReglesJury, VoteChoice
from cqpilot.jurys.pv import close, sign, validate_cpne
from cqpilot.jurys.services import JuryRefus, open_deliberation

from .factories import scenario

pytestmark = pytest.mark.django_db
JOUR = date(2026, 11, 20)  # the factories' jury
PARIS = ZoneInfo("Europe/Paris")


def at(day: date, hour: int = 9, minute: int = 0):
    return time_machine.travel(
        datetime(day.year, day.month, day.day, hour, minute, tzinfo=PARIS), tick=False
    )


def decide(s):
    deliberation = s.jury.deliberations.get()
    deliberation.refresh_from_db()
    save_decision(
        deliberation,
        revision=deliberation.revision,
        decision="totale",
        blocs={b.pk: BlocSaisie("valide") for b in s.blocs},
        unanimite=True,
        by=s.gestionnaire,
    )


def postpone(jury: Jury, to: date) -> None:
    """The jury moved to another day after it opened (the date edited in the admin)."""
    Jury.objects.filter(pk=jury.pk).update(date=to)
    jury.refresh_from_db()


def test_the_deliberation_opens_on_the_jury_day_in_paris_not_before():
    s = scenario(1)

    with at(JOUR - timedelta(days=1), 23, 59), pytest.raises(JuryRefus) as refusal:
        open_deliberation(s.jury, by=s.gestionnaire)
    assert refusal.value.message == (
        "La délibération ne peut pas être ouverte avant le jour du jury, le 20/11/2026."
    )
    with at(JOUR, 0, 30):  # still the 19th in UTC
        open_deliberation(s.jury, by=s.gestionnaire)
    s.jury.refresh_from_db()
    assert s.jury.status == JuryStatus.DELIBERATION


def test_a_postponed_jury_neither_decides_votes_nor_closes_before_its_new_day():
    s = scenario(1)
    with at(JOUR):
        open_deliberation(s.jury, by=s.gestionnaire)
        decide(s)
    postpone(s.jury, JOUR + timedelta(days=7))
    president = s.jury.membres.get(role="president")

    with at(JOUR + timedelta(days=1)):
        with pytest.raises(JuryRefus, match="avant le jour du jury, le 27/11/2026"):
            decide(s)
        with pytest.raises(JuryRefus, match="avant le jour du jury, le 27/11/2026"):
            record_votes(s.jury.deliberations.get(), {president.pk: VoteChoice.POUR})
        with pytest.raises(JuryRefus, match="avant le jour du jury, le 27/11/2026"):
            close(s.jury, by=s.gestionnaire)
    with at(JOUR + timedelta(days=7)):
        close(s.jury, by=s.gestionnaire)


def test_a_pv_is_not_signed_before_the_jury_day():
    s = scenario(1)
    with at(JOUR):
        open_deliberation(s.jury, by=s.gestionnaire)
        decide(s)
        close(s.jury, by=s.gestionnaire)
    postpone(s.jury, JOUR + timedelta(days=7))

    with at(JOUR + timedelta(days=1)), pytest.raises(JuryRefus) as refusal:
        sign(s.jury, by=s.president)
    assert refusal.value.message == (
        "Le PV ne peut pas être signé avant le jour du jury, le 27/11/2026."
    )
    s.jury.refresh_from_db()
    assert s.jury.status == JuryStatus.CLOS


def test_the_cpne_validation_is_not_dated_in_the_future():
    s = scenario(1)
    ReglesJury.objects.create(certification=s.certification, validation_cpne=True)
    with at(JOUR):
        open_deliberation(s.jury, by=s.gestionnaire)
        decide(s)
        close(s.jury, by=s.gestionnaire)
        sign(s.jury, by=s.president)

    with at(JOUR + timedelta(days=3)):
        with pytest.raises(JuryRefus, match="La validation CPNE ne peut pas être datée"):
            validate_cpne(s.jury, JOUR + timedelta(days=4), by=s.gestionnaire)
        validate_cpne(s.jury, JOUR + timedelta(days=3), by=s.gestionnaire)


def test_before_its_day_the_jury_page_says_when_the_deliberation_opens(client):
    s = scenario(1)
    client.force_login(s.gestionnaire)

    with at(JOUR - timedelta(days=2)):
        page = client.get(reverse("jurys:jury_detail", args=[s.jury.pk]))

    assert "Ouvrir la délibération" not in page.text
    assert "La délibération pourra être ouverte le jour du jury, le 20/11/2026." in page.text
