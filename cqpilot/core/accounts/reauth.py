"""Re-authentication before the sensitive actions: signing a PV, issuing documents, downloading a
file with NIRs. The password (or the two-factor code, for a user with an application) is asked
again unless it was given in the last REAUTHENTICATION_TIMEOUT seconds.

In a view, after the object is fetched (so that a stranger still gets a 404, not this page):

    if (confirm := recent_authentication_required(request)) is not None:
        return confirm

or, for a view naming no object, the decorator `requires_recent_authentication`.
"""

import time
from collections.abc import Callable
from functools import wraps
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django_htmx.http import HttpResponseClientRedirect

SESSION_KEY = "cqpilot_reauthenticated_at"


def is_recent(request: HttpRequest) -> bool:
    at = request.session.get(SESSION_KEY)
    return at is not None and 0 <= time.time() - at <= settings.REAUTHENTICATION_TIMEOUT


def remember(request: HttpRequest) -> None:
    request.session[SESSION_KEY] = time.time()


def safe_next(request: HttpRequest, url: str | None) -> str | None:
    """`url` reduced to a path of this site, or None when it points elsewhere."""
    if not url or not url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return None
    parts = urlsplit(url)
    if not parts.path.startswith("/"):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def with_next(url: str, next_url: str) -> str:
    """`url?next=/the/page/`, slashes kept readable as Django's login redirects do."""
    if not next_url:
        return url
    query = QueryDict(mutable=True)
    query["next"] = next_url
    return f"{url}?{query.urlencode(safe='/')}"


def _return_to(request: HttpRequest) -> str:
    """Where to come back after confirming: the page itself for a plain GET (a download), else
    the page the action was sent from, where the user starts it again."""
    if request.method == "GET" and not request.htmx:
        return request.get_full_path()
    origin = request.headers.get("HX-Current-URL") or request.headers.get("Referer")
    return safe_next(request, origin) or reverse("home")


def recent_authentication_required(request: HttpRequest) -> HttpResponse | None:
    """None when the user confirmed his identity recently; else the way to the confirmation
    page (an HX-Redirect for htmx)."""
    if is_recent(request):
        return None
    url = with_next(reverse("reauthenticate"), _return_to(request))
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


def requires_recent_authentication(view: Callable) -> Callable:
    """View decorator, under the permission decorator (`@requires(...)` first)."""

    @wraps(view)
    def checked(request, *args, **kwargs):
        if (confirm := recent_authentication_required(request)) is not None:
            return confirm
        return view(request, *args, **kwargs)

    return checked
