"""The one-time login link in the browser: from the login page, the candidate asks for a link,
opens it from the e-mail, signs in with one click, and the same link does not work twice."""

import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from playwright.sync_api import expect

from cqpilot.core.models import User
from cqpilot.dossiers.tests.factories import CandidatFactory, DossierFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_candidate_signs_in_from_the_emailed_link_once(page):
    candidat = CandidatFactory(prenom1="Léa", nom_naissance="Durand")
    candidat.compte = User.objects.create_user("lea@exemple.fr", email="lea@exemple.fr")
    candidat.save()
    DossierFactory(candidat=candidat)

    page.goto("/connexion/")
    page.get_by_role("link", name="Recevoir un lien de connexion").click()
    page.get_by_label("Adresse électronique").fill("lea@exemple.fr")
    page.get_by_role("button", name="Recevoir le lien").click()
    expect(page.get_by_role("heading", name="Lien de connexion envoyé")).to_be_visible()

    [message] = mail.outbox
    link = urlsplit(re.search(r"https?://\S+/espace/connexion/lien/\S+/", message.body)[0]).path
    page.goto(link)
    page.get_by_role("button", name="Me connecter").click()
    expect(page.get_by_role("heading", name="Bonjour Léa")).to_be_visible()
    assert urlsplit(page.url).path == "/espace/"

    page.get_by_role("button", name="Se déconnecter").click()
    page.goto(link)
    expect(page.get_by_role("heading", name="Lien de connexion expiré")).to_be_visible()
    page.get_by_role("link", name="Recevoir un nouveau lien").click()
    expect(page.get_by_role("heading", name="Recevoir un lien de connexion")).to_be_visible()
