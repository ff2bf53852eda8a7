"""`/sante/`: the health check a monitoring service calls (core/health.py)."""

import hmac

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .health import run_checks


def token_given(request: HttpRequest) -> str:
    # A header only: a token in the address would be written in every proxy's access log.
    return request.headers.get("X-Healthcheck-Token", "")


@never_cache
@require_GET
def sante(request: HttpRequest) -> JsonResponse:
    """200 when every check passes, 503 naming the failing ones. Without HEALTHCHECK_TOKEN it
    is public: it shows statuses and ages only. With it, the token is asked for (header
    X-Healthcheck-Token)."""
    expected = settings.HEALTHCHECK_TOKEN
    if expected and not hmac.compare_digest(token_given(request).encode(), expected.encode()):
        return JsonResponse(
            {"statut": "refuse", "detail": "Jeton de supervision requis."}, status=403
        )
    checks = run_checks()
    failing = [check.name for check in checks if not check.ok]
    return JsonResponse(
        {
            "statut": "erreur" if failing else "ok",
            "echecs": failing,
            "verifications": {check.name: check.as_json() for check in checks},
        },
        status=503 if failing else 200,
        json_dumps_params={"ensure_ascii": False},
    )
