"""The évaluations as the jury reads them, épreuve by épreuve: for each candidate and bloc, how
many of the bloc's épreuves (its modalités d'évaluation) have their results entered. The result
proposed per bloc is evaluations.services.propositions."""

from collections.abc import Collection
from dataclasses import dataclass

from cqpilot.dossiers.models import Dossier
from cqpilot.evaluations.services import epreuve_outcomes


@dataclass(frozen=True)
class Saisie:
    saisies: int
    prevues: int

    def __str__(self) -> str:
        """« 1 épreuve sur 2 saisie », « 2 épreuves sur 3 saisies »."""
        if not self.prevues:
            return "aucune épreuve prévue"
        s = "s" if self.saisies > 1 else ""
        return f"{self.saisies} épreuve{s} sur {self.prevues} saisie{s}"


def epreuves_saisies(
    dossiers: list[Dossier], *, double_evaluation: Collection[int]
) -> dict[int, dict[int, Saisie]]:
    """Dossier pk → bloc pk → épreuves entered. An épreuve is entered once all its results
    are: one évaluateur's, or two when the rules ask for two évaluateurs (the certifications
    in `double_evaluation`)."""
    outcomes_by_dossier = epreuve_outcomes(dossiers, double_evaluation=double_evaluation)
    return {
        dossier_pk: {
            bloc_id: Saisie(sum(o is not None for o in outcomes), len(outcomes))
            for bloc_id, outcomes in blocs.items()
        }
        for dossier_pk, blocs in outcomes_by_dossier.items()
    }
