"""The espace speaks to the candidate as the person they are: « convoquée », « certifié »,
from the sex recorded on their fiche, never « convoqué(e) »."""

import pytest

from cqpilot.core.french import selon_sexe
from cqpilot.dossiers.models import DossierState, Sexe
from cqpilot.dossiers.tests.factories import CandidatFactory, DossierFactory
from cqpilot.espace.parcours import next_step

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("sexe", "state", "expected"),
    [
        (Sexe.F, DossierState.EN_FORMATION, "vous serez convoquée aux évaluations"),
        (Sexe.M, DossierState.EN_FORMATION, "vous serez convoqué aux évaluations"),
        (Sexe.F, DossierState.CERTIFIE, "Félicitations, vous êtes certifiée :"),
        (Sexe.M, DossierState.CERTIFIE, "Félicitations, vous êtes certifié :"),
    ],
)
def test_the_next_step_agrees_with_the_candidates_sex(sexe, state, expected):
    dossier = DossierFactory(candidat=CandidatFactory(sexe=sexe), state=state)
    step = next_step(dossier, [])
    assert expected in step
    assert "(e)" not in step


def test_an_unrecorded_sex_keeps_both_forms():
    assert selon_sexe("", "convoqué") == "convoqué(e)"
    assert selon_sexe("F", "vice-président") == "vice-présidente"
    assert selon_sexe("M", "expert", "experte") == "expert"
    assert selon_sexe("", "beau", "belle") == "beau ou belle"
