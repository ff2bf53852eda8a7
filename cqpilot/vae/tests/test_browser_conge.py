"""In the browser, the certifier's gestionnaire records an employee's congé VAE on his VAE dossier,
reads the notice and answer periods with their dates, then records the employer's accord."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cqpilot.conftest import log_in
from cqpilot.dossiers.models import Dossier, DossierState
from cqpilot.vae.models import CongeVae

from .factories import vae_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_gestionnaire_records_a_conge_vae_and_reads_its_periods(page):
    w = vae_world()
    w.gestionnaire.username = "gestion.conge"
    w.gestionnaire.save()
    dossier = w.dossier(state=DossierState.RECEVABLE)
    today = timezone.localdate()
    demande, debut = today - timedelta(days=1), today + timedelta(days=60)

    log_in(page, "gestion.conge")
    page.goto(f"/dossiers/{dossier.pk}/")
    page.get_by_label("Demande reçue par l'employeur le").fill(f"{demande:%Y-%m-%d}")
    page.get_by_label("Début de l'absence").fill(f"{debut:%Y-%m-%d}")
    page.get_by_label("Fin de l'absence").fill(f"{debut + timedelta(days=2):%Y-%m-%d}")
    page.get_by_role("button", name="Enregistrer le congé VAE").click()
    expect(page.get_by_text("Congé VAE enregistré.")).to_be_visible()
    expect(
        page.get_by_text(
            f"Préavis respecté : demande reçue le {demande:%d/%m/%Y}, au plus tard le "
            f"{debut - timedelta(days=30):%d/%m/%Y}"
        )
    ).to_be_visible()
    expect(
        page.get_by_text(
            "Réponse de l'employeur attendue au plus tard le "
            f"{demande + timedelta(days=15):%d/%m/%Y}"
        )
    ).to_be_visible()

    page.get_by_label("Réponse de l'employeur").select_option("accord")
    page.get_by_label("Réponse reçue le").fill(f"{today:%Y-%m-%d}")
    page.get_by_role("button", name="Enregistrer le congé VAE").click()
    expect(
        page.get_by_text(f"Réponse de l'employeur : accordé le {today:%d/%m/%Y}")
    ).to_be_visible()
    assert CongeVae.objects.get(dossier=dossier).reponse == "accord"
    assert Dossier.objects.get(pk=dossier.pk).voie_vae == "CONGES_VAE"
