"""A VAE candidate follows his demande de recevabilité from his espace: the pièces the certifier
asked for, the date the decision is due once complete, the decision with its letter to download
(tacit acceptance included); nobody else downloads his letter, and the home keeps its constant
number of queries with VAE dossiers."""

from datetime import date

import pytest
from django.urls import reverse

from cqpilot.core.pdf import pdf_text
from cqpilot.vae.recevabilite import declarer_complete, demander_pieces
from cqpilot.vae.tacite import accepter_tacitement
from cqpilot.vae.tests.factories import at, candidate, decided_demande, vae_world

pytestmark = pytest.mark.django_db
DAY = date(2026, 10, 5)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def w():
    return vae_world()


def home(client, dossier) -> str:
    client.force_login(dossier.candidat.compte)
    page = client.get("/espace/")
    assert page.status_code == 200
    return page.text


def test_a_vae_dossier_without_demande_says_it_is_awaited(client, w):
    text = home(client, w.dossier())
    assert "Recevabilité de votre VAE" in text
    assert "pas encore enregistrée" in text


def test_the_candidate_reads_the_missing_pieces_to_send(client, w):
    with at(DAY):
        demande = w.demande(on=DAY)
        demander_pieces(
            demande, "Bulletins de salaire 2024\n- Attestation d'employeur", by=w.gestionnaire
        )
        text = home(client, demande.dossier)
    assert "À compléter" in text
    assert "<li>Bulletins de salaire 2024</li>" in text
    assert "<li>Attestation d&#x27;employeur</li>" in text


def test_the_candidate_reads_the_date_the_decision_is_due(client, w):
    with at(DAY):
        demande = w.demande(on=DAY)
        declarer_complete(demande, by=w.gestionnaire)
        text = home(client, demande.dossier)
    assert "<strong>Complète</strong> depuis le 05/10/2026" in text
    assert "au plus tard le 05/12/2026" in text
    assert "acceptation tacite" in text  # the certification's default: silence accepts


def test_the_candidate_reads_the_decision_and_downloads_his_letter(client, w):
    with at(DAY):
        demande = decided_demande(w.dossier(), w.blocs[0], by=w.gestionnaire)
        text = home(client, demande.dossier)
        url = reverse("espace:vae_lettre", args=[demande.pk])
        assert "<strong>Recevable</strong> le 05/10/2026" in text
        assert "Expérience en rapport avec le bloc" in text
        assert "valable jusqu'au 05/10/2027" in text
        assert url in text
        letter = client.get(url)
    assert letter.status_code == 200 and letter["Content-Type"] == "application/pdf"
    assert "Expérience en rapport avec le bloc" in pdf_text(letter.content)


def test_a_tacit_acceptance_is_shown_with_its_letter(client, w):
    with at(DAY):
        demande = w.demande(on=DAY)
        declarer_complete(demande, by=w.gestionnaire)
    with at(date(2026, 12, 7)):
        assert accepter_tacitement(demande)
        text = home(client, demande.dossier)
    assert "Recevable (acceptation tacite)" in text
    assert reverse("espace:vae_lettre", args=[demande.pk]) in text


def test_no_letter_before_the_decision_nor_for_another_candidate(client, w):
    with at(DAY):
        pending = w.demande(on=DAY)
        decided = decided_demande(w.dossier(), w.blocs[0], by=w.gestionnaire)
        text = home(client, pending.dossier)
        assert reverse("espace:vae_lettre", args=[pending.pk]) not in text
        assert client.get(reverse("espace:vae_lettre", args=[pending.pk])).status_code == 404
        assert client.get(reverse("espace:vae_lettre", args=[decided.pk])).status_code == 404
        client.force_login(w.gestionnaire)
        assert client.get(reverse("espace:vae_lettre", args=[decided.pk])).status_code in (
            302,
            403,
            404,
        )


def test_the_home_reads_as_many_queries_for_five_vae_dossiers_as_for_one(
    client, w, django_assert_max_num_queries
):
    candidat = candidate()
    with at(DAY):
        first = w.demande(w.dossier(candidat), on=DAY)
        demander_pieces(first, "Bulletins", by=w.gestionnaire)
        client.force_login(candidat.compte)
        client.get("/espace/")
        with django_assert_max_num_queries(1000) as one:
            client.get("/espace/")
        for n in range(4):
            certification, version = w.certification_bis(f"CQP n° {n}")
            dossier = w.dossier(candidat, certification, version)
            # on blocs: not held by the three certifications a year
            demande = w.demande(dossier, on=DAY, blocs=version.blocs.all())
            demander_pieces(demande, "Bulletins", by=w.gestionnaire)
        with django_assert_max_num_queries(len(one.captured_queries)):
            page = client.get("/espace/")
    assert page.text.count("À compléter") == 5
