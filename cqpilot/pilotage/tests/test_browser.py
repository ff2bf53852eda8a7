"""In the browser: the manager sends the surveys due, the holder answers from the e-mail's
link, the renewal pack counts the answer; the dashboard draws its bars with their values."""

import re

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from cqpilot.conftest import log_in
from cqpilot.core.models import Role
from cqpilot.core.tests.factories import UserFactory
from cqpilot.delivrance.tests.factories import DocumentDelivreFactory
from cqpilot.dossiers.acquis import add_months
from cqpilot.dossiers.tests.factories import CandidatFactory, DossierFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_survey_sent_answered_and_counted(page, live_server, settings):
    settings.PUBLIC_URL = live_server.url  # the address the e-mails carry
    dossier = DossierFactory(candidat=CandidatFactory(email="lea.roux@exemple.fr"))
    document = DocumentDelivreFactory(
        dossier=dossier, date_decision=add_months(timezone.localdate(), -6)
    )
    manager = UserFactory(organisation=document.organisation, roles=[Role.GESTIONNAIRE])

    log_in(page, manager.username)
    page.get_by_role("link", name="Pilotage").click()
    page.get_by_role("link", name="Dossier de renouvellement RNCP et enquêtes d'insertion").click()
    page.get_by_role("button", name="Envoyer les enquêtes dues et les relances").click()
    expect(page.get_by_text("1 courriel et 0 relance en cours d'envoi")).to_be_visible()

    link = re.search(r"http://\S+/enquete/\S+/", mail.outbox[0].body).group(0)
    context = page.context.browser.new_context(locale="fr-FR")  # the holder: no account
    holder = context.new_page()
    holder.goto(link)
    holder.get_by_label("En emploi dans le métier visé par la certification").check()
    holder.get_by_role("button", name="Envoyer ma réponse").click()
    expect(holder.get_by_text("Indiquez votre type de contrat.")).to_be_visible()
    holder.get_by_label("CDI").check()
    holder.get_by_role("button", name="Envoyer ma réponse").click()
    expect(holder.get_by_text("Merci ! Votre réponse est enregistrée.")).to_be_visible()
    context.close()

    page.reload()
    six_mois = page.get_by_role("region", name="Insertion à 6 mois", exact=True)
    year = document.date_decision.year
    expect(six_mois.get_by_role("row", name=re.compile(rf"^{year} 1 1 1 100.0"))).to_be_visible()
