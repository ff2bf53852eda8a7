"""After a jury: issue, verify through the QR code's address, cancel, see it cancelled."""

import pytest
from playwright.sync_api import expect

from cqpilot.conftest import log_in
from cqpilot.delivrance.documents import verification_url
from cqpilot.delivrance.models import DocumentDelivre

from .factories import signed_jury

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_issue_verify_cancel(page, live_server, settings):
    settings.PUBLIC_URL = live_server.url  # the address the QR codes carry
    s = signed_jury()

    log_in(page, s.gestionnaire.username)
    page.goto(f"/jurys/{s.jury.pk}/")
    page.get_by_role("link", name="Délivrer les documents (parchemins, attestations)").click()
    page.get_by_role("button", name="Délivrer les 2 documents").click()
    page.get_by_label("Mot de passe").fill("motdepasse-solide-2026")  # issuing: confirm first
    page.get_by_role("button", name="Confirmer").click()
    page.get_by_role("button", name="Délivrer les 2 documents").click()
    expect(page.get_by_text("2 documents délivrés.")).to_be_visible()
    parchemin = DocumentDelivre.objects.get(kind="parchemin")
    attestation = DocumentDelivre.objects.get(kind="attestation")
    expect(page.get_by_role("link", name=parchemin.numero)).to_be_visible()
    expect(page.get_by_role("link", name=attestation.numero)).to_be_visible()

    context = page.context.browser.new_context(locale="fr-FR")  # anyone, not logged in
    visitor = context.new_page()
    visitor.goto(verification_url(attestation.code))
    expect(visitor.locator(".verification-result")).to_have_text("Document valide.")
    expect(visitor.get_by_text("Attestation de blocs de compétences n°")).to_be_visible()
    expect(visitor.get_by_text("BC02")).to_have_count(0)
    visitor.goto(verification_url(parchemin.code))
    expect(visitor.locator(".verification-result")).to_have_text("Document valide.")

    page.get_by_role("link", name=parchemin.numero).click()
    page.get_by_text("Annuler ce document").click()
    page.get_by_label("Motif de l'annulation").fill("Erreur sur l'identité du titulaire")
    page.get_by_role("button", name="Annuler le document").click()
    expect(page.get_by_text(f"Document n° {parchemin.numero} annulé.")).to_be_visible()

    visitor.reload()
    expect(visitor.locator(".verification-result")).to_contain_text("Document annulé")
    context.close()
