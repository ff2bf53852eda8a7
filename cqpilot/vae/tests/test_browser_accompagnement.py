"""In the browser, a certifier's gestionnaire adds a VAE accompanist with its branch label, names
it on a candidate's VAE dossier and invites its account; the accompanist chooses a password,
finds the candidate it accompanies (and no other), files the demande de recevabilité and gives
its opinion; it has no button to decide, and the gestionnaire reads the demande it filed."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from cqpilot.conftest import log_in
from cqpilot.vae.models import DemandeRecevabilite

from .factories import vae_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def test_the_accompanist_is_listed_invited_and_files_its_candidates_demande(page):
    w = vae_world()
    w.gestionnaire.username = "gestion.proprete"
    w.gestionnaire.save()
    accompagne, autre = w.dossier(), w.dossier()

    log_in(page, "gestion.proprete")
    page.goto("/vae/recevabilite/")
    page.get_by_role("link", name="Accompagnateurs VAE").click()
    page.get_by_label("Accompagnateur ou structure").fill("Atelier VAE Bretagne")
    page.get_by_role("button", name="Ajouter").click()
    expect(page.get_by_text("certifié Qualiopi pour la VAE ou labellisé")).to_be_visible()
    page.get_by_label("Label ou habilitation de la branche").fill("AAP labellisé CPNE 2026")
    page.get_by_role("button", name="Ajouter").click()
    expect(page.get_by_text("Atelier VAE Bretagne ajouté à vos accompagnateurs")).to_be_visible()
    expect(page.get_by_text("Label « AAP labellisé CPNE 2026 »")).to_be_visible()

    page.goto(f"/dossiers/{accompagne.pk}/")
    page.get_by_label("Changer d'accompagnateur").select_option(label="Atelier VAE Bretagne")
    page.get_by_role("button", name="Désigner").click()
    expect(page.get_by_text("Accompagnateur VAE : Atelier VAE Bretagne.")).to_be_visible()

    page.goto("/vae/accompagnateurs/")
    page.get_by_role("link", name="Atelier VAE Bretagne").click()
    page.get_by_label("Prénom").fill("Inès")
    page.get_by_role("textbox", name="Nom", exact=True).fill("Roche")
    page.get_by_label("Courriel (identifiant)").fill("ines@atelier-vae.fr")
    page.get_by_role("button", name="Inviter").click()
    expect(page.get_by_text("ines@atelier-vae.fr reçoit le lien")).to_be_visible()
    page.get_by_role("button", name="Se déconnecter").click()

    link = re.search(r"https?://\S+", mail.outbox[-1].body).group(0)
    page.goto(link)
    page.locator("#id_new_password1").fill("un-mot-de-passe-robuste-42")
    page.locator("#id_new_password2").fill("un-mot-de-passe-robuste-42")
    page.get_by_role("button", name="Enregistrer").click()
    log_in(page, "ines@atelier-vae.fr", "un-mot-de-passe-robuste-42")
    expect(page.get_by_text("1 demande de recevabilité est à déposer")).to_be_visible()
    page.get_by_role("link", name="Candidats").first.click()
    expect(page.get_by_text(accompagne.candidat.nom_naissance.upper())).to_be_visible()
    expect(page.get_by_text(autre.candidat.nom_naissance.upper())).to_have_count(0)

    page.get_by_role("link", name="Recevabilité VAE").first.click()
    page.get_by_role("link", name=f"Saisir la demande de {accompagne.candidat}").click()
    page.get_by_label("Le candidat déclare sur l'honneur").check()
    page.get_by_label("Emploi ou fonction").first.fill("Agent de propreté")
    page.get_by_label("Nature").first.select_option("salariee")
    page.get_by_label("Durée (mois)").first.fill("30")
    page.get_by_role("button", name="Enregistrer la demande").click()
    expect(page.get_by_text("Demande de recevabilité enregistrée.")).to_be_visible()
    expect(page.get_by_role("link", name="Décider de la recevabilité")).to_have_count(0)
    expect(page.get_by_role("button", name="Déclarer complète")).to_have_count(0)
    page.get_by_label("Avis de l'accompagnateur").fill("Parcours cohérent, preuves solides.")
    page.get_by_role("button", name="Enregistrer l'avis").click()
    expect(page.get_by_text("Avis de l'accompagnateur enregistré.")).to_be_visible()
    page.get_by_role("button", name="Se déconnecter").click()

    demande = DemandeRecevabilite.objects.get()
    assert demande.dossier_id == accompagne.pk
    assert demande.deposee_par.username == "ines@atelier-vae.fr"
    log_in(page, "gestion.proprete")
    page.goto(f"/vae/recevabilite/{demande.pk}/")
    expect(page.get_by_text("Parcours cohérent, preuves solides.")).to_be_visible()
    expect(page.get_by_role("button", name="Déclarer complète")).to_be_visible()
