"""The candidate's identity as typed or pasted: an invisible control character is refused where
it is typed, not months later when the CDC's file is produced."""

import pytest

from cqpilot.core.tests.factories import gestionnaire
from cqpilot.dossiers.forms import CandidatForm

pytestmark = pytest.mark.django_db
IDENTITY = {
    "nom_naissance": "Zola",
    "prenom1": "Émile",
    "sexe": "M",
    "jour_naissance": 2,
    "mois_naissance": 4,
    "annee_naissance": 1990,
    "code_insee_naissance": "75056",
    "commune_naissance": "Paris",
    "situation": "autre",
}
TEXT_FIELDS = [
    "nom_naissance",
    "nom_usage",
    "prenom1",
    "prenom2",
    "prenom3",
    "code_insee_naissance",
    "code_postal_naissance",
    "commune_naissance",
    "pays_naissance",
]


@pytest.mark.parametrize("field", TEXT_FIELDS)
def test_a_control_character_in_an_identity_field_is_refused_in_french(field):
    form = CandidatForm({**IDENTITY, field: "Ab\x07c"}, by=gestionnaire())

    assert not form.is_valid()
    assert form.errors[field] == [
        "Caractère de contrôle invisible (U+0007) : retirez-le (retapez le champ)."
    ]


def test_an_identity_without_control_character_is_accepted():
    form = CandidatForm(IDENTITY, by=gestionnaire())

    assert form.is_valid(), form.errors
