"""Creating, checking and revoking personal API tokens."""

import hashlib
import secrets

from django.utils import timezone

from cqpilot.core.models import User

from .models import JetonApi

PREFIX = "cqp_"


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_token(user: User, nom: str) -> tuple[JetonApi, str]:
    """The token and its clear value, which is not stored and cannot be shown again."""
    key = PREFIX + secrets.token_urlsafe(32)
    jeton = JetonApi.objects.create(
        user=user,
        nom=nom.strip() or "Jeton",
        prefixe=key[len(PREFIX) :][:8],
        empreinte=_digest(key),
    )
    return jeton, key


def authenticate(key: str) -> JetonApi | None:
    jeton = (
        JetonApi.objects.select_related("user__organisation")
        .filter(empreinte=_digest(key), revoked_at=None, user__is_active=True)
        .first()
    )
    if jeton is None:
        return None
    now = timezone.now()
    if jeton.last_used_at is None or (now - jeton.last_used_at).total_seconds() > 60:
        JetonApi.objects.filter(pk=jeton.pk).update(last_used_at=now)  # at most once a minute
    return jeton


def revoke(jeton: JetonApi) -> None:
    if jeton.revoked_at is None:
        jeton.revoked_at = timezone.now()
        jeton.save(update_fields=["revoked_at"])
