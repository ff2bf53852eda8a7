"""Pièces exigées: configured per certification by its managers, offered at the deposit in
their formats, holding up the dossier's transitions while missing or refused, reminded."""

import pytest
from auditlog.models import LogEntry
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from cqpilot.core.models import Role
from cqpilot.core.tests.factories import OrganisationFactory, UserFactory, gestionnaire
from cqpilot.dossiers.documents import add_document, check_document
from cqpilot.dossiers.models import Document, DossierState, PieceExigee
from cqpilot.dossiers.relances import send_reminders
from cqpilot.dossiers.workflow import TransitionRefusee, transition

from .factories import PieceExigeeFactory, habilitated_dossier

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def dossier():
    return habilitated_dossier()


@pytest.fixture
def of_user(dossier):
    return UserFactory(
        organisation=dossier.organisme, roles=[Role.ORGANISME_FORMATION], email="of@exemple.fr"
    )


@pytest.fixture
def certifier(dossier):
    return gestionnaire(organisation=dossier.certification.certificateurs.get())


@pytest.fixture
def identite(dossier):
    return PieceExigeeFactory(
        certification=dossier.certification,
        libelle="Pièce d'identité",
        formats=["pdf", "jpeg"],
        etat_requis=DossierState.INSCRIT,
    )


def pdf(name="piece.pdf"):
    return SimpleUploadedFile(name, b"%PDF-1.4 piece")


def deposit(client, dossier, piece, name="piece.pdf"):
    return client.post(
        reverse("dossiers:document_add", args=[dossier.pk]),
        {"type": f"piece:{piece.pk}", "fichier": pdf(name)},
        follow=True,
    )


# --- Configuration ------------------------------------------------------------------------------


def test_the_certifier_adds_a_piece_exigee(client, dossier, certifier):
    client.force_login(certifier)
    response = client.post(
        reverse("dossiers:piece_create", args=[dossier.certification.pk]),
        {
            "libelle": "Contrat de travail",
            "formats": ["pdf"],
            "etat_requis": "en_formation",
            "depot_of": "on",
            "visible_of": "on",
            "ordre": 1,
        },
        follow=True,
    )
    assert "Pièce exigée « Contrat de travail » enregistrée." in response.text
    piece = PieceExigee.objects.get()
    assert (piece.formats, piece.etat_requis, piece.depot_certificateur) == (
        ["pdf"],
        "en_formation",
        False,
    )
    entry = LogEntry.objects.get_for_object(piece).get()
    assert (entry.action, entry.actor) == (LogEntry.Action.CREATE, certifier)


def test_a_piece_nobody_may_deposit_is_refused(client, dossier, certifier):
    client.force_login(certifier)
    response = client.post(
        reverse("dossiers:piece_create", args=[dossier.certification.pk]),
        {"libelle": "Contrat", "formats": ["pdf"], "ordre": 0, "visible_of": "on"},
    )
    assert "Indiquez qui peut déposer cette pièce." in response.text
    assert not PieceExigee.objects.exists()


def test_another_certifier_can_neither_see_nor_configure(client, dossier, identite):
    autre = gestionnaire(organisation=OrganisationFactory(nom="Autre branche"))
    client.force_login(autre)
    list_url = reverse("dossiers:piece_list", args=[dossier.certification.pk])
    assert client.get(list_url).status_code == 404
    assert client.get(reverse("dossiers:piece_edit", args=[identite.pk])).status_code == 404
    assert client.post(reverse("dossiers:piece_delete", args=[identite.pk])).status_code == 404
    assert PieceExigee.objects.filter(pk=identite.pk).exists()


def test_the_of_cannot_configure(client, dossier, of_user, identite):
    client.force_login(of_user)
    url = reverse("dossiers:piece_list", args=[dossier.certification.pk])
    assert client.get(url).status_code == 403


def test_a_piece_with_documents_cannot_be_deleted(client, dossier, of_user, certifier, identite):
    add_document(dossier, pdf(), by=of_user, piece=identite)
    client.force_login(certifier)
    response = client.post(reverse("dossiers:piece_delete", args=[identite.pk]), follow=True)
    assert "ne peut plus être supprimée. Archivez-la" in response.text
    assert PieceExigee.objects.filter(pk=identite.pk).exists()


def test_a_piece_without_documents_is_deleted(client, dossier, certifier, identite):
    client.force_login(certifier)
    client.post(reverse("dossiers:piece_delete", args=[identite.pk]))
    assert not PieceExigee.objects.exists()


def test_the_list_costs_the_same_queries_whatever_its_length(
    client, dossier, certifier, django_assert_num_queries
):
    client.force_login(certifier)
    url = reverse("dossiers:piece_list", args=[dossier.certification.pk])
    PieceExigeeFactory(certification=dossier.certification)
    client.get(url)
    with django_assert_num_queries(6):
        client.get(url)
    PieceExigeeFactory.create_batch(5, certification=dossier.certification)
    with django_assert_num_queries(6):
        assert client.get(url).text.count("Supprimer<span") == 6


# --- Deposit ------------------------------------------------------------------------------------


def test_the_deposit_offers_the_pieces_exigees(client, dossier, of_user, identite):
    client.force_login(of_user)
    page = client.get(reverse("dossiers:dossier_detail", args=[dossier.pk])).text
    assert f'value="piece:{identite.pk}"' in page
    assert 'value="cv"' not in page  # the free types shrink to « Autre » once pièces exist
    assert "Manquante" in page


def test_a_format_the_piece_does_not_accept_is_refused_in_french(
    client, dossier, of_user, identite
):
    client.force_login(of_user)
    response = deposit(client, dossier, identite, name="identite.docx")
    assert (
        "« Pièce d&#x27;identité » : formats acceptés PDF, JPEG ; le fichier « identite.docx » "
        "n&#x27;en est pas un." in response.text
    )
    assert not Document.objects.exists()


def test_a_deposited_piece_is_linked_and_shown_to_verify(client, dossier, of_user, identite):
    client.force_login(of_user)
    response = deposit(client, dossier, identite)
    assert "Document déposé." in response.text
    assert Document.objects.get().piece == identite
    assert "Déposée, à vérifier" in response.text


def test_the_of_may_not_deposit_a_piece_reserved_to_the_certifier(client, dossier, of_user):
    piece = PieceExigeeFactory(certification=dossier.certification, depot_of=False)
    client.force_login(of_user)
    response = deposit(client, dossier, piece)
    assert "Sélectionnez un choix valide." in response.text
    assert not Document.objects.exists()


def test_a_piece_hidden_from_the_of_and_its_documents_stay_hidden(
    dossier, of_user, certifier, client
):
    piece = PieceExigeeFactory(
        certification=dossier.certification,
        libelle="Note interne",
        depot_of=False,
        visible_of=False,
    )
    add_document(dossier, pdf("note.pdf"), by=certifier, piece=piece)
    client.force_login(of_user)
    page = client.get(reverse("dossiers:dossier_detail", args=[dossier.pk])).text
    assert "Note interne" not in page and "note.pdf" not in page
    assert not Document.objects.visible_to(of_user).exists()


# --- Workflow -----------------------------------------------------------------------------------


def test_a_transition_is_refused_naming_the_missing_pieces(dossier, of_user, identite):
    with pytest.raises(TransitionRefusee) as refusal:
        transition(dossier, DossierState.INSCRIT, by=of_user)
    assert refusal.value.message == (
        "Le dossier ne peut pas passer à « Inscrit » : pièce exigée manquante ou refusée : "
        "« Pièce d'identité » (manquante)."
    )


def test_a_piece_waiting_for_its_check_does_not_block(dossier, of_user, identite):
    add_document(dossier, pdf(), by=of_user, piece=identite)
    assert transition(dossier, DossierState.INSCRIT, by=of_user).state == DossierState.INSCRIT


def test_a_refused_piece_blocks_until_deposited_again(dossier, of_user, certifier, identite):
    document = add_document(dossier, pdf(), by=of_user, piece=identite)
    check_document(document, accept=False, by=certifier, motif="Illisible")
    with pytest.raises(TransitionRefusee, match="« Pièce d'identité » \\(refusée\\)"):
        transition(dossier, DossierState.INSCRIT, by=of_user)
    add_document(dossier, pdf("nette.pdf"), by=of_user, piece=identite)
    assert transition(dossier, DossierState.INSCRIT, by=of_user).state == DossierState.INSCRIT


def test_a_piece_required_earlier_blocks_a_later_state_too(dossier, of_user, certifier):
    PieceExigeeFactory(
        certification=dossier.certification, libelle="Contrat", etat_requis="en_formation"
    )
    transition(dossier, DossierState.INSCRIT, by=of_user)
    with pytest.raises(TransitionRefusee, match="« Contrat »"):
        transition(dossier, DossierState.EN_EVALUATION, by=certifier)  # skips « en formation »


def test_abandon_is_never_held_up(dossier, of_user, identite):
    done = transition(dossier, DossierState.ABANDON, by=of_user, motif="Déménagement")
    assert done.state == DossierState.ABANDON


def test_a_piece_for_another_voie_is_not_required(dossier, of_user):
    PieceExigeeFactory(certification=dossier.certification, voies_acces=["VAE"])
    assert transition(dossier, DossierState.INSCRIT, by=of_user).state == DossierState.INSCRIT


def test_the_blocked_button_is_shown_disabled_with_its_reason(client, dossier, of_user, identite):
    client.force_login(of_user)
    page = client.get(reverse("dossiers:dossier_detail", args=[dossier.pk])).text
    assert (
        '<button type="button" disabled aria-describedby="refus-inscrit">Inscrire</button>' in page
    )
    assert "Inscrire : Le dossier ne peut pas passer à « Inscrit »" in page


def test_the_api_refuses_the_transition_naming_the_pieces(dossier, of_user, identite):
    from cqpilot.api.tests.factories import ApiClient

    response = ApiClient(of_user).post(f"/dossiers/{dossier.pk}/transitions", {"etat": "inscrit"})
    assert response.status_code == 409
    assert "« Pièce d'identité » (manquante)" in response.json()["detail"]


def test_the_api_deposits_a_piece_exigee_in_its_formats_only(dossier, of_user, identite):
    from cqpilot.api.tests.factories import ApiClient

    client = ApiClient(of_user).client
    url = f"/api/v1/dossiers/{dossier.pk}/pieces"
    refused = client.post(url, {"piece": identite.pk, "fichier": pdf("identite.odt")})
    assert refused.status_code == 422
    assert "formats acceptés PDF, JPEG" in refused.json()["detail"]
    deposited = client.post(url, {"piece": identite.pk, "fichier": pdf()})
    assert deposited.status_code == 201
    assert deposited.json()["piece_exigee"] == identite.pk
    assert deposited.json()["libelle"] == "Pièce d'identité"


# --- Reminders ----------------------------------------------------------------------------------


def test_the_of_is_reminded_once_per_period(
    dossier, of_user, identite, django_capture_on_commit_callbacks
):
    from datetime import date

    with django_capture_on_commit_callbacks(execute=True):
        assert send_reminders(today=date(2026, 12, 1), every_days=7).relances == 1
        assert send_reminders(today=date(2026, 12, 5), every_days=7).relances == 0
    [message] = mail.outbox
    assert message.to == ["of@exemple.fr"]
    assert "- Pièce d'identité : manquante" in message.body
    dossier.refresh_from_db()
    assert dossier.pieces_relancees_le == date(2026, 12, 1)
    journal = LogEntry.objects.get_for_object(dossier).latest("timestamp")
    assert "pieces_relancees_le" in journal.changes_dict
    with django_capture_on_commit_callbacks(execute=True):
        assert send_reminders(today=date(2026, 12, 8), every_days=7).relances == 1


def test_no_reminder_once_the_pieces_are_deposited(
    dossier, of_user, identite, django_capture_on_commit_callbacks
):
    add_document(dossier, pdf(), by=of_user, piece=identite)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("relances_pieces")
    assert mail.outbox == []


def test_a_closed_dossier_is_not_reminded(dossier, of_user, identite):
    from datetime import date

    transition(dossier, DossierState.ABANDON, by=of_user, motif="Déménagement")
    assert send_reminders(today=date(2026, 12, 1)).relances == 0
