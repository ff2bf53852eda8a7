"""From évaluateurs' results to a proposed result per bloc, for the jury.

Two-evaluator agreement rule (docs/domaine.md §1.4), optional per certification: both positive →
acquis, both negative → non acquis, disagreement → the jury decides.
"""

from collections.abc import Iterable
from enum import StrEnum


class Proposition(StrEnum):
    ACQUIS = "acquis"
    NON_ACQUIS = "non_acquis"
    DESACCORD = "desaccord"  # the two évaluateurs disagree: to the jury

    @property
    def label(self) -> str:
        return {
            "acquis": "acquis",
            "non_acquis": "non acquis",
            "desaccord": "désaccord des évaluateurs, à trancher par le jury",
        }[self.value]


def epreuve_outcome(avis: list[bool], *, double_evaluation: bool) -> Proposition | None:
    """The épreuve's outcome from each évaluateur's opinion (acquis or not); None while the
    results needed are not all entered."""
    if not avis or (double_evaluation and len(avis) < 2):
        return None
    if all(avis):
        return Proposition.ACQUIS
    if not any(avis):
        return Proposition.NON_ACQUIS
    return Proposition.DESACCORD


def bloc_proposition(outcomes: Iterable[Proposition | None]) -> Proposition | None:
    """A bloc is proposed acquis when all its épreuves are; a failed épreuve makes it non
    acquis; otherwise a disagreement goes to the jury. None while an épreuve is missing."""
    outcomes = list(outcomes)
    if not outcomes or any(o is None for o in outcomes):
        return None
    if Proposition.NON_ACQUIS in outcomes:
        return Proposition.NON_ACQUIS
    if Proposition.DESACCORD in outcomes:
        return Proposition.DESACCORD
    return Proposition.ACQUIS
