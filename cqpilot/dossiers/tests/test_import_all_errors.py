"""A faulty row of the candidates import reports all its faults at once, not only its first cell's
(issue « Accrochage… outil autonome sans perte », « toutes les erreurs d'un coup »)."""

import pytest

from cqpilot.core.models import Role
from cqpilot.core.tests.factories import UserFactory
from cqpilot.dossiers.candidats_import import check_file

from .test_import import HEADERS, person, published_habilitation, xlsx

pytestmark = pytest.mark.django_db


@pytest.fixture
def of_user():
    habilitation = published_habilitation()
    return UserFactory(organisation=habilitation.organisme, roles=[Role.ORGANISME_FORMATION])


def test_a_bad_cell_no_longer_hides_the_row_s_other_faults(of_user):
    row = person(
        0,
        "RNCP00000",
        Sexe="X",
        **{"Code INSEE de naissance": "6912", "Date d'inscription": "31/02/2026"},
    )
    outcome = check_file(xlsx([row]), "candidats.xlsx", by=of_user)
    assert [str(e) for e in outcome.errors] == [
        "Ligne 2, Sexe : « X » n'est pas une valeur possible (Homme ; Femme).",
        "Ligne 2, Date d'inscription : le 31/02/2026 n'existe pas.",
        "Ligne 2, Code INSEE de naissance : Le code INSEE « 6912 » n'a pas le bon format : 5 "
        "caractères, par exemple 69123, 2A004, ou 99109 pour une naissance à l'étranger.",
        "Ligne 2, Certification : « RNCP00000 » : certification inconnue, ou pour laquelle vous "
        "n'êtes pas habilité.",
    ]


def test_a_missing_value_does_not_add_a_second_fault_on_its_column(of_user):
    row = person(0, "RNCP39912", **{"Année de naissance": "", "Voie d'accès": "Par hasard"})
    outcome = check_file(xlsx([row]), "candidats.xlsx", by=of_user)
    assert [str(e) for e in outcome.errors] == [
        "Ligne 2, Voie d'accès : « Par hasard » n'est pas une valeur possible ("
        + outcome.errors[0].message.split("(", 1)[1],
        "Ligne 2, Année de naissance : obligatoire.",
    ]


def test_a_valid_row_is_still_valid(of_user):
    outcome = check_file(xlsx([person(0, "RNCP39912")], HEADERS), "candidats.xlsx", by=of_user)
    assert outcome.errors == [] and len(outcome.valid) == 1
