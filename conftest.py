import os

import pytest
from hypothesis import settings as hypothesis_settings

from cqpilot import repository_guard

# Nothing beside the repository is read: a fresh clone elsewhere has no sibling folder.
repository_guard.install()

# Playwright's sync API runs an event loop in the test thread; Django's ORM calls made by the test
# itself (fixtures, assertions) are still synchronous and safe there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# The suite's verdict must not depend on luck: property tests draw the same examples on every
# run. `HYPOTHESIS_PROFILE=explore` draws fresh ones to hunt for new failures.
hypothesis_settings.register_profile("suite", derandomize=True, database=None)
hypothesis_settings.register_profile("explore", derandomize=False)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "suite"))


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
