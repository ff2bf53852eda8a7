"""Hostile imports and pièces reach the user as French messages in the page or the API body."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cqpilot.api.tests.factories import ApiClient
from cqpilot.core.models import Role
from cqpilot.core.tests.factories import UserFactory
from cqpilot.core.tests.hostile import table_xlsx, xlsx
from cqpilot.dossiers.candidats_import import import_candidats
from cqpilot.dossiers.models import Candidat, Document

from .factories import DossierFactory
from .test_import import HEADERS, person, published_habilitation

pytestmark = pytest.mark.django_db


@pytest.fixture
def of_user():
    """An OF habilitated for RNCP39912, whose published version has blocs BC01 and BC02."""
    organisme = published_habilitation().organisme
    return UserFactory(organisation=organisme, roles=[Role.ORGANISME_FORMATION])


def csv_file(rows: list[dict]) -> io.BytesIO:
    lines = [";".join(HEADERS)] + [";".join(str(row[h]) for h in HEADERS) for row in rows]
    return io.BytesIO("\n".join(lines).encode())


def test_the_import_page_shows_the_refusal_of_a_workbook_beyond_the_row_limit(client, of_user):
    client.force_login(of_user)
    content = xlsx(b'<row r="150000"><c r="A150000"><v>1</v></c></row>')
    response = client.post(
        reverse("dossiers:candidat_import"),
        {"fichier": SimpleUploadedFile("candidats.xlsx", content)},
        follow=True,
    )
    assert response.status_code == 200
    assert (
        "Ligne 0 : Le classeur s&#x27;étend jusqu&#x27;à la ligne 150\u202f000 : 100\u202f000 "
        "lignes au plus." in response.text
    )


def test_the_import_form_refuses_a_file_beyond_the_upload_limit(client, of_user, settings):
    settings.IMPORT_MAX_SIZE = 1024 * 1024
    client.force_login(of_user)
    response = client.post(
        reverse("dossiers:candidat_import"),
        {"fichier": SimpleUploadedFile("candidats.csv", b"a" * (2 * 1024 * 1024))},
    )
    assert "Le fichier pèse 2 Mo : 1 Mo au plus. Découpez-le." in response.text


@pytest.mark.parametrize("character", ["\x01", "\ufffe"])
def test_a_control_character_in_a_csv_cell_is_an_error_of_its_line_and_column(of_user, character):
    rows = [person(0, "RNCP39912"), person(1, "RNCP39912", **{"Prénom": f"Lé{character}a"})]
    record = import_candidats(csv_file(rows), "candidats.csv", by=of_user)
    assert not record.committed
    assert record.errors == [
        f"Ligne 3, Prénom : caractère de contrôle invisible (U+{ord(character):04X}) : "
        "retirez-le (retapez la cellule)."
    ]
    assert not Candidat.objects.exists()


@pytest.mark.parametrize("character", ["\x01", "\x00"])
def test_a_control_character_escaped_in_an_xlsx_cell_is_an_error_too(of_user, character):
    """Excel writes U+0001 as _x0001_; calamine unescapes it, NUL included (PostgreSQL refuses
    NUL in a text, which made this a 500)."""
    values = person(0, "RNCP39912", **{"Nom de naissance": f"Dur{character}and"})
    content = table_xlsx([HEADERS, [str(values[h]) for h in HEADERS]])
    record = import_candidats(io.BytesIO(content), "candidats.xlsx", by=of_user)
    assert record.errors == [
        f"Ligne 2, Nom de naissance : caractère de contrôle invisible (U+{ord(character):04X}) : "
        "retirez-le (retapez la cellule)."
    ]


def test_a_piece_beyond_the_limit_is_refused_on_the_page(client, of_user, settings, tmp_path):
    settings.MEDIA_ROOT, settings.PIECE_MAX_SIZE = tmp_path, 1024 * 1024
    dossier = DossierFactory(organisme=of_user.organisation)
    client.force_login(of_user)
    response = client.post(
        reverse("dossiers:document_add", args=[dossier.pk]),
        {"type": "contrat", "fichier": SimpleUploadedFile("contrat.pdf", b"%" * 1_600_000)},
        follow=True,
    )
    assert "Le fichier pèse 1,5 Mo : 1 Mo au plus." in response.text
    assert "PDF, image ou document bureautique, 1 Mo au plus." in response.text
    assert not Document.objects.exists()


def test_a_piece_beyond_the_limit_is_refused_by_the_api(of_user, settings, tmp_path):
    settings.MEDIA_ROOT, settings.PIECE_MAX_SIZE = tmp_path, 1024 * 1024
    dossier = DossierFactory(organisme=of_user.organisation)
    response = ApiClient(of_user).client.post(
        f"/api/v1/dossiers/{dossier.pk}/pieces",
        {"type": "contrat", "fichier": SimpleUploadedFile("contrat.pdf", b"%" * 1_600_000)},
    )
    assert response.status_code == 422
    assert response.json()["detail"] == "Le fichier pèse 1,5 Mo : 1 Mo au plus."
    assert not Document.objects.exists()
