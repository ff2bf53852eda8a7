from datetime import date

import pytest

from cqpilot.evaluations import services


@pytest.fixture
def today(monkeypatch):
    """Sets the day the evaluations area takes for today: `today(date(2026, 10, 15))`."""

    def set_today(day: date) -> None:
        monkeypatch.setattr(services, "today", lambda: day)

    return set_today
