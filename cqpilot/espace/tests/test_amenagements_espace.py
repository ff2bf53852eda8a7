"""Aménagements d'épreuves, the candidate's side: from their espace, a candidate asks for adapted
épreuves with a supporting document, reads the certifier's decision, and may ask again once it
is taken; nobody else's dossier, no staff page."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cqpilot.core.models import Role
from cqpilot.core.tests.factories import UserFactory, gestionnaire
from cqpilot.dossiers.models import DossierState
from cqpilot.dossiers.tests.factories import (
    CandidatFactory,
    DossierFactory,
    habilitated_dossier,
)
from cqpilot.evaluations.amenagements import decide_amenagement
from cqpilot.evaluations.models import DemandeAmenagement, StatutAmenagement

pytestmark = pytest.mark.django_db

DOCUMENT = b"%PDF-1.4 notification MDPH"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def account_of(dossier, email):
    account = UserFactory(organisation=None, roles=[], email=email)
    dossier.candidat.compte = account
    dossier.candidat.save(update_fields=["compte"])
    return account


@pytest.fixture
def dossier():
    return habilitated_dossier(
        candidat=CandidatFactory(prenom1="Léa", nom_naissance="Durand"),
        state=DossierState.EN_FORMATION,
    )


@pytest.fixture
def compte(dossier):
    return account_of(dossier, "lea@exemple.fr")


@pytest.fixture
def certifier(dossier):
    return gestionnaire(organisation=dossier.certification.certificateurs.get())


def form(name="notification-mdph.pdf", content=DOCUMENT, **fields):
    return {
        "types": ["tiers_temps", "materiel_adapte"],
        "description": "Fatigue visuelle : écran agrandi et pauses.",
        "justificatif": SimpleUploadedFile(name, content, content_type="application/pdf"),
    } | fields


def url(dossier):
    return reverse("espace:amenagement_demander", args=[dossier.pk])


def test_the_candidate_requests_an_amenagement_with_a_document_from_the_espace(
    client, dossier, compte
):
    client.force_login(compte)
    home = client.get(reverse("espace:accueil"))
    assert "Demander un aménagement des épreuves" in home.text
    assert url(dossier) in home.text
    assert client.get(url(dossier)).status_code == 200
    response = client.post(url(dossier), form())
    assert response.status_code == 302
    demande = DemandeAmenagement.objects.get(dossier=dossier)
    assert demande.types == ["tiers_temps", "materiel_adapte"]
    assert demande.justificatif_nom == "notification-mdph.pdf"
    assert demande.demande_par == compte
    assert "amenagements/" in demande.justificatif.name
    home = client.get(reverse("espace:accueil"))
    assert "en attente de la décision du certificateur" in home.text
    assert "Demander un aménagement" not in home.text  # one request at a time
    download = client.get(reverse("espace:amenagement_justificatif", args=[demande.pk]))
    assert b"".join(download.streaming_content) == DOCUMENT
    # while it waits, the form page sends back to the espace
    assert client.post(url(dossier), form()).status_code == 302
    assert DemandeAmenagement.objects.filter(dossier=dossier).count() == 1


def test_the_upload_limits_are_explained_in_french(client, dossier, compte, settings):
    client.force_login(compte)
    page = client.post(url(dossier), form(name="script.exe", content=b"MZ"))
    assert page.status_code == 200
    assert "Formats acceptés : PDF, JPG, PNG" in page.text
    settings.PIECE_MAX_SIZE = 1024
    page = client.post(url(dossier), form(content=b"%PDF-1.4" + b"x" * 4096))
    assert "Le fichier pèse 4 Ko : 1 Ko au plus." in page.text
    page = client.post(url(dossier), {"description": ""})
    assert "Choisissez au moins un type d&#x27;aménagement." in page.text
    assert "Décrivez votre besoin." in page.text
    assert "Joignez un justificatif." in page.text
    assert not DemandeAmenagement.objects.exists()


def test_the_candidate_reads_the_decision_and_may_ask_again(client, dossier, compte, certifier):
    client.force_login(compte)
    client.post(url(dossier), form())
    demande = DemandeAmenagement.objects.get()
    decide_amenagement(
        demande,
        statut=StatutAmenagement.ACCORDE_PARTIELLEMENT,
        types_accordes=["tiers_temps"],
        precisions="temps majoré 1/3",
        motivation="L'écran agrandi est fourni par le centre d'examen de toute façon.",
        by=certifier,
    )
    home = client.get(reverse("espace:accueil"))
    assert "accordé partiellement" in home.text
    assert "Tiers-temps (temps majoré 1/3)" in home.text
    assert "L&#x27;écran agrandi est fourni" in home.text
    assert "Faire une nouvelle demande d'aménagement" in home.text
    assert client.post(url(dossier), form()).status_code == 302
    assert DemandeAmenagement.objects.filter(dossier=dossier).count() == 2


def test_no_request_on_a_closed_dossier(client, dossier, compte):
    dossier.state = DossierState.CERTIFIE
    dossier.save()
    client.force_login(compte)
    assert "aménagement" not in client.get(reverse("espace:accueil")).text
    assert client.post(url(dossier), form()).status_code == 302
    assert not DemandeAmenagement.objects.exists()


def test_another_candidate_reaches_neither_the_dossier_nor_the_justificatif(
    client, dossier, compte
):
    client.force_login(compte)
    client.post(url(dossier), form())
    demande = DemandeAmenagement.objects.get()
    other = DossierFactory(certification=dossier.certification)
    intruder = account_of(other, "autre@exemple.fr")
    client.force_login(intruder)
    assert client.get(url(dossier)).status_code == 404
    assert client.post(url(dossier), form()).status_code == 404
    justificatif = reverse("espace:amenagement_justificatif", args=[demande.pk])
    assert client.get(justificatif).status_code == 404
    assert DemandeAmenagement.objects.count() == 1


def test_staff_pages_stay_closed_to_the_candidate_and_espace_pages_to_the_staff(
    client, dossier, compte, certifier
):
    client.force_login(compte)
    client.post(url(dossier), form())
    demande = DemandeAmenagement.objects.get()
    for staff_page in (
        reverse("evaluations:amenagement_list"),
        reverse("evaluations:amenagement_decider", args=[demande.pk]),
        reverse("evaluations:amenagement_justificatif", args=[demande.pk]),
    ):
        assert client.get(staff_page).status_code == 403
    of_user = UserFactory(organisation=dossier.organisme, roles=[Role.ORGANISME_FORMATION])
    for user in (certifier, of_user):
        client.force_login(user)
        assert client.get(url(dossier)).status_code == 403
        justificatif = reverse("espace:amenagement_justificatif", args=[demande.pk])
        assert client.get(justificatif).status_code == 403


def test_the_espace_home_reads_the_requests_in_one_query_per_dossier(
    client, dossier, compte, certifier, django_assert_max_num_queries
):
    client.force_login(compte)
    client.get(reverse("espace:accueil"))  # warms the session and the caches
    with django_assert_max_num_queries(100) as before:
        client.get(reverse("espace:accueil"))
    with_none = len(before)  # read now: the next request resets the connection's log
    for _ in range(3):
        client.post(url(dossier), form())
        decide_amenagement(
            DemandeAmenagement.objects.filter(dossier=dossier).first(),
            statut=StatutAmenagement.REFUSE,
            motivation="Non justifié",
            by=certifier,
        )
    with django_assert_max_num_queries(with_none):
        client.get(reverse("espace:accueil"))
