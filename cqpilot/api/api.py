"""The REST API (`/api/v1/`, OpenAPI at `/api/v1/docs`): a token acts as its user, with the
scoping and the rules of the screens."""

from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest
from ninja import NinjaAPI
from ninja.operation import Operation

from . import errors, routes_certificateur, routes_dossiers, routes_evaluations
from .auth import JetonAuth, TokenRateThrottle
from .schemas import Moi


class CqpilotApi(NinjaAPI):
    """Partners generate their clients from the OpenAPI document: each tag becomes a class or a
    module, each operationId a function. Tags are plain ASCII words (some generators drop other
    characters from class names), spelt in French in their description."""

    TAGS = [
        {"name": "Compte", "description": "Le compte du jeton : utilisateur, organisation, rôles."},
        {
            "name": "Candidats",
            "description": "Candidats : identité et coordonnées, avec les contrôles de l'écran.",
        },
        {
            "name": "Dossiers",
            "description": (
                "Dossiers : référentiels ouverts, création en brouillon, modification, "
                "changements d'état et pièces justificatives."
            ),
        },
        {
            "name": "Evaluations",
            "description": "Évaluations : vos épreuves d'évaluateur et la saisie des résultats.",
        },
        {
            "name": "Certificateur",
            "description": (
                "Certificateur : sessions d'évaluation, jurys et décisions, registre des "
                "délivrances, accrochage à la Caisse des Dépôts."
            ),
        },
    ]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(openapi_extra={"tags": self.TAGS}, **kwargs)

    def get_openapi_operation_id(self, operation: Operation) -> str:
        """Ninja's default id is the view's module and function name: partners' generated code
        would then break when a Python function is renamed. Every route states its own
        `operation_id=` (camelCase: a verb — list, get, create, update… — then the resource)."""
        view = operation.view_func
        raise ImproperlyConfigured(
            f"{view.__module__}.{view.__name__} has no operation_id: give it a stable one "
            "(and add it to cqpilot/api/tests/test_openapi_operations.py)."
        )


api = CqpilotApi(
    title="API cqpilot",
    version="1",
    description=(
        "Candidats, dossiers, pièces et résultats d'évaluation ; pour le certificateur, "
        "sessions, jurys, décisions, registre des délivrances et accrochage. Authentification : "
        "`Authorization: Bearer <jeton>` (jeton personnel créé dans cqpilot, lien « API » en "
        "haut de page). Le jeton agit avec les droits de son utilisateur : un organisme de "
        "formation ne voit que ses candidats. Listes paginées par 50 (`?page=2`). Erreurs : "
        '`{"detail": "…", "erreurs": [{"champ": "…", "message": "…"}]}`. Chaque opération a un '
        "`operationId` stable, en camelCase (`listDossiers`, `createCandidat`…), que les "
        "générateurs de clients reprennent."
    ),
    auth=JetonAuth(),
    throttle=[TokenRateThrottle()],
    urls_namespace="api",
)
errors.install(api)
api.add_router("", routes_dossiers.candidats_router)
api.add_router("", routes_dossiers.router)
api.add_router("", routes_evaluations.router)
api.add_router("", routes_certificateur.router)


@api.get("/moi", response=Moi, summary="Le compte du jeton", tags=["Compte"], operation_id="getMoi")
def moi(request: HttpRequest):
    user = request.user
    return {
        "utilisateur": user.get_username(),
        "organisation": str(user.organisation) if user.organisation else None,
        "type_organisation": user.organisation.kind if user.organisation else None,
        "roles": sorted(user.role_codes),
    }
