import contextlib

from auditlog.context import auditlog_value
from django.http import HttpRequest
from ninja.security import HttpBearer

from .models import JetonApi
from .tokens import authenticate


class JetonAuth(HttpBearer):
    """`Authorization: Bearer <jeton>`; the request then acts as the token's user."""

    openapi_description = "Jeton personnel créé dans cqpilot (lien « API » en haut de page)."

    def authenticate(self, request: HttpRequest, token: str) -> JetonApi | None:
        jeton = authenticate(token)
        if jeton is not None:
            request.user = jeton.user
            # the audit log names who changed what: its middleware ran before the token was read
            with contextlib.suppress(LookupError):
                auditlog_value.get()["actor"] = jeton.user
        return jeton
