import os

import pytest

# Playwright's sync API runs an event loop in the test thread; Django's ORM calls made by the test
# itself (fixtures, assertions) are still synchronous and safe there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


class InvalidTemplateVariable(str):
    """Makes an unknown template variable fail the test instead of rendering as empty."""

    def __mod__(self, name):
        raise AssertionError(f"Variable de gabarit inconnue : {name}")


@pytest.fixture(autouse=True)
def strict_templates(settings):
    for engine in settings.TEMPLATES:
        engine["OPTIONS"]["string_if_invalid"] = InvalidTemplateVariable("%s")


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def pytest_report_header(config):
    from django.conf import settings

    return f"base de données : {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}"
