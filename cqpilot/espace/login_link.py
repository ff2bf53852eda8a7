"""One-time login links for candidates: the candidate types their address and receives a link
that signs them in once, within CANDIDAT_LOGIN_LINK_MINUTES (15 by default).

Nothing is stored. The link carries the account's id and a fingerprint of what a login changes
(`last_login`), signed with a timestamp (Django's `TimestampSigner`, keyed by SECRET_KEY): once
used, the login writes `last_login` and every link given before it stops working, as it does
when the password or the address changes. The use takes the account's row lock, so two
requests racing with the same link cannot both sign in.

Only candidates' accounts get a link: a staff account (an organisation's, an administrator's)
signs in with its password and its second factor, which a mailbox must not replace. A candidate
who set up a second factor is still asked its code after the link (the login signal decides
that for every login). The answer to the request is the same whether or not an account has the
address, and the requests are counted per address and per requester like password resets.
"""

from datetime import timedelta

from auditlog.models import LogEntry
from django.conf import settings
from django.core import signing
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from cqpilot.core.mail import send_after_commit
from cqpilot.core.models import User
from cqpilot.core.permissions import is_candidat_account

SALT = "cqpilot.espace.login_link"
JOURNAL = "connexion à l'espace candidat par lien à usage unique"


class LienInvalide(Exception):
    message = (
        "Ce lien de connexion n'est plus valable : il a déjà servi, ou il a expiré. "
        "Demandez-en un nouveau."
    )


def may_use_login_link(user: User) -> bool:
    """An active candidate's account: never a staff account (an organisation's, the admin
    site's, one holding a role), whatever candidate it is linked to."""
    return (
        user.is_active and not user.is_staff and is_candidat_account(user) and not user.role_codes
    )


def _fingerprint(user: User) -> str:
    last_login = user.last_login.isoformat() if user.last_login else ""
    value = f"{user.pk}|{last_login}|{user.password}|{user.email.lower()}"
    return salted_hmac(SALT, value, algorithm="sha256").hexdigest()[:32]


def make_token(user: User) -> str:
    return signing.TimestampSigner(salt=SALT).sign(f"{user.pk}.{_fingerprint(user)}")


def _valid_for() -> timedelta:
    return timedelta(minutes=settings.CANDIDAT_LOGIN_LINK_MINUTES)


def _account_of(token: str, *, lock: bool) -> User:
    """The account the token logs in, or LienInvalide (forged, expired, used, not a candidate)."""
    try:
        value = signing.TimestampSigner(salt=SALT).unsign(token, max_age=_valid_for())
    except signing.BadSignature:  # SignatureExpired included
        raise LienInvalide() from None
    pk, _, fingerprint = value.partition(".")
    accounts = User.objects.select_for_update() if lock else User.objects
    user = accounts.filter(pk=int(pk)).first() if pk.isdigit() else None
    if (
        user is None
        or not may_use_login_link(user)
        or not constant_time_compare(fingerprint, _fingerprint(user))
    ):
        raise LienInvalide()
    return user


def check_token(token: str) -> User:
    """The account of a still valid link, without using it (the page that offers to sign in)."""
    return _account_of(token, lock=False)


@transaction.atomic
def use_token(token: str) -> User:
    """Spend the link: `last_login` moves on, so neither it nor an older one works again, and
    the login is journaled. The caller then opens the session (`django.contrib.auth.login`)."""
    user = _account_of(token, lock=True)
    user.last_login = timezone.now()
    user.save(update_fields=["last_login"])
    LogEntry.objects.log_create(
        user,
        force_log=True,
        action=LogEntry.Action.ACCESS,
        actor=user,
        additional_data={"lecture": JOURNAL},
    )
    return user


def login_link(user: User, *, base_url: str) -> str:
    path = reverse("espace:lien_connexion_utiliser", kwargs={"token": make_token(user)})
    return f"{base_url.rstrip('/')}{path}"


def request_page_url(base_url: str) -> str:
    return f"{base_url.rstrip('/')}{reverse('espace:lien_connexion')}"


def send_login_link(address: str, *, base_url: str) -> None:
    """E-mail a link to the candidate's account with this address, if there is one; nothing
    otherwise (the caller answers the same either way)."""
    address = address.strip()
    accounts = User.objects.filter(
        email__iexact=address, is_active=True, organisation__isnull=True, candidat__isnull=False
    ).select_related("candidat")
    for user in accounts:
        if not may_use_login_link(user):
            continue
        body = render_to_string(
            "espace/courriel_lien_connexion.txt",
            {
                "user": user,
                "link": login_link(user, base_url=base_url),
                "minutes": settings.CANDIDAT_LOGIN_LINK_MINUTES,
            },
        )
        send_after_commit(
            subject="Votre lien de connexion à l'espace candidat", body=body, to=[user.email]
        )
