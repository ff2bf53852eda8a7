"""The certifier's pages, end to end through HTTP: enter a demande with its experiences, ask
for a missing pièce, declare it complete, decide with the gap analysis, download the letter;
the list reads a bounded number of queries; the dossier's page links to its demande."""

from datetime import date

import pytest
from django.urls import reverse

from cqpilot.core.pdf import pdf_text
from cqpilot.dossiers.models import DossierState
from cqpilot.vae.models import DemandeRecevabilite, StatutDemande

from .factories import at, vae_world

pytestmark = pytest.mark.django_db
DAY = date(2026, 10, 5)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def experiences(*rows) -> dict:
    data = {
        "experiences-TOTAL_FORMS": str(len(rows) + 1),
        "experiences-INITIAL_FORMS": "0",
        "experiences-MIN_NUM_FORMS": "1",
        "experiences-MAX_NUM_FORMS": "50",
    }
    for n, row in enumerate(rows):
        data.update({f"experiences-{n}-{key}": value for key, value in row.items()})
    return data


AGENT = {"intitule": "Agent de propreté", "nature": "salariee", "duree_mois": "30"}


def test_the_gestionnaire_runs_the_four_steps_through_the_pages(client):
    w = vae_world()
    dossier = w.dossier()
    with at(DAY):
        client.force_login(w.gestionnaire)
        page = client.get(reverse("dossiers:dossier_detail", args=[dossier.pk]))
        create_url = reverse("vae:demande_create", args=[dossier.pk])
        assert create_url in page.text
        refused = client.post(
            create_url, {"blocs": [w.blocs[0].pk], **experiences(AGENT)}
        )  # no déclaration sur l'honneur
        assert "déclare sur l&#x27;honneur" in refused.text
        response = client.post(
            create_url,
            {
                "blocs": [w.blocs[0].pk],
                "reference_france_vae": "FVAE-2026-0042",
                "declaration_honneur": "on",
                **experiences(AGENT, {**AGENT, "intitule": "Bénévole", "nature": "benevole"}),
            },
        )
        demande = DemandeRecevabilite.objects.get()
        detail = reverse("vae:demande_detail", args=[demande.pk])
        assert response.url == detail
        assert demande.experiences.count() == 2
        assert list(demande.blocs.all()) == [w.blocs[0]]

        client.post(reverse("vae:demande_pieces", args=[demande.pk]), {"pieces": "Bulletins"})
        client.post(reverse("vae:demande_complete", args=[demande.pk]), {"le": "2026-10-05"})
        page = client.get(detail)
        assert "Bulletins" in page.text
        assert "61 jours pour décider (jusqu&#x27;au 05/12/2026 inclus)" in page.text

        decision_url = reverse("vae:demande_decider", args=[demande.pk])
        form = client.get(decision_url)
        assert "Choisir les produits" in form.text  # a compétence of the targeted bloc
        assert "Accueillir le client" not in form.text  # a bloc outside the demande
        bloc, c1 = w.blocs[0], w.blocs[0].competences.get(code="C1")
        response = client.post(
            decision_url,
            {
                "decision": "recevable",
                "motivation": "Expérience probante",
                f"niveau-{bloc.pk}": "acquis",
                f"commentaire-{bloc.pk}": "Solide",
                f"niveau-{bloc.pk}-{c1.pk}": "a_developper",
                "recommande_pmsmp": "on",
            },
        )
        assert response.url == detail
        demande.refresh_from_db()
        assert demande.statut == StatutDemande.RECEVABLE
        assert demande.dossier.state == DossierState.RECEVABLE
        assert demande.ecarts.count() == 2
        page = client.get(detail)
        assert reverse("vae:demande_decider", args=[demande.pk]) not in page.text
        letter = client.get(reverse("vae:demande_lettre", args=[demande.pk]))
        assert letter["Content-Type"] == "application/pdf"
        assert "FVAE-2026-0042" in pdf_text(letter.content)
        again = client.post(decision_url, {"decision": "non_recevable", "motivation": "Non"})
        assert again.status_code == 302
        demande.refresh_from_db()
        assert demande.statut == StatutDemande.RECEVABLE


def test_a_bad_completeness_date_is_refused_in_french_not_a_500(client):
    w = vae_world()
    demande = w.demande(on=DAY)
    with at(DAY):
        client.force_login(w.gestionnaire)
        url = reverse("vae:demande_complete", args=[demande.pk])
        for value in ("pas une date", "2026-10-01", "2099-01-01"):
            response = client.post(url, {"le": value}, follow=True)
            assert response.status_code == 200
            assert "message-error" in response.text or "alert" in response.text
    demande.refresh_from_db()
    assert demande.statut == StatutDemande.A_INSTRUIRE


def test_the_list_reads_a_bounded_number_of_queries(client, django_assert_max_num_queries):
    w = vae_world()
    with at(DAY):
        for _ in range(6):
            w.demande(on=DAY)
        w.dossier()
        client.force_login(w.gestionnaire)
        client.get(reverse("vae:demande_list"))
        with django_assert_max_num_queries(12):
            page = client.get(reverse("vae:demande_list"))
    assert page.text.count(reverse("vae:demande_detail", args=[0])[:-2]) >= 6
    assert "Saisir la demande de" in page.text


def test_the_dossier_page_and_the_api_move_a_vae_dossier_only_through_its_demande(client):
    """No « Déclarer recevable / non recevable » button on a VAE dossier's page; a forged POST
    and the API are refused with the same French message, pointing to the demande."""
    from cqpilot.api.tests.factories import ApiClient

    w = vae_world()
    dossier = w.dossier()
    client.force_login(w.gestionnaire)
    page = client.get(reverse("dossiers:dossier_detail", args=[dossier.pk]))
    assert "Déclarer recevable" not in page.text
    assert "Déclarer non recevable" not in page.text
    assert reverse("vae:demande_create", args=[dossier.pk]) in page.text
    forged = client.post(
        reverse("dossiers:dossier_transition", args=[dossier.pk]),
        {"vers": "recevable", "motif": "Vu"},
        follow=True,
    )
    assert "se décide sur sa demande de recevabilité" in forged.text
    api = ApiClient(w.gestionnaire).post(
        f"/dossiers/{dossier.pk}/transitions", {"etat": "non_recevable", "motif": "Non"}
    )
    assert api.status_code == 409
    assert "se décide sur sa demande de recevabilité" in api.json()["detail"]
    dossier.refresh_from_db()
    assert dossier.state == DossierState.INSCRIT
