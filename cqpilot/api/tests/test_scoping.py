"""Every API operation sees exactly what the screens show the same account, for each role: a
partner OF's token never reads nor touches another OF's candidates, nor the certifier's own
records."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cqpilot.accrochage.models import FichierAccrochage, PassageAccrochage
from cqpilot.api.api import api
from cqpilot.delivrance.models import DocumentDelivre
from cqpilot.delivrance.tests.factories import DocumentDelivreFactory
from cqpilot.dossiers.forms import enrollable_versions
from cqpilot.dossiers.models import Candidat, Dossier, Financement
from cqpilot.dossiers.tests.factories import CandidatFactory, DossierFactory
from cqpilot.evaluations.models import SessionEvaluation
from cqpilot.evaluations.services import create_session, enrol
from cqpilot.intervenants.tests.factories import IntervenantFactory
from cqpilot.jurys.models import Deliberation, Jury, JuryMembre
from cqpilot.jurys.tests.factories import JuryFactory

from .factories import ApiClient, world

pytestmark = pytest.mark.django_db

ROLES = [
    "gestionnaire",
    "administrateur",
    "evaluateur",
    "membre_jury",
    "of_a",
    "of_b",
    "autre_certificateur",
]


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] if "id" in row else row["dossier"] for row in response.json()["items"]}


# What the screens show a user: the querysets of the UI's list pages.
UI_LISTS = {
    "/candidats": lambda user: Candidat.objects.visible_to(user),
    "/dossiers": lambda user: Dossier.objects.visible_to(user),
    "/versions": enrollable_versions,
    "/documents-delivres": lambda user: DocumentDelivre.objects.visible_to(user),
    "/jurys": lambda user: Jury.objects.visible_to(user),
    # the sessions' page and the accrochage's are their managers'
    "/sessions": lambda user: (
        SessionEvaluation.objects.visible_to(user)
        if user.is_certificateur_manager
        else SessionEvaluation.objects.none()
    ),
    "/accrochage/passages": lambda user: PassageAccrochage.objects.filter(
        organisation=user.organisation if user.is_certificateur_manager else None
    ),
    "/accrochage/fichiers": lambda user: FichierAccrochage.objects.filter(
        organisation=user.organisation if user.is_certificateur_manager else None
    ),
    "/decisions": lambda user: Deliberation.objects.filter(
        jury__in=Jury.objects.visible_to(user)
    ).values_list("dossier", flat=True),
}


@pytest.mark.parametrize("role", ROLES)
def test_each_list_holds_exactly_what_the_screens_show(role):
    w = world()
    user = w.users[role]
    client = ApiClient(user)

    for path, shown in UI_LISTS.items():
        listed = ids(client.get(path))  # first: the accrochage lists the documents issued since
        expected = shown(user)
        expected = set(expected if path == "/decisions" else expected.values_list("pk", flat=True))
        assert listed == expected, path


def test_the_lists_of_the_two_ofs_and_the_two_certifiers_do_not_overlap():
    w = world()
    seen = {role: ids(ApiClient(w.users[role]).get("/dossiers")) for role in ROLES}

    assert seen["of_a"] == {w.dossier_a.pk}
    assert seen["of_b"] == {w.dossier_b.pk}
    assert seen["gestionnaire"] == {w.dossier_a.pk, w.dossier_b.pk, w.dossier_libre.pk}
    assert seen["autre_certificateur"] == {w.other_dossier.pk}
    for of in ("of_a", "of_b"):
        client = ApiClient(w.users[of])
        for path in ("/decisions", "/documents-delivres", "/jurys", "/sessions"):
            assert ids(client.get(path)) == set(), path
        assert ids(client.get("/accrochage/passages")) == set()
        assert ids(client.get("/accrochage/fichiers")) == set()


def test_the_certifier_reads_its_own_sessions_juries_and_accrochage():
    w = world()
    client = ApiClient(w.users["gestionnaire"])

    (session,) = client.get("/sessions").json()["items"]
    assert set(session["inscrits"]) == {w.dossier_a.pk, w.dossier_b.pk, w.dossier_libre.pk}
    assert "BC02" in {epreuve["bloc"] for epreuve in session["epreuves"]}
    (jury,) = client.get("/jurys").json()["items"]
    assert (jury["statut"], jury["dossiers"]) == ("signe", [w.dossier_a.pk])
    (decision,) = client.get("/decisions").json()["items"]
    assert (decision["dossier"], decision["jury"]) == (w.dossier_a.pk, jury["id"])
    assert decision["date_jury"] == jury["date"]
    (document,) = client.get("/documents-delivres").json()["items"]
    (passage,) = client.get("/accrochage/passages").json()["items"]
    assert (passage["dossier"], passage["statut"]) == (w.dossier_a.pk, "a_deposer")
    assert (passage["document"], passage["numero"]) == (document["id"], document["numero"])
    assert (passage["bloc"], passage["dernier_fichier"]) == (None, None)
    assert client.get("/accrochage/passages", statut="accepte").json()["items"] == []
    (fichier,) = client.get("/accrochage/fichiers").json()["items"]
    assert (fichier["id_flux"], fichier["passages"]) == ("CQPILOT-TEST-1", 1)
    assert fichier["accuse"]["rejetes"] == {"cqpilot-1-X": "Aucun titulaire ne correspond"}


def object_operations(w, dossier, candidat_pk):
    """Every operation on one object, with a valid body: only scoping can refuse it."""
    pdf = SimpleUploadedFile("cv.pdf", b"%PDF-1.4 cv", content_type="application/pdf")
    return {
        ("GET", "/candidats/{pk}"): lambda c: c.get(f"/candidats/{candidat_pk}"),
        ("PATCH", "/candidats/{pk}"): lambda c: c.patch(
            f"/candidats/{candidat_pk}", {"telephone": "0600000000"}
        ),
        ("GET", "/dossiers/{pk}"): lambda c: c.get(f"/dossiers/{dossier.pk}"),
        ("PATCH", "/dossiers/{pk}"): lambda c: c.patch(f"/dossiers/{dossier.pk}", {"cpf": True}),
        ("POST", "/dossiers/{pk}/transitions"): lambda c: c.post(
            f"/dossiers/{dossier.pk}/transitions", {"etat": "abandon", "motif": "Test"}
        ),
        ("GET", "/dossiers/{pk}/pieces"): lambda c: c.get(f"/dossiers/{dossier.pk}/pieces"),
        ("POST", "/dossiers/{pk}/pieces"): lambda c: c.client.post(
            f"/api/v1/dossiers/{dossier.pk}/pieces", {"type": "cv", "fichier": pdf}
        ),
        ("POST", "/dossiers"): lambda c: c.post(
            "/dossiers",
            {
                "candidat": candidat_pk,
                "version": w.version.pk,
                "voie_acces": "CANDIDAT_LIBRE",
                "date_inscription": "2026-11-02",
            },
        ),
        ("POST", "/epreuves/{pk}/resultats"): lambda c: c.post(
            f"/epreuves/{w.epreuve.pk}/resultats", {"dossier": dossier.pk, "note": 12}
        ),
    }


LIST_OPERATIONS = {("GET", path) for path in UI_LISTS} | {
    ("GET", "/moi"),
    ("GET", "/epreuves"),
    ("POST", "/candidats"),  # creates in the caller's own scope: see test_api_dossiers
}


def test_every_operation_of_the_openapi_document_is_covered_here():
    w = world()
    operations = {
        (method.upper(), path.removeprefix("/api/v1").replace("{pk}", "{pk}"))
        for path, item in api.get_openapi_schema()["paths"].items()
        for method in item
    }
    covered = LIST_OPERATIONS | set(object_operations(w, w.dossier_a, 0))
    assert operations == covered


@pytest.mark.parametrize("role", ROLES)
def test_objects_outside_the_scope_are_not_found_by_any_operation(role):
    w = world()
    user = w.users[role]
    client = ApiClient(user)
    visible = set(Dossier.objects.visible_to(user).values_list("pk", flat=True))
    candidats = set(Candidat.objects.visible_to(user).values_list("pk", flat=True))
    strangers = [
        d for d in (w.dossier_a, w.dossier_b, w.dossier_libre, w.other_dossier)
        if d.pk not in visible and d.candidat_id not in candidats
    ]  # fmt: skip
    assert strangers, "every role has someone else's dossier to try"

    for dossier in strangers:
        for (method, path), call in object_operations(w, dossier, dossier.candidat_id).items():
            response = call(client)
            if path == "/epreuves/{pk}/resultats" and role == "evaluateur":
                # his épreuve: the dossier is refused as not enrolled, or not his to see
                assert response.status_code in (404, 422), (method, path)
                continue
            assert response.status_code in (403, 404), (role, method, path, response.content)
            assert "detail" in response.json()
    assert Dossier.objects.get(pk=w.dossier_b.pk).state == "en_evaluation"
    assert not Candidat.objects.filter(telephone="0600000000").exclude(pk__in=candidats).exists()


def test_a_partner_of_acts_on_its_own_candidates_as_on_screen():
    w = world()
    client = ApiClient(w.users["of_a"])

    assert client.get(f"/dossiers/{w.dossier_a.pk}").json()["organisme"] == w.of_a.pk
    assert client.get(f"/dossiers/{w.dossier_a.pk}/pieces").status_code == 200
    refused = client.post(
        "/dossiers",
        {
            "candidat": w.dossier_a.candidat_id,
            "version": w.version.pk,
            "organisme": w.of_b.pk,
            "voie_acces": "FORMATION_CONTINUE_PRO_A",
            "date_inscription": "2026-11-02",
        },
    )
    assert refused.status_code == 403
    assert refused.json()["erreurs"][0]["champ"] == "organisme"


def test_each_list_takes_as_many_queries_for_many_rows_as_for_one():
    w = world()
    client = ApiClient(w.users["gestionnaire"])

    def queries_per_list() -> dict[str, int]:
        counts = {}
        for path in UI_LISTS:
            client.get(path)  # the accrochage lists the documents issued since the last call
            with CaptureQueriesContext(connection) as queries:
                assert client.get(path).status_code == 200
            counts[path] = len(queries)
        return counts

    before = queries_per_list()
    for n in range(3):
        dossier = DossierFactory(
            certification=w.certification, version=w.version, organisme=w.of_a, state="en_formation",
            candidat=CandidatFactory(nom_naissance=f"Suivant{n}", created_by_organisation=w.of_a),
        )  # fmt: skip
        Financement.objects.create(dossier=dossier, dispositif="cpf", status="accorde")
        session = create_session(
            SessionEvaluation(
                organisation=w.branche, certification=w.certification, version=w.version,
                date_debut=date(2026, 12, 1 + n),
            )
        )  # fmt: skip
        enrol(session, [dossier], by=w.users["gestionnaire"])
        jury = JuryFactory(organisation=w.branche, certification=w.certification, status="signe")
        JuryMembre.objects.create(
            jury=jury, intervenant=IntervenantFactory(organisation=w.branche), college="employeur"
        )
        Deliberation.objects.create(jury=jury, dossier=dossier, decision="totale")
        DocumentDelivreFactory(dossier=dossier, organisation=w.branche)

    assert queries_per_list() == before
