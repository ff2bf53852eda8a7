"""Error bodies in French, the same shape everywhere: {"detail": "…", "erreurs": [{"champ", "message"}]}."""

from django.core.exceptions import PermissionDenied
from django.forms.utils import ErrorDict
from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError

# pydantic's error types → what a French user understands
PYDANTIC_MESSAGES = {
    "missing": "Champ obligatoire.",
    "int_parsing": "Nombre entier attendu.",
    "int_type": "Nombre entier attendu.",
    "int_from_float": "Nombre entier attendu.",
    "float_parsing": "Nombre attendu.",
    "float_type": "Nombre attendu.",
    "decimal_parsing": "Nombre attendu.",
    "decimal_type": "Nombre attendu.",
    "bool_parsing": "Booléen attendu (true ou false).",
    "bool_type": "Booléen attendu (true ou false).",
    "string_type": "Texte attendu.",
    "string_too_long": "Texte trop long.",
    "string_pattern_mismatch": "Caractère non autorisé (caractère nul).",
    "decimal_max_digits": "Nombre trop long.",
    "decimal_max_places": "Deux décimales au plus.",
    "finite_number": "Nombre fini attendu.",
    "greater_than": "Valeur trop petite.",
    "less_than": "Valeur trop grande.",
    "datetime_parsing": "Date et heure attendues (AAAA-MM-JJTHH:MM:SS).",
    "datetime_from_date_parsing": "Date et heure attendues (AAAA-MM-JJTHH:MM:SS).",
    "datetime_type": "Date et heure attendues (AAAA-MM-JJTHH:MM:SS).",
    "date_parsing": "Date attendue au format AAAA-MM-JJ.",
    "date_from_datetime_parsing": "Date attendue au format AAAA-MM-JJ.",
    "date_type": "Date attendue au format AAAA-MM-JJ.",
    "list_type": "Liste attendue.",
    "dict_type": "Objet attendu.",
    "model_attributes_type": "Objet JSON attendu.",
    "json_invalid": "JSON invalide.",
    "extra_forbidden": "Champ inconnu.",
    "literal_error": "Valeur non autorisée.",
    "enum": "Valeur non autorisée.",
    "greater_than_equal": "Valeur trop petite.",
    "less_than_equal": "Valeur trop grande.",
}


class ApiRefus(Exception):
    """A request refused with a French message, optionally per field (status 400, 403, 404,
    409 or 422)."""

    def __init__(self, status: int, detail: str, erreurs: list[dict] | None = None) -> None:
        super().__init__(detail)
        self.status, self.detail, self.erreurs = status, detail, erreurs or []

    @classmethod
    def on_field(cls, status: int, champ: str, message: str) -> "ApiRefus":
        """Refused because of one field: the message is the detail and the field's error."""
        return cls(status, message, [{"champ": champ, "message": message}])


def form_refus(errors: ErrorDict) -> ApiRefus:
    erreurs = [
        {"champ": "" if field == "__all__" else field, "message": str(message)}
        for field, messages in errors.items()
        for message in messages
    ]
    return ApiRefus(422, "Données refusées : voir « erreurs ».", erreurs)


def _location(loc: tuple) -> str:
    # ("body", "payload", "date_inscription") → "date_inscription"; ("query", "page") → "page"
    parts = [str(p) for p in loc if p not in ("body", "payload", "query", "path", "form", "file")]
    return ".".join(parts)


def _message(error: dict) -> str:
    if error.get("type") == "value_error":  # raised by cqpilot's own validators, in French
        reason = str(error.get("ctx", {}).get("error", ""))
        return reason[:1].upper() + reason[1:] + "." if reason else "Valeur invalide."
    return PYDANTIC_MESSAGES.get(error.get("type", ""), "Valeur invalide.")


def install(api: NinjaAPI) -> None:
    def body(request: HttpRequest, status: int, detail: str, erreurs=None) -> HttpResponse:
        content = {"detail": detail}
        if erreurs:
            content["erreurs"] = erreurs
        return api.create_response(request, content, status=status)

    @api.exception_handler(PermissionDenied)
    def forbidden(request, exc: PermissionDenied):
        # the same permissions as the screens (core.permissions), with their French refusal
        return body(request, 403, str(exc) or "Action non autorisée pour votre compte.")

    @api.exception_handler(ApiRefus)
    def refused(request, exc: ApiRefus):
        return body(request, exc.status, exc.detail, exc.erreurs)

    @api.exception_handler(ValidationError)
    def invalid(request, exc: ValidationError):
        erreurs = [
            {
                "champ": _location(tuple(error.get("loc", ()))),
                "message": _message(error),
            }
            for error in exc.errors
        ]
        return body(request, 422, "Données refusées : voir « erreurs ».", erreurs)

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request, exc):
        return body(
            request,
            401,
            "Jeton d'API manquant, invalide ou révoqué : en-tête « Authorization: Bearer "
            "<jeton> » attendu.",
        )

    @api.exception_handler(Throttled)
    def throttled(request, exc: Throttled):
        wait = int(exc.wait or 1)
        reason = getattr(exc, "reason", "Trop de requêtes")
        response = body(request, 429, f"{reason} : réessayez dans {wait} s.")
        response["Retry-After"] = str(wait)
        return response

    @api.exception_handler(HttpError)
    def http_error(request, exc: HttpError):
        messages = {400: "Requête invalide.", 404: "Introuvable.", 405: "Méthode non autorisée."}
        return body(request, exc.status_code, messages.get(exc.status_code, str(exc)))
