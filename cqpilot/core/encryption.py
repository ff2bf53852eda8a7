"""Encryption at rest for personal data (the NIR): Fernet (AES-128-CBC + HMAC-SHA256).

Keys come from FIELD_ENCRYPTION_KEYS (comma-separated Fernet keys, the first one encrypts, all
decrypt: rotation is adding a key in front). Without it, in DEBUG only, a key is derived from
SECRET_KEY so that the demo works with zero set-up.
"""

import base64
import hashlib
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models


@cache
def _fernet() -> MultiFernet:
    keys = [k.strip() for k in settings.FIELD_ENCRYPTION_KEYS if k.strip()]
    if not keys:
        if not settings.DEBUG:
            raise ImproperlyConfigured(
                "FIELD_ENCRYPTION_KEYS est obligatoire hors DEBUG : générez une clé avec "
                "`python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'`."
            )
        digest = hashlib.sha256(f"cqpilot-nir:{settings.SECRET_KEY}".encode()).digest()
        keys = [base64.urlsafe_b64encode(digest).decode()]
    return MultiFernet([Fernet(key.encode()) for key in keys])


def encrypt(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as error:
        raise ImproperlyConfigured(
            "Une donnée chiffrée ne peut pas être déchiffrée : la clé FIELD_ENCRYPTION_KEYS a changé ?"
        ) from error


class EncryptedCharField(models.TextField):
    """Stored encrypted; never filter or order on it (the ciphertext differs at each save)."""

    def from_db_value(self, value, expression, connection):
        return decrypt(value) if value else value

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return encrypt(value) if value else value
