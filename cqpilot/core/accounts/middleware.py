from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect, resolve_url
from django.urls import reverse
from django_htmx.http import HttpResponseClientRedirect

from . import mfa, sessions
from .reauth import with_next

# What a session that still owes its second factor may reach; everything else sends it there.
REACHABLE = {
    mfa.PENDING_CODE: {"mfa_verify", "logout"},
    mfa.PENDING_SETUP: {"mfa_setup", "mfa_codes", "logout"},
}
STEP_PAGE = {mfa.PENDING_CODE: "mfa_verify", mfa.PENDING_SETUP: "mfa_setup"}


def _go(request, url: str):
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


def _here(request) -> str:
    """This page, to come back to after the detour, when it can be reached again by a GET."""
    return request.get_full_path() if request.method == "GET" and not request.htmx else ""


class AccountSecurityMiddleware:
    """Ends expired sessions (idle or too old), then keeps a session that owes its second
    factor on the page where it gives it (or sets it up)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not request.user.is_authenticated:
            return None
        if reason := sessions.expiry(request.session):
            here = _here(request)
            logout(request)
            messages.warning(request, reason)
            return _go(request, with_next(resolve_url(settings.LOGIN_URL), here))
        step = mfa.pending(request)
        if step is None or request.resolver_match.view_name in REACHABLE[step]:
            return None
        return _go(request, with_next(reverse(STEP_PAGE[step]), _here(request)))
