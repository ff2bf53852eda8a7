"""The demo's dates, computed from the day it is loaded so that its journey works whenever it
runs: the coming jury sits on that very day (deliberate, sign, issue, deposit: nothing may happen
before a jury's day, and a visitor should not have to wait for it), its
evaluation session was a fortnight ago, the earlier jury five months ago, the two promotions of
the renewal pack one and two years before it, and the RNCP registration covers them all."""

from dataclasses import dataclass
from datetime import date, timedelta

from cqpilot.dossiers.acquis import add_months

ISSUED_AFTER = timedelta(days=7)  # the documents of a jury are issued a week after it
ENROLLED_BEFORE = 9  # months from enrolment to the jury of a promotion


@dataclass(frozen=True)
class Calendrier:
    today: date

    @property
    def jury(self) -> date:
        """The jury ready to deliberate, today."""
        return self.today

    @property
    def session(self) -> tuple[date, date]:
        """The evaluation session of its candidates, results entered."""
        return self.today - timedelta(days=14), self.today - timedelta(days=13)

    @property
    def inscription(self) -> date:
        """The enrolment of the candidates still in progress."""
        return self.today - timedelta(weeks=12)

    def earlier_jury(self, years_before: int = 0) -> date:
        """The jury five months ago (0), or a promotion's jury `years_before` years earlier."""
        return add_months(self.today, -5 - 12 * years_before)

    def issued(self, years_before: int = 0) -> date:
        return self.earlier_jury(years_before) + ISSUED_AFTER

    def enrolled(self, years_before: int = 0) -> date:
        return add_months(self.earlier_jury(years_before), -ENROLLED_BEFORE)

    @property
    def registration(self) -> tuple[date, date]:
        """The CQP Agent de maintenance's RNCP registration: before its oldest promotion was
        enrolled, for five years."""
        start = add_months(self.enrolled(2), -3)
        return start, add_months(start, 60)

    def months(self, n: int) -> date:
        """`n` months from today (negative: before)."""
        return add_months(self.today, n)
