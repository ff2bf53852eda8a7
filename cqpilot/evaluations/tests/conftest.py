from datetime import date

import pytest

from cqpilot.dossiers import workflow
from cqpilot.dossiers.models import DossierState
from cqpilot.evaluations import services


@pytest.fixture
def today(monkeypatch):
    """Sets the day the evaluations area takes for today: `today(date(2026, 10, 15))`."""

    def set_today(day: date) -> None:
        monkeypatch.setattr(services, "today", lambda: day)

    return set_today


@pytest.fixture
def way_back():
    """The dossiers' workflow has the way back from « en évaluation » to the states enrolment
    moves dossiers from (hidden transitions, for unenrolment only): nothing to change."""


@pytest.fixture
def no_way_back(monkeypatch):
    """The dossiers' workflow without any way back from « en évaluation » but the jury and
    abandonment, as it stands today, stated here so that the test does not depend on it."""
    monkeypatch.setattr(
        workflow,
        "TRANSITIONS",
        [
            t
            for t in workflow.TRANSITIONS
            if DossierState.EN_EVALUATION not in t.from_states
            or t.to_state in (DossierState.PRESENTE_JURY, DossierState.ABANDON)
        ],
    )
