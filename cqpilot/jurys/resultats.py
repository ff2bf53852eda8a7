"""The évaluations as the jury reads them, épreuve by épreuve: for each candidate and bloc, how
many of the bloc's épreuves (its modalités d'évaluation) have their results entered. The result
proposed per bloc is evaluations.services.propositions."""

from dataclasses import dataclass

from cqpilot.dossiers.models import Dossier
from cqpilot.evaluations.models import Resultat
from cqpilot.evaluations.rules import epreuve_outcome
from cqpilot.referentiels.models import Modalite

from .models import ReglesJury


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


def epreuves_saisies(dossiers: list[Dossier]) -> dict[int, dict[int, Saisie]]:
    """Dossier pk → bloc pk → épreuves entered, in three queries. An épreuve is entered once
    all its results are: one évaluateur's, or two when the rules ask for two évaluateurs."""
    if not dossiers:
        return {}
    double = dict(
        ReglesJury.objects.filter(
            certification__in={d.certification_id for d in dossiers}
        ).values_list("certification_id", "double_evaluation")
    )
    modalites_by_bloc: dict[int, list[int]] = {}
    for pk, bloc_id in Modalite.objects.filter(
        bloc__version__in={d.version_id for d in dossiers}
    ).values_list("pk", "bloc_id"):
        modalites_by_bloc.setdefault(bloc_id, []).append(pk)
    avis: dict[tuple[int, int], dict[int, bool]] = {}
    for dossier_id, modalite_id, evaluateur_id, acquis in Resultat.objects.filter(
        dossier__in=[d.pk for d in dossiers]
    ).values_list("dossier_id", "epreuve__modalite_id", "evaluateur_id", "acquis"):
        avis.setdefault((dossier_id, modalite_id), {})[evaluateur_id] = acquis
    result = {}
    for dossier in dossiers:
        two = double.get(dossier.certification_id, False)
        result[dossier.pk] = {
            bloc_id: Saisie(
                sum(
                    epreuve_outcome(
                        list(avis.get((dossier.pk, m), {}).values()), double_evaluation=two
                    )
                    is not None
                    for m in modalites
                ),
                len(modalites),
            )
            for bloc_id, modalites in modalites_by_bloc.items()
        }
    return result
