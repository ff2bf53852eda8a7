"""The pages of the one-time login link (login_link.py): ask for it, told it left, use it.

The link's page signs in only on a button's POST: the GET that mail scanners and link previews
send on their own must not spend it."""

from django import forms
from django.conf import settings
from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from cqpilot.core.french import compte
from cqpilot.core.ratelimits import Rate, client_ip, hit

from .login_link import LienInvalide, check_token, send_login_link, use_token


class DemandeLienForm(forms.Form):
    email = forms.EmailField(
        label="Adresse électronique",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )


def _rate(which: str) -> Rate:
    return Rate.parse(getattr(settings, f"CANDIDAT_LOGIN_LINK_RATE_{which}"))


def _throttled(request: HttpRequest, address: str) -> int | None:
    """Seconds to wait when this requester or this address asked too often, else None; counted
    whether or not an account has the address."""
    verdicts = [
        hit("login-link-ip", str(client_ip(request)), _rate("PER_IP")),
        hit("login-link-address", address, _rate("PER_ADDRESS")),
    ]
    refused = [verdict for verdict in verdicts if not verdict.allowed]
    return max(verdict.retry_after for verdict in refused) if refused else None


@require_http_methods(["GET", "POST"])
def demander(request: HttpRequest) -> HttpResponse:
    form = DemandeLienForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        address = form.cleaned_data["email"].strip().lower()
        wait = _throttled(request, address)
        if wait is None:
            # PUBLIC_URL, not the request's Host: whoever asks chooses that header, and the
            # link goes to someone else's mailbox
            send_login_link(address, base_url=settings.PUBLIC_URL)
            return redirect("espace:lien_connexion_envoye")
        form.add_error(
            None,
            "Trop de demandes de lien : réessayez dans "
            f"{compte(max(1, wait // 60), 'minute')}. Si un espace candidat utilise cette "
            "adresse, le lien déjà envoyé reste valable jusqu'à son expiration.",
        )
        response = render(request, "espace/lien_connexion.html", {"form": form}, status=429)
        response["Retry-After"] = str(wait)
        return response
    return render(request, "espace/lien_connexion.html", {"form": form})


def envoye(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "espace/lien_connexion_envoye.html",
        {"minutes": settings.CANDIDAT_LOGIN_LINK_MINUTES},
    )


@require_http_methods(["GET", "POST"])
def utiliser(request: HttpRequest, token: str) -> HttpResponse:
    try:
        user = use_token(token) if request.method == "POST" else check_token(token)
    except LienInvalide as refus:
        return render(
            request, "espace/lien_connexion_utiliser.html", {"refus": refus.message}, status=410
        )
    if request.method == "GET":
        return render(request, "espace/lien_connexion_utiliser.html", {"prenom": user.first_name})
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    return redirect("espace:accueil")
