"""A hostile export (zip bomb, element bomb) is refused in French, and read with flat memory."""

import io
import re
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cqpilot.core.tests.factories import gestionnaire
from cqpilot.referentiels.rncp_parser import RncpFormatError, iter_fiches

RS_FILE = Path(__file__).resolve().parent / "data" / "export_fiches_RS_V4_1_extrait.xml"
FICHE = re.search(rb"<FICHE>.*?</FICHE>", RS_FILE.read_bytes(), re.DOTALL)[0]


def zipped(content: bytes, name: str = "export.xml") -> io.BytesIO:
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, content)
    output.seek(0)
    return output


def numbers(source) -> list[str]:
    return [item.numero for item in iter_fiches(source)]


def test_a_zip_growing_like_a_bomb_is_refused_before_it_is_read():
    bomb = zipped(b"<FICHES>" + b" " * 8 * 1024 * 1024 + b"</FICHES>")
    with pytest.raises(RncpFormatError) as error:
        numbers(bomb)
    assert str(error.value) == (
        "Le fichier export.xml de l'archive grossirait plus de 100 fois une fois décompressé, "
        "ce qu'aucun export réel ne fait : archive refusée."
    )


def test_a_zip_unzipping_beyond_the_limit_is_refused(settings):
    settings.RNCP_MAX_UNZIPPED_SIZE = 1024
    with pytest.raises(RncpFormatError, match="Une fois décompressé, le fichier dépasserait 1 Ko"):
        numbers(zipped(b"<FICHES>" + FICHE + b"</FICHES>"))


def test_a_real_export_zipped_is_read():
    assert numbers(zipped(RS_FILE.read_bytes())) == numbers(RS_FILE)


def test_elements_outside_the_fiches_are_skipped_and_the_fiches_read():
    content = (
        b"<FICHES><VERSION_FLUX>4.1</VERSION_FLUX><BOMBE>" + b"<a><b/></a>" * 200_000
        + b"</BOMBE>" + FICHE + b"<a/>" * 100_000 + FICHE + b"</FICHES>"
    )  # fmt: skip
    numero = re.search(rb"<NUMERO_FICHE>(\w+)<", FICHE)[1].decode()
    assert numbers(io.BytesIO(content)) == [numero, numero]


def test_a_fiche_beyond_5_mb_is_refused():
    content = b"<FICHES><FICHE>" + b"<a/>" * 1_500_000 + b"</FICHE></FICHES>"
    with pytest.raises(RncpFormatError) as error:
        numbers(io.BytesIO(content))
    assert str(error.value) == (
        "Une fiche dépasse 5 Mo : ce n'est pas un export de France compétences."
    )


def test_a_document_whose_root_is_not_fiches_is_refused_without_reading_it_all():
    content = b"<AUTRE>" + b"<a/>" * 2_000_000 + FICHE + b"</AUTRE>"
    with pytest.raises(RncpFormatError, match="l'élément racine <FICHES> est absent"):
        numbers(io.BytesIO(content))


@pytest.mark.django_db
def test_the_import_page_shows_the_refusal_of_a_zip_bomb(client):
    client.force_login(gestionnaire())
    bomb = zipped(b"<FICHES>" + b" " * 8 * 1024 * 1024 + b"</FICHES>").getvalue()
    response = client.post(
        reverse("referentiels:rncp_import"),
        {"fichier": SimpleUploadedFile("export.zip", bomb)},
        follow=True,
    )
    assert response.status_code == 200
    assert "grossirait plus de 100 fois une fois décompressé" in response.text
