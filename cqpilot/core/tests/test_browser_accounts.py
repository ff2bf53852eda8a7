"""In the browser: signing a PV asks for the password again; a gestionnaire required to use
two-factor authentication sets it up at first login, then logs in with a recovery code."""

import base64

import pytest
from django_otp.oath import totp
from playwright.sync_api import expect

from cqpilot.conftest import log_in
from cqpilot.jurys.models import JuryStatus

from .factories import gestionnaire
from .test_reauthentication import closed_jury

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "motdepasse-solide-2026"


def test_signing_a_pv_asks_for_the_password(page):
    s = closed_jury()
    log_in(page, s.president.username)
    page.goto(f"/jurys/{s.jury.pk}/")

    page.get_by_role("link", name="Signer le PV").click()
    expect(page.get_by_role("heading", name="Confirmer votre identité")).to_be_visible()
    page.get_by_label("Mot de passe").fill("pas le bon")
    page.get_by_role("button", name="Confirmer").click()
    expect(page.get_by_text("Mot de passe incorrect.")).to_be_visible()
    s.jury.refresh_from_db()
    assert s.jury.status == JuryStatus.CLOS

    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Confirmer").click()
    expect(page.get_by_text("Identité confirmée pour 5 minutes")).to_be_visible()
    page.get_by_role("button", name="Signer le PV").click()
    expect(page.get_by_text("PV signé. Empreinte SHA-256")).to_be_visible()
    s.jury.refresh_from_db()
    assert s.jury.status == JuryStatus.SIGNE


def test_a_gestionnaire_sets_up_two_factor_authentication_then_uses_a_recovery_code(page, settings):
    settings.MFA_OBLIGATOIRE = True
    user = gestionnaire(username="gestion")

    page.goto("/connexion/")
    page.get_by_label("Identifiant").fill("gestion")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("heading", name="Activer la double authentification")).to_be_visible()
    expect(page.get_by_text("obligatoire pour votre rôle")).to_be_visible()
    expect(page.get_by_role("img", name="QR code à scanner")).to_be_visible()
    page.goto("/candidats/")  # nothing else opens meanwhile
    expect(page.get_by_role("heading", name="Activer la double authentification")).to_be_visible()

    key = base64.b32decode(page.locator("#cle-secrete").inner_text().replace(" ", ""))
    page.get_by_label("Code affiché par l'application").fill(f"{totp(key):06d}")
    page.get_by_role("button", name="Activer").click()
    expect(page.get_by_role("heading", name="Vos codes de secours")).to_be_visible()
    codes = page.locator(".recovery-codes code").all_inner_texts()
    assert len(codes) == 10
    page.get_by_role("link", name="J'ai noté mes codes").click()
    expect(page.get_by_text(f"Bonjour {user.first_name}")).to_be_visible()

    page.get_by_role("button", name="Se déconnecter").click()
    page.get_by_label("Identifiant").fill("gestion")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("heading", name="Code de vérification")).to_be_visible()
    page.get_by_label("Code de vérification").fill(codes[0])
    page.get_by_role("button", name="Valider").click()
    expect(page.get_by_text("Code de secours utilisé : il vous en reste 9.")).to_be_visible()
    page.get_by_role("link", name="Sécurité").click()
    expect(page.get_by_text("Il vous reste 9 codes de secours")).to_be_visible()
    expect(page.get_by_role("button", name="Désactiver")).to_have_count(0)  # required
