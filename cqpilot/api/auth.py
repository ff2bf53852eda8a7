import contextlib

from auditlog.context import auditlog_value
from django.conf import settings
from django.http import HttpRequest
from ninja.errors import Throttled
from ninja.security import HttpBearer
from ninja.throttling import BaseThrottle

from cqpilot.core.ratelimits import Rate, Verdict, client_ip, hit, peek

from .models import JetonApi
from .tokens import authenticate

INVALID_TOKENS = "api-invalid-token"


class InvalidTokensThrottled(Throttled):
    """Too many unknown tokens from one address: the next ones are refused unread."""

    reason = "Trop de jetons invalides depuis votre adresse"


class JetonAuth(HttpBearer):
    """`Authorization: Bearer <jeton>`; the request then acts as the token's user."""

    openapi_description = "Jeton personnel créé dans cqpilot (lien « API » en haut de page)."

    def authenticate(self, request: HttpRequest, token: str) -> JetonApi | None:
        # Guessing is counted per address and stopped before the token is even looked up.
        ip, rate = str(client_ip(request)), Rate.parse(settings.API_INVALID_TOKEN_RATE)
        if not (verdict := peek(INVALID_TOKENS, ip, rate)).allowed:
            raise InvalidTokensThrottled(wait=verdict.retry_after)
        jeton = authenticate(token)
        if jeton is None:
            hit(INVALID_TOKENS, ip, rate)
            return None
        request.user = jeton.user
        # the audit log names who changed what: its middleware ran before the token was read
        with contextlib.suppress(LookupError):
            auditlog_value.get()["actor"] = jeton.user
        return jeton


class TokenRateThrottle(BaseThrottle):
    """API_RATE requests per token, counted in the database (core.ratelimits), exact under
    concurrent requests; django-ninja's own throttle reads then writes the cache."""

    def allow_request(self, request: HttpRequest) -> bool:
        jeton = getattr(request, "auth", None)
        if jeton is None:
            return True  # refused by the authentication already
        self.verdict: Verdict = hit("api-token", str(jeton.pk), Rate.parse(settings.API_RATE))
        return self.verdict.allowed

    def wait(self) -> float | None:
        return self.verdict.retry_after
