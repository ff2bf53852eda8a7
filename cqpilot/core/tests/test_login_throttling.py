"""Failed logins lock a username whatever the address, and an address whatever the usernames;
password-reset e-mails are counted per requester and per target address."""

import re
from datetime import UTC, datetime

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse

from .factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "motdepasse-solide-2026"
# the start of an hour: every request of a test falls in the same counting window
WINDOW_START = datetime(2026, 3, 2, 9, 0, 0, tzinfo=UTC)


def log_in(username: str, password: str, ip: str):
    return Client(REMOTE_ADDR=ip).post(
        reverse("login"), {"username": username, "password": password}
    )


def test_failures_from_many_addresses_lock_the_username():
    UserFactory(username="camille")
    for n in range(5):
        log_in("camille", "faux", f"203.0.113.{n}")

    response = log_in("camille", PASSWORD, "198.51.100.9")

    assert response.status_code == 429
    assert "temporairement bloquée" in response.text


def test_failures_on_many_usernames_lock_the_address():
    UserFactory(username="camille")
    statuses = [log_in(f"inconnu{n}", "faux", "203.0.113.7").status_code for n in range(30)]

    assert statuses[:4] == [200] * 4  # the form again, with its error
    assert set(statuses[4:]) == {429}  # from the fifth on
    assert log_in("camille", PASSWORD, "203.0.113.7").status_code == 429
    assert log_in("camille", PASSWORD, "198.51.100.9").status_code == 302  # elsewhere: fine


def test_the_lockout_page_is_in_french_and_names_both_causes():
    for n in range(6):
        response = log_in(f"inconnu{n}", "faux", "203.0.113.7")

    assert "pour cet identifiant ou depuis votre adresse réseau" in response.text
    assert "Mot de passe oublié" in response.text


def ask_reset(email: str, ip: str):
    return Client(REMOTE_ADDR=ip).post(reverse("password_reset"), {"email": email})


@time_machine.travel(WINDOW_START, tick=False)
def test_password_reset_requests_from_one_address_are_throttled(settings):
    settings.PASSWORD_RESET_RATE_PER_IP = "10/h"
    for n in range(3):
        UserFactory(email=f"personne{n}@exemple.fr")

    addresses = [f"personne{n}@exemple.fr" for n in range(20)]  # 3 accounts, 17 unknown

    statuses = [ask_reset(address, "203.0.113.7").status_code for address in addresses]

    assert statuses == [302] * 10 + [429] * 10
    refused = ask_reset("personne0@exemple.fr", "203.0.113.7")
    assert "Trop de demandes de réinitialisation : réessayez dans 60 minutes." in refused.text
    assert refused["Retry-After"] == "3600"
    assert ask_reset("personne1@exemple.fr", "198.51.100.9").status_code == 302


@time_machine.travel(WINDOW_START, tick=False)
def test_password_reset_requests_for_one_address_are_throttled_from_any_address(
    settings, django_capture_on_commit_callbacks
):
    settings.PASSWORD_RESET_RATE_PER_ADDRESS = "3/h"
    UserFactory(email="camille@exemple.fr")

    with django_capture_on_commit_callbacks(execute=True):
        statuses = [ask_reset("Camille@exemple.fr", f"203.0.113.{n}").status_code for n in range(5)]

    assert statuses == [302, 302, 302, 429, 429]
    assert len(mail.outbox) == 3


@time_machine.travel(WINDOW_START, tick=False)
def test_the_reset_throttle_answers_alike_whether_the_address_has_an_account_or_not(settings):
    settings.PASSWORD_RESET_RATE_PER_ADDRESS = "1/h"
    UserFactory(email="camille@exemple.fr")

    def second_answer(email: str, ip: str):
        ask_reset(email, ip)
        response = ask_reset(email, ip)
        page = re.sub(r'X-CSRFToken": "\w+"|value="\w+"', "", response.text)
        return response.status_code, page.replace(email, "ADRESSE")

    assert second_answer("camille@exemple.fr", "203.0.113.1") == second_answer(
        "personne@exemple.fr", "203.0.113.2"
    )


@time_machine.travel(WINDOW_START, tick=False)
def test_password_reset_is_allowed_again_in_the_next_window(settings):
    settings.PASSWORD_RESET_RATE_PER_ADDRESS = "1/h"
    UserFactory(email="camille@exemple.fr")
    ask_reset("camille@exemple.fr", "203.0.113.1")
    assert ask_reset("camille@exemple.fr", "203.0.113.1").status_code == 429

    with time_machine.travel(datetime(2026, 3, 2, 10, 0, 1, tzinfo=UTC), tick=False):
        assert ask_reset("camille@exemple.fr", "203.0.113.1").status_code == 302


def test_behind_a_proxy_the_forwarded_address_is_locked_not_the_proxy(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    UserFactory(username="camille")
    proxy = "10.0.0.2"

    def through_proxy(username, password, client_ip, forged=""):
        forwarded = f"{forged}, {client_ip}" if forged else client_ip
        return Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=forwarded).post(
            reverse("login"), {"username": username, "password": password}
        )

    for n in range(5):  # an attacker forging the left part of the header gains nothing
        through_proxy(f"inconnu{n}", "faux", "203.0.113.7", forged=f"198.51.100.{n}")

    assert through_proxy("camille", PASSWORD, "203.0.113.7").status_code == 429
    assert through_proxy("camille", PASSWORD, "192.0.2.44").status_code == 302
