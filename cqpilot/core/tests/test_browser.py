"""A certifier invites an account into its partner OF; the account sees only that certifier's
dossiers until the OF's administrator confirms it."""

import re
from datetime import date

import pytest
from django.core import mail
from playwright.sync_api import expect

from cqpilot.conftest import log_in
from cqpilot.core.models import Role
from cqpilot.core.tests.factories import OrganisationFactory, UserFactory
from cqpilot.dossiers.tests.factories import CandidatFactory, DossierFactory, HabilitationFactory
from cqpilot.jurys.tests.factories import published_version
from cqpilot.referentiels.tests.factories import CertificationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def partner_dossier(certifier, of, nom: str):
    certification = CertificationFactory(certificateurs=[certifier])
    version, _ = published_version(certification, ["BC01"])
    HabilitationFactory(organisme=of, certification=certification, date_debut=date(2020, 1, 1))
    return DossierFactory(
        candidat=CandidatFactory(nom_naissance=nom),
        certification=certification,
        version=version,
        organisme=of,
    )


def test_an_invited_account_waits_for_its_of_administrator(page, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    metallurgie = OrganisationFactory(nom="CPNE de la Métallurgie")
    commerce = OrganisationFactory(nom="CPNEFP du Commerce de gros")
    of = OrganisationFactory(nom="Formatech Industrie", kind="organisme_formation")
    partner_dossier(metallurgie, of, "Vasseur")
    partner_dossier(commerce, of, "Lemaire")
    UserFactory(username="gestionnaire.commerce", organisation=commerce, roles=[Role.GESTIONNAIRE])
    UserFactory(
        username="admin.formatech",
        organisation=of,
        roles=[Role.ORGANISME_FORMATION, Role.ADMINISTRATEUR],
    )

    log_in(page, "gestionnaire.commerce")
    page.get_by_role("link", name="Organismes de formation").click()
    page.get_by_role("link", name="Inviter un compte chez Formatech Industrie").click()
    page.get_by_label("Prénom").fill("Paul")
    page.get_by_role("textbox", name="Nom", exact=True).fill("Martin")
    page.get_by_label("Courriel").fill("paul.martin@formatech.fr")
    page.get_by_role("button", name="Envoyer l'invitation").click()
    expect(page.get_by_text("Invitation envoyée à paul.martin@formatech.fr")).to_be_visible()
    page.get_by_role("button", name="Se déconnecter").click()

    link = re.search(r"https?://\S+", mail.outbox[-1].body).group(0)
    page.goto(link)
    page.locator("#id_new_password1").fill("un-mot-de-passe-robuste-42")
    page.locator("#id_new_password2").fill("un-mot-de-passe-robuste-42")
    page.get_by_role("button", name="Enregistrer").click()

    log_in(page, "paul.martin@formatech.fr", "un-mot-de-passe-robuste-42")
    page.get_by_role("link", name="Candidats").first.click()
    expect(page.get_by_text("LEMAIRE")).to_be_visible()
    expect(page.get_by_text("VASSEUR")).to_have_count(0)
    page.get_by_role("button", name="Se déconnecter").click()

    log_in(page, "admin.formatech")
    page.get_by_role("link", name="Utilisateurs").click()
    expect(page.get_by_text("invité par CPNEFP du Commerce de gros")).to_be_visible()
    page.get_by_role("button", name="Confirmer le compte de Paul Martin").click()
    expect(page.get_by_text("Compte de Paul Martin confirmé")).to_be_visible()
    page.get_by_role("button", name="Se déconnecter").click()

    log_in(page, "paul.martin@formatech.fr", "un-mot-de-passe-robuste-42")
    page.get_by_role("link", name="Candidats").first.click()
    expect(page.get_by_text("VASSEUR")).to_be_visible()
