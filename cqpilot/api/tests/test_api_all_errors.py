"""A refused candidate gets all its faults in the 422 at once, each with its field, as the
screen shows them (issue « Accrochage… outil autonome sans perte »)."""

import pytest

from .factories import ApiClient, world
from .test_api_dossiers import ZOLA

pytestmark = pytest.mark.django_db


def test_a_faulty_field_no_longer_hides_the_other_fields_faults():
    client = ApiClient(world().users["of_a"])
    refused = client.post(
        "/candidats",
        {
            **ZOLA,
            "employeur_siret": "12345678901234",
            "code_insee_naissance": "7505",
            "nom_naissance": "Zola épouse Dreyfus",
        },
    )
    assert refused.status_code == 422
    assert [e["champ"] for e in refused.json()["erreurs"]] == [
        "employeur_siret",
        "nom_naissance",
        "code_insee_naissance",
    ]


def test_a_field_refused_by_its_type_is_not_told_twice():
    client = ApiClient(world().users["of_a"])
    refused = client.post("/candidats", {**ZOLA, "sexe": "X", "code_insee_naissance": "7505"})
    assert refused.status_code == 422
    assert sorted(e["champ"] for e in refused.json()["erreurs"]) == [
        "code_insee_naissance",
        "sexe",
    ]


def test_a_control_character_in_an_identity_field_is_a_422_naming_each_field():
    client = ApiClient(world().users["of_a"])
    refused = client.post(
        "/candidats", {**ZOLA, "nom_naissance": "Zo\x07la", "commune_naissance": "Pa\x1bris"}
    )
    assert refused.status_code == 422
    assert refused.json()["erreurs"] == [
        {
            "champ": "nom_naissance",
            "message": "Caractère de contrôle invisible (U+0007) : retirez-le (retapez le champ).",
        },
        {
            "champ": "commune_naissance",
            "message": "Caractère de contrôle invisible (U+001B) : retirez-le (retapez le champ).",
        },
    ]
