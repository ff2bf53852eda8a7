"""Production operations from the environment: the SMTP server, and Sentry only when asked."""

import os
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from .test_deployment_settings import REPOSITORY, load_settings

MAIL = ["EMAIL_BACKEND", "EMAIL_HOST", "EMAIL_PORT", "EMAIL_USE_TLS", "EMAIL_USE_SSL", "SENTRY_DSN"]


@pytest.fixture
def env(monkeypatch):
    for name in MAIL:
        monkeypatch.delenv(name, raising=False)
    return lambda **values: load_settings(monkeypatch, DEBUG="1", **values)


def test_without_an_smtp_server_e_mails_are_printed(env):
    assert env()["EMAIL_BACKEND"] == "django.core.mail.backends.console.EmailBackend"


def test_an_smtp_server_from_the_environment_sends_them(env):
    loaded = env(
        EMAIL_HOST="smtp.exemple.fr",
        EMAIL_USE_TLS="1",
        EMAIL_HOST_USER="cqpilot",
        EMAIL_HOST_PASSWORD="secret",
        EMAIL_TIMEOUT="5",
    )
    assert loaded["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert (loaded["EMAIL_HOST"], loaded["EMAIL_PORT"], loaded["EMAIL_USE_TLS"]) == (
        "smtp.exemple.fr",
        587,
        True,
    )
    assert (loaded["EMAIL_HOST_USER"], loaded["EMAIL_HOST_PASSWORD"]) == ("cqpilot", "secret")
    assert loaded["EMAIL_TIMEOUT"] == 5


def test_implicit_tls_defaults_to_port_465_and_an_explicit_backend_wins(env):
    loaded = env(
        EMAIL_HOST="smtp.exemple.fr",
        EMAIL_USE_SSL="oui",
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
    )
    assert loaded["EMAIL_PORT"] == 465
    assert loaded["EMAIL_BACKEND"] == "django.core.mail.backends.locmem.EmailBackend"


def test_tls_and_ssl_together_are_refused_in_french(env):
    with pytest.raises(ImproperlyConfigured, match="s'excluent"):
        env(EMAIL_HOST="smtp.exemple.fr", EMAIL_USE_TLS="1", EMAIL_USE_SSL="1")


def sentry_client_after_settings(**env: str) -> str:
    """Loads the settings in a fresh interpreter (Sentry's client is process-wide) and prints
    what Sentry was set up with."""
    script = (
        "import sentry_sdk, cqpilot.settings; c = sentry_sdk.get_client(); "
        "print(c.is_active(), c.options['send_default_pii'], "
        "getattr(c.options['before_send'], '__name__', None))"
    )
    environment = {k: v for k, v in os.environ.items() if k not in MAIL} | {"DEBUG": "1"} | env
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=REPOSITORY,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


def test_sentry_stays_off_without_a_dsn():
    assert sentry_client_after_settings().startswith("False ")


def test_sentry_with_a_dsn_sends_no_personal_data_and_scrubs_each_event():
    dsn = "https://cle@sentry.exemple.fr/42"  # never reached: nothing fails in the child
    assert sentry_client_after_settings(SENTRY_DSN=dsn) == "True False scrub_sentry_event"


def test_a_sentry_sample_rate_that_is_not_a_proportion_is_refused_in_french(env):
    with pytest.raises(ImproperlyConfigured, match="proportion entre 0 et 1, pas 'beaucoup'"):
        env(SENTRY_DSN="https://cle@sentry.exemple.fr/1", SENTRY_TRACES_SAMPLE_RATE="beaucoup")
