"""Two-factor authentication with django-otp: one TOTP application per user, and 10 single-use
recovery codes for the day the telephone is lost.

After the password, a user with an application is asked its code (`PENDING_CODE`); an
administrator or gestionnaire without one, when MFA_OBLIGATOIRE is on, must set one up first
(`PENDING_SETUP`). The step is decided at login and kept in the session, so that pages do not
query the devices on every request (AccountSecurityMiddleware enforces it).
"""

import base64
import re

import django_otp
import segno
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from cqpilot.core.models import Role, User

SESSION_KEY = "cqpilot_mfa_pending"
PENDING_CODE = "code"
PENDING_SETUP = "setup"
RECOVERY_CODES = 10
TOTP_NAME = "Application d'authentification"
RECOVERY_NAME = "Codes de secours"


class MfaRefus(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def is_required(user: User) -> bool:
    return settings.MFA_OBLIGATOIRE and (
        user.is_superuser or user.has_role(Role.ADMINISTRATEUR, Role.GESTIONNAIRE)
    )


def confirmed_totp(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def has_device(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def pending_step(user: User) -> str | None:
    """What the user must do after the password before using cqpilot, if anything."""
    if has_device(user):
        return PENDING_CODE
    if is_required(user):
        return PENDING_SETUP
    return None


def start_setup(user: User) -> TOTPDevice:
    """The application being set up: a new secret, shown until a code confirms it."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=False)


def manual_key(device: TOTPDevice) -> str:
    """The secret as applications ask for it when typed: base32, in groups of four."""
    key = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


def qr_code_svg(device: TOTPDevice) -> str:
    """The otpauth:// address as an inline SVG QR code (no image request, nothing external)."""
    return segno.make(device.config_url, error="m").svg_inline(scale=4, dark="#1b1b1b")


def _normalised(code: str) -> str:
    return re.sub(r"[\s-]", "", code or "").lower()


def confirm_setup(device: TOTPDevice, code: str) -> list[str]:
    """The application now guards the account, replacing any earlier one; returns the new
    recovery codes, to be shown once."""
    _verify(device, _normalised(code))  # outside the transaction: a wrong code stays counted
    with transaction.atomic():
        TOTPDevice.objects.filter(user=device.user).exclude(pk=device.pk).delete()
        TOTPDevice.objects.filter(pk=device.pk).update(confirmed=True)
        device.confirmed = True
        return new_recovery_codes(device.user)


@transaction.atomic
def new_recovery_codes(user: User) -> list[str]:
    """10 fresh single-use codes; the previous ones stop working."""
    device, _created = StaticDevice.objects.get_or_create(
        user=user, defaults={"name": RECOVERY_NAME, "confirmed": True}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def recovery_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user).count()


def disable(user: User) -> None:
    if is_required(user):
        raise MfaRefus(
            "La double authentification est obligatoire pour votre rôle : vous pouvez changer "
            "d'application, pas la désactiver."
        )
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()


def _verify(device: Device, code: str) -> Device:
    allowed, details = device.verify_is_allowed()
    if not allowed:
        wait = max(1, int((details["locked_until"] - timezone.now()).total_seconds()) + 1)
        raise MfaRefus(f"Trop de codes erronés : réessayez dans {wait} secondes.")
    if not code:
        raise MfaRefus("Saisissez le code.")
    # it locks the device's row: a code is accepted once, even by two requests at once
    verified = django_otp.verify_token(device.user, device.persistent_id, code)
    if verified is None:
        raise MfaRefus(
            "Code incorrect. Vérifiez l'heure de votre téléphone, ou saisissez un code de secours."
        )
    return verified


def check_code(user: User, code: str) -> Device:
    """The device that accepts `code`: 6 digits from the application, or a recovery code (used
    up). Raises MfaRefus with the French reason otherwise."""
    code = _normalised(code)
    if code.isdigit():
        device = confirmed_totp(user)
    else:
        device = StaticDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        raise MfaRefus("Code incorrect.")
    return _verify(device, code)


def verified(request, device: Device) -> None:
    """The session has given its second factor."""
    django_otp.login(request, device)
    request.session[SESSION_KEY] = None


def pending(request) -> str | None:
    """The step this session still owes (see the module's docstring)."""
    if request.user.is_verified():
        return None
    if SESSION_KEY not in request.session:  # a session opened before this rule existed
        request.session[SESSION_KEY] = pending_step(request.user)
    return request.session[SESSION_KEY]
