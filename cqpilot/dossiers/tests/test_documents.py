"""Documents of a dossier: deposited by the OF, checked by the certifier, private to both."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cqpilot.core.models import Role
from cqpilot.core.tests.factories import UserFactory, gestionnaire
from cqpilot.dossiers.models import Document, DocumentStatus

from .factories import HabilitationFactory, habilitated_dossier

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def dossier():
    return habilitated_dossier()


@pytest.fixture
def of_user(dossier):
    return UserFactory(organisation=dossier.organisme, roles=[Role.ORGANISME_FORMATION])


@pytest.fixture
def certifier(dossier):
    return gestionnaire(organisation=dossier.certification.certificateurs.get())


def deposit(client, dossier, name="contrat.pdf", content=b"%PDF-1.4 contrat"):
    return client.post(
        reverse("dossiers:document_add", args=[dossier.pk]),
        {"type": "contrat", "fichier": SimpleUploadedFile(name, content)},
        follow=True,
    )


def test_the_organisme_deposits_and_the_certifier_downloads(client, dossier, of_user, certifier):
    client.force_login(of_user)
    assert "Document déposé." in deposit(client, dossier).text
    document = Document.objects.get()
    assert document.nom == "contrat.pdf"
    assert "contrat.pdf" not in document.fichier.name  # stored under a random name
    client.force_login(certifier)
    response = client.get(reverse("dossiers:document_download", args=[document.pk]))
    assert b"".join(response.streaming_content) == b"%PDF-1.4 contrat"
    assert 'filename="contrat.pdf"' in response["Content-Disposition"]


def test_another_organisme_can_neither_download_nor_deposit(client, dossier, of_user):
    client.force_login(of_user)
    deposit(client, dossier)
    stranger = UserFactory(
        organisation=HabilitationFactory().organisme, roles=[Role.ORGANISME_FORMATION]
    )
    client.force_login(stranger)
    document = Document.objects.get()
    assert client.get(reverse("dossiers:document_download", args=[document.pk])).status_code == 404
    assert deposit(client, dossier).status_code == 404


def test_unexpected_file_types_are_refused(client, dossier, of_user):
    client.force_login(of_user)
    response = deposit(client, dossier, name="script.exe", content=b"MZ")
    assert "Formats acceptés : PDF, JPG, PNG, ODT, DOCX, XLSX, ODS." in response.text
    assert not Document.objects.exists()


def test_the_certifier_validates_or_refuses_with_a_reason(client, dossier, of_user, certifier):
    client.force_login(of_user)
    deposit(client, dossier)
    deposit(client, dossier, name="identite.pdf")
    first, second = Document.objects.all()
    client.force_login(certifier)
    client.post(reverse("dossiers:document_check", args=[first.pk]), {"decision": "valider"})
    response = client.post(
        reverse("dossiers:document_check", args=[second.pk]), {"decision": "refuser"}, follow=True
    )
    assert "Indiquez le motif du refus" in response.text
    client.post(
        reverse("dossiers:document_check", args=[second.pk]),
        {"decision": "refuser", "motif": "Copie illisible"},
    )
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.checked_by) == (DocumentStatus.VALIDE, certifier)
    assert (second.status, second.motif_refus) == (DocumentStatus.REFUSE, "Copie illisible")


def test_an_organisme_cannot_validate_its_own_documents(client, dossier, of_user):
    client.force_login(of_user)
    deposit(client, dossier)
    document = Document.objects.get()
    response = client.post(
        reverse("dossiers:document_check", args=[document.pk]), {"decision": "valider"}, follow=True
    )
    assert "Seul le certificateur valide ou refuse les documents." in response.text
    document.refresh_from_db()
    assert document.status == DocumentStatus.A_VERIFIER
