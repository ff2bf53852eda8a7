"""The pièces a candidate deposits from their espace are reminded to the candidate themself, in
French, with the link to their espace; the OF keeps the reminders of the pièces it deposits."""

from datetime import date

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from cqpilot.core.models import Role, User
from cqpilot.core.tests.factories import UserFactory, gestionnaire
from cqpilot.dossiers.documents import add_document, check_document
from cqpilot.dossiers.models import DossierState, Sexe
from cqpilot.dossiers.relances import send_reminders

from .factories import CandidatFactory, PieceExigeeFactory, habilitated_dossier

pytestmark = pytest.mark.django_db
TODAY = date(2026, 12, 1)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def dossier():
    return habilitated_dossier(
        candidat=CandidatFactory(prenom1="Léa", nom_naissance="Durand", sexe=Sexe.F),
    )


@pytest.fixture
def of_user(dossier):
    return UserFactory(
        organisation=dossier.organisme, roles=[Role.ORGANISME_FORMATION], email="of@exemple.fr"
    )


@pytest.fixture
def compte(dossier) -> User:
    user = User.objects.create_user("lea@exemple.fr", email="lea@exemple.fr", first_name="Léa")
    dossier.candidat.compte = user
    dossier.candidat.save()
    return user


def piece(dossier, libelle, *, candidat: bool, of: bool):
    return PieceExigeeFactory(
        certification=dossier.certification,
        libelle=libelle,
        etat_requis=DossierState.INSCRIT,
        depot_candidat=candidat,
        depot_of=of,
    )


def sent_to(address: str) -> list:
    return [message for message in mail.outbox if address in message.to]


def test_the_candidate_is_reminded_of_the_pieces_they_deposit(
    dossier, of_user, compte, django_capture_on_commit_callbacks
):
    piece(dossier, "Pièce d'identité", candidat=True, of=False)
    piece(dossier, "Convention de formation", candidat=False, of=True)
    with django_capture_on_commit_callbacks(execute=True):
        bilan = send_reminders(today=TODAY)
    assert (bilan.relances, bilan.relances_candidats) == (1, 1)
    [to_candidate] = sent_to("lea@exemple.fr")
    assert to_candidate.subject == (
        f"Pièces à déposer dans votre espace candidat — {dossier.certification.intitule}"
    )
    body = to_candidate.body
    assert body.startswith("Bonjour Léa,")
    assert "- Pièce d'identité : manquante" in body
    assert "Convention de formation" not in body  # the OF's, not hers
    assert f"https://cqpilot.exemple.fr/espace/#dossier-{dossier.pk}" in body
    assert "https://cqpilot.exemple.fr/espace/connexion/lien/" in body  # sign in without password
    [to_of] = sent_to("of@exemple.fr")
    assert "Convention de formation" in to_of.body
    assert "Pièce d'identité" not in to_of.body  # the OF cannot deposit it
    assert "(s)" not in body and "(e)" not in body


def test_a_refused_piece_is_reminded_with_its_reason(
    dossier, compte, django_capture_on_commit_callbacks
):
    certifier = gestionnaire(organisation=dossier.certification.certificateurs.get())
    identite = piece(dossier, "Pièce d'identité", candidat=True, of=False)
    document = add_document(
        dossier, SimpleUploadedFile("id.pdf", b"%PDF-1.4 x"), by=compte, piece=identite
    )
    check_document(document, accept=False, motif="Illisible", by=certifier)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("relances_pieces")
    [message] = sent_to("lea@exemple.fr")
    assert "- Pièce d'identité : refusée (Illisible)" in message.body


def test_a_piece_both_may_deposit_is_reminded_to_both(
    dossier, of_user, compte, django_capture_on_commit_callbacks
):
    piece(dossier, "CV", candidat=True, of=True)
    with django_capture_on_commit_callbacks(execute=True):
        send_reminders(today=TODAY)
    assert len(sent_to("lea@exemple.fr")) == len(sent_to("of@exemple.fr")) == 1


def test_no_candidate_reminder_without_an_active_account(
    dossier, compte, django_capture_on_commit_callbacks
):
    """Without an espace the candidate could not deposit: the message would only worry them."""
    piece(dossier, "Pièce d'identité", candidat=True, of=False)
    compte.is_active = False
    compte.save()
    with django_capture_on_commit_callbacks(execute=True):
        bilan = send_reminders(today=TODAY)
    assert mail.outbox == []
    assert bilan.sans_destinataire == 1
    dossier.refresh_from_db()
    assert dossier.pieces_relancees_le is None  # reminded as soon as someone can be


def test_the_candidate_is_reminded_once_per_period(
    dossier, compte, django_capture_on_commit_callbacks
):
    piece(dossier, "Pièce d'identité", candidat=True, of=False)
    with django_capture_on_commit_callbacks(execute=True):
        assert send_reminders(today=TODAY, every_days=7).relances_candidats == 1
        assert send_reminders(today=date(2026, 12, 5), every_days=7).relances_candidats == 0
        assert send_reminders(today=date(2026, 12, 8), every_days=7).relances_candidats == 1


def test_the_summary_counts_both_kinds_of_reminders(
    dossier, of_user, compte, django_capture_on_commit_callbacks
):
    piece(dossier, "Pièce d'identité", candidat=True, of=False)
    with django_capture_on_commit_callbacks(execute=True):
        bilan = send_reminders(today=TODAY)
    assert str(bilan) == (
        "0 relance envoyée aux organismes, 1 relance envoyée aux candidats, "
        "0 dossier sans destinataire"
    )
