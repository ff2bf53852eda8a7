"""The world of the recours tests: the délivrance scenario's jury (Benali certified, Durand
partly, Nguyen not) signed on a chosen day, and the clock set on Paris dates."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import time_machine

from cqpilot.core.tests.factories import UserFactory
from cqpilot.delivrance.tests.factories import signed_jury
from cqpilot.jurys.tests.factories import Scenario

PARIS = ZoneInfo("Europe/Paris")


def at(day: date, hour: int = 10):
    """The clock on `day` at `hour` in Paris, frozen: deadlines are counted on Paris dates."""
    return time_machine.travel(
        datetime(day.year, day.month, day.day, hour, tzinfo=PARIS), tick=False
    )


def signed_with_accounts(day: date = date(2026, 12, 31)) -> Scenario:
    """The PV signed on `day`; Nguyen and Durand have their espace candidat accounts
    (`s.accounts`), and their deliberations are `s.nguyen` and `s.durand`."""
    with at(day):
        s = signed_jury()
    s.accounts = {}
    for nom in ("Nguyen", "Durand"):
        candidat = s.jury.deliberations.get(dossier__candidat__nom_naissance=nom).dossier.candidat
        candidat.compte = UserFactory(organisation=None, roles=[], email=f"{nom}@exemple.fr")
        candidat.save(update_fields=["compte"])
        s.accounts[nom] = candidat.compte
    s.nguyen = s.jury.deliberations.get(dossier__candidat__nom_naissance="Nguyen")
    s.durand = s.jury.deliberations.get(dossier__candidat__nom_naissance="Durand")
    return s
