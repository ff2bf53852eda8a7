"""The OpenAPI document is what partners feed their code generators: it must be valid, and each
operation must carry a readable operationId and one tag, which become the generated functions
and classes (`DossiersApi.list_dossiers()`, not `cqpilot_api_routes_dossiers_dossiers()`).
Partners' code calls those names: they are pinned below, so that changing one is a decision
(the partners are told), never the side effect of renaming a Python function."""

import re

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest
from openapi_spec_validator import validate

from cqpilot.api.api import CqpilotApi

pytestmark = pytest.mark.django_db

HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}

# (method, path) -> (operationId, tag). Convention: camelCase, a verb then the resource as the
# path names it: list (a collection), get (one object), create, update, and the domain's verbs.
PINNED_OPERATIONS = {
    ("GET", "/api/v1/moi"): ("getMoi", "Compte"),
    ("GET", "/api/v1/versions"): ("listVersions", "Dossiers"),
    ("GET", "/api/v1/candidats"): ("listCandidats", "Candidats"),
    ("POST", "/api/v1/candidats"): ("createCandidat", "Candidats"),
    ("GET", "/api/v1/candidats/{pk}"): ("getCandidat", "Candidats"),
    ("PATCH", "/api/v1/candidats/{pk}"): ("updateCandidat", "Candidats"),
    ("GET", "/api/v1/dossiers"): ("listDossiers", "Dossiers"),
    ("POST", "/api/v1/dossiers"): ("createDossier", "Dossiers"),
    ("GET", "/api/v1/dossiers/{pk}"): ("getDossier", "Dossiers"),
    ("PATCH", "/api/v1/dossiers/{pk}"): ("updateDossier", "Dossiers"),
    ("POST", "/api/v1/dossiers/{pk}/transitions"): ("transitionDossier", "Dossiers"),
    ("GET", "/api/v1/dossiers/{pk}/pieces"): ("listDossierPieces", "Dossiers"),
    ("POST", "/api/v1/dossiers/{pk}/pieces"): ("createDossierPiece", "Dossiers"),
    ("GET", "/api/v1/epreuves"): ("listEpreuves", "Evaluations"),
    ("POST", "/api/v1/epreuves/{pk}/resultats"): ("recordEpreuveResultat", "Evaluations"),
    ("GET", "/api/v1/sessions"): ("listSessions", "Certificateur"),
    ("GET", "/api/v1/jurys"): ("listJurys", "Certificateur"),
    ("GET", "/api/v1/decisions"): ("listDecisions", "Certificateur"),
    ("GET", "/api/v1/documents-delivres"): ("listDocumentsDelivres", "Certificateur"),
    ("GET", "/api/v1/accrochage/passages"): ("listAccrochagePassages", "Certificateur"),
    ("GET", "/api/v1/accrochage/fichiers"): ("listAccrochageFichiers", "Certificateur"),
}

VERBS = ("list", "get", "create", "update", "transition", "record")
CAMEL_CASE_AFTER_A_VERB = re.compile(rf"^({'|'.join(VERBS)})([A-Z][a-z]*)+$")


@pytest.fixture
def document(client) -> dict:
    """The document as partners download it."""
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json()


def operations(document: dict) -> dict[tuple[str, str], dict]:
    return {
        (method.upper(), path): operation
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in HTTP_METHODS
    }


def test_the_document_is_valid_openapi(document):
    assert document["openapi"].startswith("3.1")
    validate(document)  # raises on the first fault, naming it


def test_every_operation_has_its_own_readable_id(document):
    ids = [operation.get("operationId") for operation in operations(document).values()]
    assert None not in ids
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    for operation_id in ids:
        assert "cqpilot_api_" not in operation_id
        assert CAMEL_CASE_AFTER_A_VERB.match(operation_id), operation_id


def test_the_operations_are_the_pinned_ones(document):
    found = {
        key: (operation.get("operationId"), *operation.get("tags", []))
        for key, operation in operations(document).items()
    }
    assert found == PINNED_OPERATIONS


def test_every_operation_has_exactly_one_tag_among_the_declared_ones(document):
    declared = {tag["name"]: tag.get("description", "") for tag in document.get("tags", [])}
    used = set()
    for key, operation in operations(document).items():
        assert len(operation.get("tags", [])) == 1, key
        assert operation["tags"][0] in declared, key
        used.add(operation["tags"][0])
    assert used == set(declared), "a declared tag without any operation"
    assert all(declared.values()), "every tag is described for the documentation page"


def test_tags_are_plain_ascii_words_that_generators_keep_whole():
    """Generators turn a tag into a class or a module name and some drop what is not ASCII
    (« Évaluations » would become `ValuationsApi`): the French spelling is in the description."""
    for tag in CqpilotApi.TAGS:
        assert re.fullmatch(r"[A-Z][a-z]+", tag["name"]), tag["name"]


def test_a_route_declared_without_an_explicit_id_is_refused():
    """The id would otherwise come from the Python function's module and name, and change with
    them."""
    api = CqpilotApi(urls_namespace="test_operation_ids")

    @api.get("/sans-identifiant", tags=["Compte"])
    def sans_identifiant(request: HttpRequest):
        return {}

    with pytest.raises(ImproperlyConfigured, match="sans_identifiant"):
        api.get_openapi_schema(path_prefix="")
