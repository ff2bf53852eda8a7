"""Production settings: HTTPS enforced, a strong secret key, and Django's deployment check clean
with the settings the README gives for production."""

import runpy
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

import cqpilot.settings

SETTINGS = Path(cqpilot.settings.__file__)
REPOSITORY = SETTINGS.parent.parent
STRONG_KEY = "k7Yq2-vN9rT4wXz8_bC3mLp6sHd1FgJa5eUo0iRkWy7nQtVxZcBvMlPoIuYtReWq"
FERNET_KEY = "hAXs2YDEjBLHIXTEnb0yAqbjAGPW_NLaKYuUi3CXpvI="  # a test-only key
# What the README asks of a production server behind an HTTPS proxy.
PRODUCTION = {
    "SECRET_KEY": STRONG_KEY,
    "ALLOWED_HOSTS": "cqpilot.exemple.fr",
    "CSRF_TRUSTED_ORIGINS": "https://cqpilot.exemple.fr",
    "FIELD_ENCRYPTION_KEYS": FERNET_KEY,
    "PUBLIC_URL": "https://cqpilot.exemple.fr",
    "SECURE_PROXY_SSL_HEADER": "X-Forwarded-Proto",
}
READ_BY_SETTINGS = [
    "DEBUG",
    "SECRET_KEY",
    "SECURE_COOKIES",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_PROXY_SSL_HEADER",
]


def load_settings(monkeypatch, **env: str) -> dict:
    """The settings module evaluated afresh with these environment variables."""
    for name in READ_BY_SETTINGS:
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(SETTINGS))


def test_a_secret_key_shorter_than_50_characters_is_refused_outside_debug(monkeypatch):
    with pytest.raises(ImproperlyConfigured, match="au moins 50 caractères"):
        load_settings(monkeypatch, SECRET_KEY="trop-courte-pour-la-production")


def test_a_secret_key_of_one_repeated_character_is_refused_outside_debug(monkeypatch):
    with pytest.raises(ImproperlyConfigured, match="au moins 50 caractères"):
        load_settings(monkeypatch, SECRET_KEY="a" * 60)


def test_a_developer_machine_needs_no_secret_key(monkeypatch):
    loaded = load_settings(monkeypatch, DEBUG="1")
    assert loaded["SECRET_KEY"] and not loaded["SECURE_SSL_REDIRECT"]
    assert loaded["SECURE_HSTS_SECONDS"] == 0


def test_outside_debug_https_is_enforced_by_default(monkeypatch):
    loaded = load_settings(monkeypatch, SECRET_KEY=STRONG_KEY)
    assert loaded["SECURE_SSL_REDIRECT"] is True
    assert loaded["SECURE_HSTS_SECONDS"] == 31_536_000
    assert loaded["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert loaded["SESSION_COOKIE_SECURE"] and loaded["CSRF_COOKIE_SECURE"]
    assert loaded["SECURE_PROXY_SSL_HEADER"] is None  # trusted only when the proxy is named


def test_hsts_and_ssl_redirect_come_from_the_environment(monkeypatch):
    loaded = load_settings(
        monkeypatch,
        SECRET_KEY=STRONG_KEY,
        SECURE_HSTS_SECONDS="3600",
        SECURE_HSTS_PRELOAD="1",
        SECURE_SSL_REDIRECT="0",
    )
    assert loaded["SECURE_HSTS_SECONDS"] == 3600
    assert loaded["SECURE_HSTS_PRELOAD"] is True
    assert loaded["SECURE_SSL_REDIRECT"] is False


def test_the_proxy_header_is_named_in_the_environment(monkeypatch):
    loaded = load_settings(
        monkeypatch, SECRET_KEY=STRONG_KEY, SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto"
    )
    assert loaded["SECURE_PROXY_SSL_HEADER"] == ("HTTP_X_FORWARDED_PROTO", "https")


@pytest.mark.parametrize(
    ("name", "raw"),
    [
        ("SECURE_HSTS_SECONDS", "un an"),
        ("SECURE_HSTS_SECONDS", "-1"),
        ("SECURE_PROXY_SSL_HEADER", "X-Forwarded-Proto: https"),
        ("SECURE_SSL_REDIRECT", "peut-être"),
    ],
)
def test_a_malformed_security_setting_fails_loudly(monkeypatch, name, raw):
    with pytest.raises(ImproperlyConfigured, match=name):
        load_settings(monkeypatch, SECRET_KEY=STRONG_KEY, **{name: raw})


def test_the_deployment_check_is_clean_with_the_production_settings():
    """`cqpilot check --deploy` in a fresh process, with only the README's production variables
    (DEBUG unset): any warning fails it."""
    child = subprocess.run(
        [sys.executable, "-m", "cqpilot.cli", "check", "--deploy", "--fail-level", "WARNING"],
        env={"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "cqpilot.settings", **PRODUCTION},
        cwd=REPOSITORY,
        capture_output=True,
        text=True,
        check=False,
    )
    assert child.returncode == 0, child.stdout + child.stderr
    assert "System check identified no issues" in child.stdout
