"""The account's security pages: second factor at login, its setup and recovery codes, the
identity confirmation before sensitive actions, and the throttled password-reset form."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import PasswordResetView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST
from django_otp.plugins.otp_static.models import StaticDevice

from cqpilot.core.french import compte
from cqpilot.core.ratelimits import Rate, client_ip, hit

from . import mfa, reauth
from .forms import BackgroundPasswordResetForm, CodeForm, PasswordForm
from .mfa import MfaRefus

NEW_CODES_KEY = "cqpilot_mfa_new_codes"
CODE_HELP = "Les 6 chiffres affichés par votre application, ou l'un de vos codes de secours."


def _next(request: HttpRequest) -> str:
    return reauth.safe_next(request, request.POST.get("next") or request.GET.get("next")) or (
        reverse("home")
    )


@login_required
def mfa_verify(request: HttpRequest) -> HttpResponse:
    """After the password: the code of the application (or a recovery code)."""
    next_url = _next(request)
    if mfa.pending(request) != mfa.PENDING_CODE:
        return redirect(next_url)
    if not mfa.has_device(request.user):  # removed meanwhile, from another session
        request.session[mfa.SESSION_KEY] = mfa.pending_step(request.user)
        return redirect(next_url)
    form = CodeForm(request.POST or None, label="Code de vérification", help_text=CODE_HELP)
    if request.method == "POST" and form.is_valid():
        try:
            device = mfa.check_code(request.user, form.cleaned_data["code"])
        except MfaRefus as refus:
            form.add_error("code", refus.message)
        else:
            mfa.verified(request, device)
            if isinstance(device, StaticDevice):
                left = mfa.recovery_codes_left(request.user)
                messages.warning(
                    request,
                    f"Code de secours utilisé : il vous en reste {left}. Générez-en de nouveaux "
                    "depuis « Sécurité du compte » si besoin.",
                )
            return redirect(next_url)
    return render(request, "accounts/mfa_verify.html", {"form": form, "next": next_url})


@login_required
def account_security(request: HttpRequest) -> HttpResponse:
    user = request.user
    return render(
        request,
        "accounts/account_security.html",
        {
            "device": mfa.confirmed_totp(user),
            "codes_left": mfa.recovery_codes_left(user),
            "required": mfa.is_required(user),
        },
    )


@login_required
def mfa_setup(request: HttpRequest) -> HttpResponse:
    """Scan the QR code (or type the key), then confirm with a first code."""
    replacing = mfa.has_device(request.user)
    # Who holds the second factor holds the account: the password (or the current code) first,
    # unless the login just asked for it (a required setup).
    required_now = mfa.pending(request) == mfa.PENDING_SETUP
    if not required_now and (confirm := reauth.recent_authentication_required(request)):
        return confirm
    device = mfa.start_setup(request.user)
    form = CodeForm(
        request.POST or None,
        label="Code affiché par l'application",
        help_text="6 chiffres, renouvelés toutes les 30 secondes.",
    )
    if request.method == "POST" and form.is_valid():
        try:
            codes = mfa.confirm_setup(device, form.cleaned_data["code"])
        except MfaRefus as refus:
            form.add_error("code", refus.message)
        else:
            mfa.verified(request, device)
            request.session[NEW_CODES_KEY] = codes
            messages.success(request, "Double authentification activée.")
            return redirect("mfa_codes")
    return render(
        request,
        "accounts/mfa_setup.html",
        {
            "form": form,
            "qr_code": mfa.qr_code_svg(device),
            "key": mfa.manual_key(device),
            "replacing": replacing,
            "required": mfa.is_required(request.user),
        },
    )


@login_required
def mfa_codes(request: HttpRequest) -> HttpResponse:
    """The new recovery codes, shown once: they are not displayed again."""
    codes = request.session.pop(NEW_CODES_KEY, None)
    if not codes:
        return redirect("account_security")
    return render(request, "accounts/mfa_codes.html", {"codes": codes})


@login_required
@require_POST
@reauth.requires_recent_authentication
def mfa_regenerate(request: HttpRequest) -> HttpResponse:
    if not mfa.has_device(request.user):
        return redirect("account_security")
    request.session[NEW_CODES_KEY] = mfa.new_recovery_codes(request.user)
    messages.success(request, "Nouveaux codes de secours : les précédents ne fonctionnent plus.")
    return redirect("mfa_codes")


@login_required
@require_POST
@reauth.requires_recent_authentication
def mfa_disable(request: HttpRequest) -> HttpResponse:
    try:
        mfa.disable(request.user)
    except MfaRefus as refus:
        messages.error(request, refus.message)
    else:
        messages.success(request, "Double authentification désactivée.")
    return redirect("account_security")


def _confirm_identity(request: HttpRequest, secret: str, uses_code: bool) -> None:
    if uses_code:
        mfa.check_code(request.user, secret)
        return
    # through the login backends: a wrong password counts towards the lockout (django-axes)
    user = authenticate(request, username=request.user.get_username(), password=secret)
    if user is None or user.pk != request.user.pk:
        raise MfaRefus("Mot de passe incorrect.")


@login_required
def reauthenticate(request: HttpRequest) -> HttpResponse:
    """Confirm one's identity before a sensitive action; remembered for a few minutes."""
    next_url = _next(request)
    uses_code = mfa.has_device(request.user)
    if uses_code:
        form = CodeForm(request.POST or None, label="Code de vérification", help_text=CODE_HELP)
    else:
        form = PasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        field = "code" if uses_code else "password"
        try:
            _confirm_identity(request, form.cleaned_data[field], uses_code)
        except MfaRefus as refus:
            form.add_error(field, refus.message)
        else:
            reauth.remember(request)
            messages.success(
                request,
                f"Identité confirmée pour {settings.REAUTHENTICATION_TIMEOUT // 60} minutes : "
                "vous pouvez poursuivre.",
            )
            return redirect(next_url)
    return render(
        request,
        "accounts/reauthenticate.html",
        {"form": form, "next": next_url, "uses_code": uses_code},
    )


class ThrottledPasswordResetView(PasswordResetView):
    """Django's reset form, with e-mails counted per address of the requester and per target
    address, whether or not an account has it: the answer tells nothing of the accounts."""

    form_class = BackgroundPasswordResetForm

    def form_valid(self, form):
        address = form.cleaned_data["email"].strip().lower()
        verdicts = [
            hit("password-reset-ip", str(client_ip(self.request)), _rate("PER_IP")),
            hit("password-reset-address", address, _rate("PER_ADDRESS")),
        ]
        refused = [verdict for verdict in verdicts if not verdict.allowed]
        if not refused:
            return super().form_valid(form)
        wait = max(verdict.retry_after for verdict in refused)
        form.add_error(
            None,
            "Trop de demandes de réinitialisation : réessayez dans "
            f"{compte(max(1, wait // 60), 'minute')}. Si un compte utilise cette adresse, "
            "le courriel déjà envoyé reste valable.",
        )
        response = self.form_invalid(form)
        response.status_code = 429
        response["Retry-After"] = str(wait)
        return response


def _rate(which: str) -> Rate:
    return Rate.parse(getattr(settings, f"PASSWORD_RESET_RATE_{which}"))
