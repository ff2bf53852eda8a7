"""A session ends after SESSION_IDLE_TIMEOUT without requests, and SESSION_ABSOLUTE_TIMEOUT after
the login whatever the activity; the user then lands on the login page with a message."""

import runpy
from datetime import UTC, datetime, timedelta
from html import unescape
from pathlib import Path

import pytest
import time_machine
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from cqpilot import settings as settings_module

from .factories import UserFactory

pytestmark = pytest.mark.django_db

LOGIN = datetime(2026, 3, 2, 8, 0, 0, tzinfo=UTC)
PASSWORD = "motdepasse-solide-2026"


@pytest.fixture
def clock():
    with time_machine.travel(LOGIN, tick=False) as traveller:
        yield traveller


def log_in(client) -> None:
    UserFactory(username="camille")
    client.post(reverse("login"), {"username": "camille", "password": PASSWORD})


def test_a_session_left_idle_30_minutes_ends_on_the_login_page_with_a_message(client, clock):
    log_in(client)
    clock.shift(timedelta(minutes=31))

    response = client.get(reverse("dossiers:candidat_list"), follow=True)

    assert response.redirect_chain[0][0] == f"{reverse('login')}?next=/candidats/"
    assert "Votre session a expiré après 30 minutes d'inactivité : reconnectez-vous." in (
        unescape(response.text)
    )
    assert client.get(reverse("home")).status_code == 302  # signed out


def test_requests_keep_the_session_alive_until_its_12_hours(client, clock):
    log_in(client)
    for _ in range(35):  # every 20 minutes: 11 h 40
        clock.shift(timedelta(minutes=20))
        assert client.get(reverse("home")).status_code == 200

    clock.shift(timedelta(minutes=21))
    response = client.get(reverse("home"), follow=True)

    assert "Votre session a atteint sa durée maximale de 12 heures : reconnectez-vous." in (
        response.text
    )
    assert response.redirect_chain[-1][0].startswith(reverse("login"))


def test_an_htmx_request_after_expiry_sends_the_whole_page_to_the_login(client, clock):
    log_in(client)
    clock.shift(timedelta(hours=1))

    response = client.get(reverse("dossiers:candidat_list"), HTTP_HX_REQUEST="true")

    assert response["HX-Redirect"] == reverse("login")


def test_the_timeouts_are_settings(client, clock, settings):
    settings.SESSION_IDLE_TIMEOUT = 5 * 60
    log_in(client)
    clock.shift(timedelta(minutes=4))
    assert client.get(reverse("home")).status_code == 200
    clock.shift(timedelta(minutes=6))

    response = client.get(reverse("home"), follow=True)

    assert "Votre session a expiré après 5 minutes d'inactivité" in unescape(response.text)


def read_settings(monkeypatch, **environ) -> dict:
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("SECRET_KEY", "k" * 40 + "abcdefghij")
    return runpy.run_path(str(Path(settings_module.__file__)))


def test_the_timeouts_come_from_the_environment(monkeypatch):
    values = read_settings(
        monkeypatch, SESSION_IDLE_MINUTES="15", SESSION_MAX_HOURS="8", REAUTHENTICATION_MINUTES="2"
    )

    assert values["SESSION_IDLE_TIMEOUT"] == 15 * 60
    assert values["SESSION_ABSOLUTE_TIMEOUT"] == values["SESSION_COOKIE_AGE"] == 8 * 3600
    assert values["REAUTHENTICATION_TIMEOUT"] == 2 * 60


def test_a_misspelt_timeout_fails_loudly(monkeypatch):
    with pytest.raises(ImproperlyConfigured, match="SESSION_IDLE_MINUTES"):
        read_settings(monkeypatch, SESSION_IDLE_MINUTES="30 minutes")


def test_a_misspelt_rate_fails_loudly(monkeypatch):
    with pytest.raises(ImproperlyConfigured, match="API_RATE"):
        read_settings(monkeypatch, API_RATE="600 par minute")


@pytest.mark.parametrize(("debug", "required"), [("0", True), ("1", False)])
def test_two_factor_authentication_is_required_by_default_outside_debug(
    monkeypatch, debug, required
):
    monkeypatch.delenv("MFA_OBLIGATOIRE", raising=False)
    assert read_settings(monkeypatch, DEBUG=debug)["MFA_OBLIGATOIRE"] is required
