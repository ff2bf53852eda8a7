"""Hostile holders files and processing reports reach the user as French messages, never a 500."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cqpilot.accrochage.autonome.generation import CdcIds, generate
from cqpilot.accrochage.models import FluxAutonome
from cqpilot.accrochage.rapport import RapportError, parse_rapport
from cqpilot.core.tests.factories import gestionnaire
from cqpilot.core.tests.hostile import table_xlsx, xlsx

from .test_depots import build_files, due, issued
from .test_standalone import HEADERS, holder
from .test_standalone import xlsx as holders_xlsx


def test_the_standalone_page_shows_the_refusal_of_a_workbook_beyond_the_limits(client, db):
    client.force_login(gestionnaire())
    content = xlsx(b'<row r="1"><c r="A1"><v>1</v></c><c r="GS1"><v>1</v></c></row>')
    response = client.post(
        reverse("accrochage:standalone"),
        {"titulaires": SimpleUploadedFile("t.xlsx", content), "id_client": "AB123CDE", "id_contrat": "1"},
    )  # fmt: skip
    assert response.status_code == 200
    assert "Le classeur s&#x27;étend jusqu&#x27;à la colonne GS (201e colonne)" in response.text
    assert not FluxAutonome.objects.exists()


@pytest.mark.parametrize(
    ("name", "character"), [("t.xlsx", "\x01"), ("t.xlsx", "\x00"), ("t.csv", "\ufffe")]
)
def test_a_control_character_in_a_holder_is_an_error_of_its_line_and_column(
    name, character, tmp_path
):
    """lxml and the CDC's schema refuse it: the file was written, then failed with a 500."""
    rows = [HEADERS] + [
        [str(row[h]) for h in HEADERS]
        for row in (holder(0), holder(1, **{"Prénom": f"Élo{character}die"}))
    ]
    if name.endswith(".csv"):
        content = "\n".join(";".join(row) for row in rows).encode()
    else:
        content = table_xlsx(rows)
    result = generate(io.BytesIO(content), name, directory=tmp_path, ids=CdcIds("AB123CDE", "1"))
    assert [str(e) for e in result.errors] == [
        f"Ligne 3, Prénom : caractère de contrôle invisible (U+{ord(character):04X}) : "
        "retirez-le (retapez la cellule)."
    ]
    assert list(tmp_path.iterdir()) == []


def report_page(client, tmp_path, settings) -> str:
    settings.MEDIA_ROOT = tmp_path
    client.force_login(gestionnaire())
    client.post(
        reverse("accrochage:standalone"),
        {"titulaires": SimpleUploadedFile("t.xlsx", holders_xlsx([holder(0)]).getvalue()),
         "id_client": "AB123CDE", "id_contrat": "1"},
    )  # fmt: skip
    return reverse("accrochage:standalone_detail", args=[FluxAutonome.objects.get().pk])


def test_a_report_beyond_the_limit_is_refused_on_the_standalone_page(
    client, db, settings, tmp_path
):
    url = report_page(client, tmp_path, settings)
    settings.ACCUSE_MAX_SIZE = 1024 * 1024
    accuse = b"<rapport>" + b" " * 2 * 1024 * 1024 + b"</rapport>"
    response = client.post(url, {"accuse": SimpleUploadedFile("a.xml", accuse)}, follow=True)
    assert (
        "Le fichier pèse 2 Mo : 1 Mo au plus. Est-ce bien un accusé de traitement de la CDC ?"
        in response.text
    )
    assert FluxAutonome.objects.get().rapport is None


def test_a_report_beyond_the_limit_is_refused_on_the_deposits_page(client, db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    s, _ = issued()
    [fichier] = build_files(s.branche, due(s.branche), by=s.gestionnaire)
    settings.ACCUSE_MAX_SIZE = 1024 * 1024
    client.force_login(s.gestionnaire)
    response = client.post(
        reverse("accrochage:fichier_rapport", args=[fichier.pk]),
        {"accuse": SimpleUploadedFile("a.xml", b"<rapport>" + b" " * 2 * 1024 * 1024 + b"</rapport>")},
        follow=True,
    )  # fmt: skip
    assert "Le fichier pèse 2 Mo : 1 Mo au plus." in response.text


def test_a_report_is_read_whatever_its_chunks():
    passages = "".join(f"<idTechnique>p-{n}</idTechnique>" for n in range(20_000))
    kos = "".join(
        f"<passage><idTechnique>k-{n}</idTechnique><messageErreur>Non</messageErreur></passage>"
        for n in range(5_000)
    )
    content = (
        f"<ns2:Rapport xmlns:ns2='urn:cdc'><ns2:IDFLUX>f</ns2:IDFLUX><PassagesKO>{kos}"
        f"</PassagesKO><passagesok>{passages}</passagesok><erreurs><erreur><type>XSD</type>"
        "<message>Non</message></erreur></erreurs></ns2:Rapport>"
    ).encode()
    rapport = parse_rapport(io.BytesIO(content))
    assert rapport.id_flux == "f"
    assert rapport.accepted == [f"p-{n}" for n in range(20_000)]
    assert list(rapport.rejected) == [f"k-{n}" for n in range(5_000)]
    assert rapport.file_errors == ["XSD : Non"]


def test_a_passage_of_thousands_of_elements_is_refused():
    content = (
        b"<rapport><PassagesKO><passage>" + b"<a/>" * 200_000 + b"</passage></PassagesKO></rapport>"
    )
    with pytest.raises(RapportError, match="un de ses passages compte plus de 100 éléments"):
        parse_rapport(io.BytesIO(content))
