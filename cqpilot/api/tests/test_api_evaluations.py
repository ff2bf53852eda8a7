"""An évaluateur's application pushes results: his épreuves only, the tablet grid's rules."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cqpilot.evaluations.models import Resultat
from cqpilot.evaluations.services import assign
from cqpilot.intervenants.models import Intervenant

from .factories import ApiClient, world

pytestmark = pytest.mark.django_db


def test_the_evaluator_reads_his_epreuves_and_pushes_a_score():
    w = world()
    client = ApiClient(w.users["evaluateur"])

    [epreuve] = client.get("/epreuves").json()["items"]
    assert (epreuve["bloc"], epreuve["notation"], epreuve["note_sur"]) == ("BC02", "note", 20)
    assert {i["dossier"] for i in epreuve["inscrits"]} == {
        w.dossier_a.pk,
        w.dossier_b.pk,
        w.dossier_libre.pk,
    }
    pushed = client.post(
        f"/epreuves/{w.epreuve.pk}/resultats", {"dossier": w.dossier_a.pk, "note": "12.5"}
    )
    assert pushed.status_code == 201 and pushed.json()["acquis"] is True
    again = client.post(
        f"/epreuves/{w.epreuve.pk}/resultats", {"dossier": w.dossier_a.pk, "note": 8}
    )
    assert again.json()["acquis"] is False
    assert Resultat.objects.get().note == 8


def test_a_score_off_the_scale_is_refused_with_the_grid_message():
    w = world()
    client = ApiClient(w.users["evaluateur"])

    refused = client.post(
        f"/epreuves/{w.epreuve.pk}/resultats", {"dossier": w.dossier_b.pk, "note": 21}
    )

    assert refused.status_code == 422
    assert "indiquez une note de 0 à 20" in refused.json()["detail"]
    assert not Resultat.objects.exists()


def test_another_evaluator_of_the_branch_cannot_push_on_this_epreuve():
    w = world()
    second = ApiClient(w.users["gestionnaire"])

    assert second.get("/epreuves").json()["items"] == []
    refused = second.post(
        f"/epreuves/{w.epreuve.pk}/resultats", {"dossier": w.dossier_a.pk, "note": 15}
    )
    assert refused.status_code == 404


def test_the_criteres_of_all_his_epreuves_are_read_at_once():
    w = world()
    client = ApiClient(w.users["evaluateur"])
    client.get("/epreuves")
    with CaptureQueriesContext(connection) as one:
        client.get("/epreuves")

    mise = w.epreuve.session.epreuves.get(modalite__bloc__code="BC01")
    assign(mise, Intervenant.objects.get(user=w.users["evaluateur"]))
    with CaptureQueriesContext(connection) as two:
        epreuves = client.get("/epreuves").json()["items"]

    assert len(two) == len(one)
    by_bloc = {e["bloc"]: [c["intitule"] for c in e["criteres"]] for e in epreuves}
    assert by_bloc == {
        "BC01": ["Les produits sont dosés", "Les zones sont balisées"],
        "BC02": [],
    }
