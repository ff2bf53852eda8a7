"""In the browser, a certifier's gestionnaire enters a candidate's demande de recevabilité,
asks for a missing pièce, declares it complete, sees the days left, decides it recevable with
the gap analysis and downloads the notification letter."""

from datetime import date

import pytest
from playwright.sync_api import expect

from cqpilot.conftest import log_in
from cqpilot.core.pdf import pdf_text
from cqpilot.dossiers.models import DossierState
from cqpilot.vae.models import DemandeRecevabilite, StatutDemande

from .factories import vae_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_the_certifier_runs_a_demande_from_entry_to_letter(page, tmp_path):
    w = vae_world()
    w.gestionnaire.username = "gestion.proprete"
    w.gestionnaire.save()
    dossier = w.dossier()
    candidat = dossier.candidat

    log_in(page, "gestion.proprete")
    page.goto(f"/dossiers/{dossier.pk}/")
    page.get_by_role("link", name="Saisir la demande de recevabilité").click()
    page.get_by_label("RNCP1BC01 — Nettoyer les locaux").check()
    page.get_by_label("Référence de la candidature France VAE").fill("FVAE-2026-0042")
    page.get_by_label("Emploi ou fonction").first.fill("Agent de propreté")
    page.get_by_label("Nature").first.select_option("salariee")
    page.get_by_label("Durée (mois)").first.fill("30")
    page.get_by_role("button", name="Enregistrer la demande").click()
    expect(
        page.get_by_text("Le candidat déclare sur l'honneur ses autres demandes")
    ).to_be_visible()
    page.get_by_label("Le candidat déclare sur l'honneur").check()
    page.get_by_role("button", name="Enregistrer la demande").click()
    expect(
        page.get_by_role("heading", name=f"Demande de recevabilité VAE de {candidat}")
    ).to_be_visible()

    page.get_by_label("Pièces manquantes").fill("Attestation d'emploi")
    page.get_by_role("button", name="Demander ces pièces au candidat").click()
    expect(page.get_by_text("Incomplète : pièces demandées").first).to_be_visible()
    page.get_by_role("button", name="Déclarer complète").click()
    expect(page.get_by_text("jours pour décider").first).to_be_visible()

    page.get_by_role("link", name="Décider de la recevabilité").click()
    page.get_by_label("Recevable", exact=True).check()
    page.get_by_label("Motivation (le candidat la lira)").fill("Expérience probante")
    page.get_by_label("Bloc RNCP1BC01 — Nettoyer les locaux").select_option("acquis")
    page.get_by_label("Compétence C2 — Utiliser une monobrosse").select_option("a_developper")
    page.get_by_label("Recommander une période de mise en situation").check()
    page.get_by_role("button", name="Enregistrer la décision").click()
    expect(page.get_by_text("Décision enregistrée")).to_be_visible()

    demande = DemandeRecevabilite.objects.get()
    assert demande.statut == StatutDemande.RECEVABLE
    assert demande.dossier.state == DossierState.RECEVABLE
    assert demande.valide_jusquau is not None and demande.valide_jusquau > date(2026, 1, 1)
    with page.expect_download() as download:
        page.get_by_role("link", name="Télécharger la lettre de notification (PDF)").click()
    path = tmp_path / "lettre.pdf"
    download.value.save_as(path)
    text = " ".join(pdf_text(path.read_bytes()).split())
    assert "Votre demande est recevable" in text
    assert "C2 — Utiliser une monobrosse À développer" in text
    page.screenshot(path="/tmp/cqpilot-vae-recevable.png", full_page=True)
