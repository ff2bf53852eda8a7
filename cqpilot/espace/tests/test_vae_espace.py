"""A VAE candidate follows his demande de recevabilité from his espace: the pièces the certifier
asked for, the date the decision is due once complete, the decision with its letter to download
(tacit acceptance included); nobody else downloads his letter, and the home keeps its constant
number of queries with VAE dossiers."""

from datetime import date

import pytest
from django.urls import reverse

from cqpilot.core.pdf import pdf_text
from cqpilot.vae.models import DemandeRecevabilite
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


def filing(**overrides) -> dict:
    data = {
        "declaration_honneur": "on",
        "formations": "Habilitation électrique",
        "experiences-TOTAL_FORMS": "2",
        "experiences-INITIAL_FORMS": "0",
        "experiences-MIN_NUM_FORMS": "1",
        "experiences-MAX_NUM_FORMS": "50",
        "experiences-0-intitule": "Agent d'entretien",
        "experiences-0-structure": "Net Services",
        "experiences-0-nature": "salariee",
        "experiences-0-duree_mois": "30",
    }
    data.update(overrides)
    return data


def test_the_candidate_files_his_demande_from_his_espace(
    client, w, mailoutbox, django_capture_on_commit_callbacks
):
    dossier = w.dossier()
    url = reverse("espace:vae_demande", args=[dossier.pk])
    with at(DAY):
        assert url in home(client, dossier)
        assert "Vos expériences" in client.get(url).text
        refused = client.post(url, filing(declaration_honneur=""))
        assert refused.status_code == 200 and "déclaration" in refused.text
        assert not DemandeRecevabilite.objects.filter(dossier=dossier).exists()
        with django_capture_on_commit_callbacks(execute=True):
            answer = client.post(url, filing())
        assert answer.status_code == 302 and answer["Location"].startswith("/espace/")
        text = home(client, dossier)
    demande = DemandeRecevabilite.objects.get(dossier=dossier)
    assert demande.deposee_par == dossier.candidat.compte and demande.deposee_le == DAY
    assert "en cours d&#x27;examen" in text or "en cours d'examen" in text
    assert url not in text
    assert any(w.gestionnaire.email in m.to for m in mailoutbox)
    with at(DAY):
        again = client.post(url, filing())
    assert again.status_code == 302
    assert DemandeRecevabilite.objects.filter(dossier=dossier).count() == 1


def test_no_filing_on_another_candidates_dossier_nor_outside_inscrit(client, w):
    mine, theirs = w.dossier(), w.dossier()
    closed = w.dossier(mine.candidat, *w.certification_bis("CQP clos"), state="abandon")
    with at(DAY):
        text = home(client, mine)
        assert reverse("espace:vae_demande", args=[closed.pk]) not in text
        for dossier in (theirs, closed):
            url = reverse("espace:vae_demande", args=[dossier.pk])
            assert client.post(url, filing()).status_code in (302, 404)
    assert not DemandeRecevabilite.objects.exists()
