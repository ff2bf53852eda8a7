"""Identity checks that spare a CDC rejection, NIR protection, duplicates."""

from datetime import date

import pytest
from django.db import connection

from cqpilot.core.validators import nir_problems, siret_problem
from cqpilot.dossiers.identity import find_duplicates, identity_problems
from cqpilot.dossiers.models import Candidat

from .factories import CandidatFactory

# A valid NIR: woman (2), born in May 1990 (90 05) in the Rhône (69), commune 123, order 045.
NIR = "290056912304560"
TODAY = date(2026, 11, 23)


def problems(**identity):
    candidat = Candidat(
        **{
            "nom_naissance": "Dupont",
            "prenom1": "Marie",
            "sexe": "F",
            "annee_naissance": 1990,
            "mois_naissance": 5,
            "jour_naissance": 14,
            "code_insee_naissance": "69123",
            **identity,
        }
    )
    return {(p.field, p.message, p.blocking) for p in identity_problems(candidat, today=TODAY)}


def messages(**identity):
    return [message for _field, message, _blocking in problems(**identity)]


def test_a_complete_identity_has_no_problem():
    assert problems() == set()


def test_birth_name_is_required():
    assert messages(nom_naissance=" ") == ["Le nom de naissance est obligatoire."]


@pytest.mark.parametrize(
    "name", ["Martin épouse Dupont", "MARTIN EP DUPONT", "Dupont née Martin", "Vve Durand"]
)
def test_birth_name_with_a_married_name_marker_is_refused(name):
    assert "ne doit pas contenir « épouse »" in messages(nom_naissance=name)[0]


def test_a_name_containing_ep_inside_a_word_is_fine():
    assert messages(nom_naissance="Lepine") == []


def test_initial_only_first_name_is_a_warning():
    assert problems(prenom1="J.") == {
        (
            "prenom1",
            "Le prénom n'est qu'une initiale : la Caisse des Dépôts risque de ne pas retrouver le titulaire.",
            False,
        )
    }


def test_a_date_that_does_not_exist_is_refused():
    assert messages(jour_naissance=31, mois_naissance=2) == ["Le 31/02/1990 n'existe pas."]


def test_a_birth_date_in_the_future_is_refused():
    assert messages(annee_naissance=2026, mois_naissance=12, jour_naissance=1) == [
        "La date de naissance est dans le futur."
    ]


def test_unknown_day_and_month_are_a_warning_only():
    assert problems(jour_naissance=None, mois_naissance=None) == {
        (
            "jour_naissance",
            "Date de naissance incomplète : elle sera transmise ainsi, mais la Caisse des Dépôts "
            "retrouve moins bien les titulaires sans jour ni mois.",
            False,
        )
    }


def test_a_day_without_month_is_refused():
    assert messages(mois_naissance=None) == ["Un jour de naissance sans mois n'a pas de sens."]


@pytest.mark.parametrize("code", ["6912", "69-123", "ABCDE"])
def test_insee_code_format_is_checked(code):
    assert "n'a pas le bon format" in messages(code_insee_naissance=code)[0]


def test_corsica_insee_codes_are_accepted():
    assert messages(code_insee_naissance="2A004", commune_naissance="Ajaccio") == []


def test_born_abroad_needs_the_country():
    assert messages(code_insee_naissance="99109") == [
        "Indiquez le pays de naissance (né(e) à l'étranger)."
    ]
    assert messages(code_insee_naissance="99109", pays_naissance="Allemagne") == []


def test_a_valid_nir_consistent_with_the_identity_passes():
    assert messages(nir=NIR) == []


def test_nir_key_is_checked():
    assert messages(nir=NIR[:-2] + "00") == ["La clé du NIR est fausse : vérifiez chaque chiffre."]


@pytest.mark.parametrize(
    ("identity", "expected"),
    [
        ({"sexe": "M"}, "sexe indiqué (1er chiffre)"),
        ({"annee_naissance": 1991}, "l'année de naissance (2e et 3e chiffres)"),
        ({"mois_naissance": 6, "jour_naissance": 1}, "mois de naissance (4e et 5e chiffres)"),
        ({"code_insee_naissance": "75056"}, "département de naissance (6e et 7e caractères)"),
    ],
)
def test_nir_inconsistent_with_the_identity_is_refused(identity, expected):
    assert any(expected in m for m in messages(nir=NIR, **identity))


def test_corsican_nir_key_uses_the_official_substitution():
    # 2A counts as 19 (and 2B as 18) in the modulo 97.
    assert nir_problems("185022A00412308", departement_naissance="2A") == []
    assert nir_problems("185022A00412309") == [
        "La clé du NIR est fausse : vérifiez chaque chiffre."
    ]


def test_siret_key_is_checked():
    assert siret_problem("78470543600037") is None
    assert siret_problem("78470543600038") == "La clé du SIRET est fausse."
    assert siret_problem("7847054360003") == "Le SIRET comporte exactement 14 chiffres."


@pytest.mark.django_db
def test_nir_is_encrypted_at_rest_and_masked_on_screen():
    candidat = CandidatFactory(nir=NIR)
    with connection.cursor() as cursor:
        cursor.execute("SELECT nir FROM dossiers_candidat WHERE id = %s", [candidat.pk])
        stored = cursor.fetchone()[0]
    assert NIR not in stored
    assert Candidat.objects.get(pk=candidat.pk).nir == NIR
    assert candidat.nir_masque == "2 90 •• •• ••• ••• ••"


@pytest.mark.django_db
def test_the_same_person_enrolled_twice_is_detected():
    first = CandidatFactory(nom_naissance="Lefèvre", prenom1="Jean-Marc", jour_naissance=3)
    again = Candidat(
        nom_naissance="LEFEVRE",
        prenom1="jean marc",
        sexe="M",
        annee_naissance=1990,
        mois_naissance=5,
        jour_naissance=3,
    )
    assert find_duplicates(again, Candidat.objects.all()) == [first]
    other_day = Candidat(
        nom_naissance="Lefevre",
        prenom1="Jean-Marc",
        sexe="M",
        annee_naissance=1990,
        mois_naissance=5,
        jour_naissance=4,
    )
    assert find_duplicates(other_day, Candidat.objects.all()) == []
