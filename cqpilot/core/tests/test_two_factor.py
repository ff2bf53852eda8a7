"""Two-factor authentication: a TOTP application and 10 recovery codes; asked after the password,
required of administrators and gestionnaires when MFA_OBLIGATOIRE is on."""

import re
from datetime import UTC, datetime
from html import unescape

import pytest
import time_machine
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from cqpilot.core.accounts import mfa

from .accounts import confirm_identity, pass_second_factor
from .factories import UserFactory, gestionnaire

pytestmark = pytest.mark.django_db

PASSWORD = "motdepasse-solide-2026"


@pytest.fixture(autouse=True)
def frozen_clock():
    """The codes, their 30-second steps and the throttling delays without a race with the
    clock."""
    with time_machine.travel(datetime(2026, 3, 2, 9, 0, 10, tzinfo=UTC), tick=False):
        yield


def code_of(device: TOTPDevice) -> str:
    """What the telephone shows now."""
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def with_application(user) -> tuple[TOTPDevice, list[str]]:
    device = TOTPDevice.objects.create(user=user, name="Téléphone", confirmed=True)
    return device, mfa.new_recovery_codes(user)


def log_in(client, username: str) -> None:
    client.post(reverse("login"), {"username": username, "password": PASSWORD})


def test_a_user_with_an_application_is_asked_its_code_after_the_password(client):
    device, _codes = with_application(UserFactory(username="camille"))

    response = client.post(
        reverse("login"), {"username": "camille", "password": PASSWORD}, follow=True
    )

    assert response.redirect_chain[-1][0] == f"{reverse('mfa_verify')}?next=/"
    assert "Code de vérification" in response.text
    done = client.post(reverse("mfa_verify"), {"code": code_of(device), "next": "/"}, follow=True)
    assert done.redirect_chain == [("/", 302)]
    assert "Bonjour Camille" in done.text


def test_nothing_else_opens_until_the_code_is_given(client):
    with_application(UserFactory(username="camille"))
    log_in(client, "camille")

    for url in ("/", reverse("dossiers:candidat_list"), reverse("account_security")):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("mfa_verify"))
    htmx = client.get(reverse("dossiers:candidat_list"), HTTP_HX_REQUEST="true")
    assert htmx["HX-Redirect"] == reverse("mfa_verify")
    assert "Candidats" not in client.get(reverse("mfa_verify")).text  # no menu yet
    assert client.post(reverse("logout")).status_code == 302


def test_a_wrong_code_is_refused_in_french_and_then_throttled(client):
    device, _codes = with_application(UserFactory(username="camille"))
    log_in(client, "camille")
    wrong = f"{(int(code_of(device)) + 1) % 1_000_000:06d}"

    first = client.post(reverse("mfa_verify"), {"code": wrong})
    second = client.post(reverse("mfa_verify"), {"code": code_of(device)})

    assert "Code incorrect." in unescape(first.text)
    assert "Trop de codes erronés : réessayez dans" in unescape(second.text)
    assert client.get("/").status_code == 302


def test_a_code_is_accepted_once(client):
    device, _codes = with_application(UserFactory(username="camille"))
    code = code_of(device)
    log_in(client, "camille")
    client.post(reverse("mfa_verify"), {"code": code})
    client.post(reverse("logout"))

    log_in(client, "camille")
    replayed = client.post(reverse("mfa_verify"), {"code": code})

    assert "Code incorrect." in unescape(replayed.text)


def test_a_recovery_code_opens_the_session_once(client):
    _device, codes = with_application(UserFactory(username="camille"))
    log_in(client, "camille")

    response = client.post(reverse("mfa_verify"), {"code": codes[0].upper()}, follow=True)

    assert "Code de secours utilisé : il vous en reste 9." in unescape(response.text)
    client.post(reverse("logout"))
    log_in(client, "camille")
    assert "Code incorrect." in unescape(
        client.post(reverse("mfa_verify"), {"code": codes[0]}).text
    )


def set_up_application(client) -> tuple[TOTPDevice, str]:
    page = client.get(reverse("mfa_setup"))
    assert "<svg" in page.text  # the QR code, inline
    key = re.search(r'id="cle-secrete">([A-Z2-7 ]+)<', page.text).group(1)
    device = TOTPDevice.objects.get(confirmed=False)
    response = client.post(reverse("mfa_setup"), {"code": code_of(device)}, follow=True)
    return device, key, response


def test_a_user_sets_up_an_application_from_the_account_page_and_sees_10_codes_once(client):
    user = UserFactory(username="camille")
    client.force_login(user)
    assert "Activer la double authentification" in client.get(reverse("account_security")).text
    asked = client.get(reverse("mfa_setup"))
    assert asked["Location"] == f"{reverse('reauthenticate')}?next={reverse('mfa_setup')}"
    confirm_identity(client)

    device, key, response = set_up_application(client)

    assert key.replace(" ", "") == mfa.manual_key(device).replace(" ", "")
    codes = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", response.text)
    assert len(codes) == 10
    assert sorted(codes) == sorted(StaticToken.objects.values_list("token", flat=True))
    assert client.get(reverse("mfa_codes")).status_code == 302  # shown once
    assert "Il vous reste 10 codes de secours" in client.get(reverse("account_security")).text
    assert mfa.has_device(user)


def test_administrators_and_gestionnaires_must_set_up_an_application_first(client, settings):
    settings.MFA_OBLIGATOIRE = True
    gestionnaire(username="gestion")
    log_in(client, "gestion")

    blocked = client.get(reverse("dossiers:candidat_list"))
    page = client.get(reverse("mfa_setup"))
    _device, _key, done = set_up_application(client)

    assert blocked["Location"] == f"{reverse('mfa_setup')}?next=/candidats/"
    assert "obligatoire pour votre rôle" in page.text
    assert "Double authentification activée." in done.text
    assert client.get(reverse("dossiers:candidat_list")).status_code == 200


def test_others_may_go_without_an_application_even_when_it_is_required(client, settings):
    settings.MFA_OBLIGATOIRE = True
    UserFactory(username="evaluatrice")
    log_in(client, "evaluatrice")

    assert client.get("/").status_code == 200


def test_nobody_has_to_set_one_up_when_it_is_not_required(client):
    gestionnaire(username="gestion")
    log_in(client, "gestion")

    assert client.get("/").status_code == 200


def test_disabling_asks_for_the_code_again(client):
    user = UserFactory(username="camille")
    device, _codes = with_application(user)
    log_in(client, "camille")
    client.post(reverse("mfa_verify"), {"code": code_of(device)})

    asked = client.post(
        reverse("mfa_disable"), HTTP_REFERER=f"http://testserver{reverse('account_security')}"
    )
    assert asked["Location"] == f"{reverse('reauthenticate')}?next=/compte/securite/"
    confirm_identity(client)
    client.post(reverse("mfa_disable"))

    assert not mfa.has_device(user)
    assert not StaticToken.objects.exists()


def test_a_required_application_cannot_be_disabled(client, settings):
    settings.MFA_OBLIGATOIRE = True
    user = gestionnaire()
    device, _codes = with_application(user)
    client.force_login(user)
    pass_second_factor(client, device)
    confirm_identity(client)

    response = client.post(reverse("mfa_disable"), follow=True)

    assert "obligatoire pour votre rôle" in unescape(response.text)
    assert mfa.has_device(user)


def test_new_recovery_codes_replace_the_old_ones(client):
    user = UserFactory()
    device, old = with_application(user)
    client.force_login(user)
    pass_second_factor(client, device)
    confirm_identity(client)

    response = client.post(reverse("mfa_regenerate"), follow=True)

    new = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", response.text)
    assert len(new) == 10 and not set(new) & set(old)
    assert not StaticToken.objects.filter(token__in=old).exists()
