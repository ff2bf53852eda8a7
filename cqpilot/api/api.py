"""The REST API (`/api/v1/`, OpenAPI at `/api/v1/docs`): a token acts as its user, with the
scoping and the rules of the screens."""

from django.http import HttpRequest
from ninja import NinjaAPI

from . import errors, routes_certificateur, routes_dossiers, routes_evaluations
from .auth import JetonAuth, TokenRateThrottle
from .schemas import Moi

api = NinjaAPI(
    title="API cqpilot",
    version="1",
    description=(
        "Candidats, dossiers, pièces et résultats d'évaluation ; pour le certificateur, "
        "sessions, jurys, décisions, registre des délivrances et accrochage. Authentification : "
        "`Authorization: Bearer <jeton>` (jeton personnel créé dans cqpilot, lien « API » en "
        "haut de page). Le jeton agit avec les droits de son utilisateur : un organisme de "
        "formation ne voit que ses candidats. Listes paginées par 50 (`?page=2`). Erreurs : "
        '`{"detail": "…", "erreurs": [{"champ": "…", "message": "…"}]}`.'
    ),
    auth=JetonAuth(),
    throttle=[TokenRateThrottle()],
    urls_namespace="api",
)
errors.install(api)
api.add_router("", routes_dossiers.router)
api.add_router("", routes_evaluations.router)
api.add_router("", routes_certificateur.router)


@api.get("/moi", response=Moi, summary="Le compte du jeton", tags=["Compte"])
def moi(request: HttpRequest):
    user = request.user
    return {
        "utilisateur": user.get_username(),
        "organisation": str(user.organisation) if user.organisation else None,
        "type_organisation": user.organisation.kind if user.organisation else None,
        "roles": sorted(user.role_codes),
    }
