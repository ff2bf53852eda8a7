"""The standalone tool's files: split under the CDC's limits, validated as they are written, the
NIR of the 2026 generation, and `verifier` saying in French what is wrong with any file."""

import io
import re
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from cqpilot.accrochage.autonome import writer
from cqpilot.accrochage.flux import read_flux
from cqpilot.accrochage.models import DepotAutonome, FluxAutonome
from cqpilot.accrochage.schema import schema_errors
from cqpilot.core.tests.factories import gestionnaire

from .test_standalone import HEADERS, holder, messages, run, xlsx

REFERENCE = "cqpilot/accrochage/tests/data/exemple-flux-1.1.2.xml"
# libxml2's own words: none may reach a user.
ENGLISH = re.compile(r"Element|element|facet|not accepted|is not a valid|Expected|Missing|urn:cdc")


def _nir(body: str) -> str:
    return body + f"{97 - int(body) % 97:02d}"


def command_xml(tmp_path, rows, *options, headers=None) -> io.StringIO:
    source = tmp_path / "titulaires.xlsx"
    source.write_bytes(xlsx(rows, headers).getvalue())
    out = io.StringIO()
    call_command(
        "accrochage", "xml", str(source), "--id-client", "AB123CDE", "--id-contrat", "1",
        "-o", str(tmp_path / "flux.xml"), *options, stdout=out, stderr=io.StringIO(),
    )  # fmt: skip
    return out


def test_the_command_line_splits_the_files_under_the_cdc_limits(tmp_path, monkeypatch):
    monkeypatch.setattr(writer, "MAX_PASSAGES", 3)
    rows = [holder(i) for i in range(5)] + [
        holder(i, **{"Code de la certification": "RS6117"}) for i in range(5, 8)
    ]
    out = command_xml(tmp_path, rows)

    paths = sorted(tmp_path.glob("flux-*.xml"))
    assert [p.name for p in paths] == ["flux-1.xml", "flux-2.xml", "flux-3.xml"]
    written = [
        [(ref.code, p.titulaire.nom_naissance[-1]) for ref, p in read_flux(p)] for p in paths
    ]
    assert written == [
        [("RNCP39912", "0"), ("RNCP39912", "1"), ("RNCP39912", "2")],
        [("RNCP39912", "3"), ("RNCP39912", "4"), ("RS6117", "5")],
        [("RS6117", "6"), ("RS6117", "7")],
    ]
    ids = re.findall(r"idFlux (cqpilot-\S+)\)", out.getvalue())
    assert len(set(ids)) == 3 and [i[-2:] for i in ids] == ["-1", "-2", "-3"]
    assert all(schema_errors(p) == [] for p in paths)
    assert not list(tmp_path.glob(".*"))  # no spool left behind


def test_a_file_is_split_before_200_mb(tmp_path, monkeypatch):
    one = writer.passage_line("x" * 40, {**_values(), "nom_naissance": "N" * 20})
    monkeypatch.setattr(writer, "MAX_BYTES", 1500 + 2 * len(one))
    command_xml(tmp_path, [holder(i) for i in range(5)])
    sizes = [p.stat().st_size for p in sorted(tmp_path.glob("flux-*.xml"))]
    assert len(sizes) == 3 and max(sizes) <= 1500 + 2 * len(one)


def _values() -> dict:
    from datetime import date

    return {
        "obtention": "PAR_ADMISSION",
        "date_debut_validite": date(2026, 10, 15),
        "prenom1": "Élodie",
        "sexe": "F",
        "annee_naissance": 1980,
        "code_insee_naissance": "69123",
    }


def faults_of(tmp_path, rows: list[dict]) -> list[tuple[int, str]]:
    """What validation says of passages written straight, the sheet's checks left aside."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    head = writer.Head(
        datetime(2026, 11, 1, tzinfo=ZoneInfo("Europe/Paris")), "AB123CDE", "AB123CDE", "1"
    )
    files = writer.FluxFiles(tmp_path, head, id_flux="f")
    for line, values in enumerate(rows, start=2):
        files.add("RNCP39912", line, f"id-{line}", writer.passage_text(f"id-{line}", values))
    return files.close()[1]


def test_a_part_shared_by_passages_is_validated_with_the_first_and_each_holder_with_his_own(
    tmp_path,
):
    holder = {**_values(), "nom_naissance": "Martin"}
    valid = faults_of(tmp_path, [holder, {**holder, "prenom1": "Zoé"}])
    wrong_score = {**holder, "scoring": "9" * 300}  # the XSD: 255 characters at most
    wrong_name = {**holder, "nom_naissance": "N" * 61}

    shared = faults_of(tmp_path, [wrong_score, {**wrong_score, "prenom1": "Zoé"}])
    holder_alone = faults_of(tmp_path, [holder, wrong_name])

    assert valid == []
    assert [line for line, _message in shared] == [2]  # the part is checked once, with line 2
    assert "<scoring> : 300 caractères, 255 au plus" in shared[0][1]
    assert [line for line, _message in holder_alone] == [3]
    assert "<nomNaissance> : 61 caractères, 60 au plus" in holder_alone[0][1]


def test_what_is_left_of_a_passage_is_validated_against_the_schema_s_own_declarations(tmp_path):
    """Once its certification's data and birth place were validated with another passage, a
    passage's idTechnique and holder are validated against their declarations in the XSD."""
    holder = {**_values(), "nom_naissance": "Martin"}
    rows = [holder, {**holder, "prenom1": "P" * 61}, {**holder, "sexe": "X"}, holder, holder]
    files = writer.FluxFiles(
        tmp_path, writer.Head(datetime_now(), "AB123CDE", "AB123CDE", "1"), id_flux="f"
    )
    for line, values, id_technique in zip(
        range(2, 7), rows, ["id-2", "id-3", "id-4", "i" * 256, ""], strict=True
    ):
        files.add("RNCP39912", line, id_technique, writer.passage_text(id_technique, values))
    faults = files.close()[1]

    assert [line for line, _message in faults] == [3, 4, 5, 6]
    assert "<prenom1> : 61 caractères, 60 au plus" in faults[0][1]
    assert "<sexe> : « X » n'est pas une valeur possible" in faults[1][1]
    assert "<idTechnique> : 256 caractères, 255 au plus" in faults[2][1]
    assert "<idTechnique> : vide" in faults[3][1]
    assert not any(ENGLISH.search(message) for _line, message in faults)
    assert not list(tmp_path.glob("*.xml"))


def datetime_now():
    from datetime import datetime
    from zoneinfo import ZoneInfo

    return datetime(2026, 11, 1, tzinfo=ZoneInfo("Europe/Paris"))


@pytest.mark.django_db
def test_the_page_offers_the_split_files_in_one_zip(client, settings, tmp_path, monkeypatch):
    settings.MEDIA_ROOT = tmp_path
    monkeypatch.setattr(writer, "MAX_PASSAGES", 2)
    client.force_login(gestionnaire())
    response = client.post(
        reverse("accrochage:standalone"),
        {"titulaires": SimpleUploadedFile("t.xlsx", xlsx([holder(i) for i in range(5)]).getvalue()),
         "id_client": "AB123CDE", "id_contrat": "1", "version_schema": "1.1.2"},
        follow=True,
    )  # fmt: skip
    assert "5 passages en 3 fichiers conformes au schéma de la Caisse des Dépôts" in response.text
    depot = DepotAutonome.objects.get()
    archive = client.get(reverse("accrochage:standalone_zip", args=[depot.pk]))
    with zipfile.ZipFile(io.BytesIO(b"".join(archive.streaming_content))) as files:
        names = sorted(files.namelist())
        assert names == sorted(f"{f.id_flux}.xml" for f in FluxAutonome.objects.all())
        counts = [len(list(read_flux(io.BytesIO(files.read(name))))) for name in names]
    assert counts == [2, 2, 1]


def test_the_2026_generation_names_the_holder_by_his_nir(tmp_path):
    headers = [*HEADERS, "NIR"]
    nir = _nir("2800169123456")  # a woman born in January 1980 in the Rhône
    command_xml(tmp_path, [holder(0, NIR=nir)], "--schema", "2026", headers=headers)
    path = tmp_path / "flux.xml"
    assert schema_errors(path, "2026") == []
    [(_ref, passage)] = read_flux(path)
    assert (passage.titulaire.nir13, passage.titulaire.nom_naissance) == (
        nir[:13],
        "Lefèvre-N'Diaye0",
    )
    assert b"<cpf:action>CREATION</cpf:action>" in path.read_bytes()


def test_a_temporary_nir_is_never_sent_the_identity_is(tmp_path):
    """A NIA (7 or 8) is refused by the CDC's schema: it blocked the whole file in English."""
    headers = [*HEADERS, "NIR"]
    nia = _nir("7800169123456")
    result, content = run([holder(0, NIR=nia), holder(1)], headers, schema="2026")
    assert result.errors == []
    assert messages(result.warnings)[0] == (
        "Ligne 2, NIR : NIR provisoire (il commence par 7) : la Caisse des Dépôts ne le connaît "
        "pas ; le titulaire est transmis par son identité (nom, prénom, sexe, naissance)."
    )
    [(_r, first), _second] = read_flux(io.BytesIO(content))
    assert (first.titulaire.nir13, first.titulaire.prenom1) == ("", "Élodie")
    assert nia[:13].encode() not in content


def test_a_nir_is_checked_against_the_holder(tmp_path):
    headers = [*HEADERS, "NIR"]
    result, _content = run([holder(0, NIR="180016912345600")], headers, schema="2026")
    assert messages(result.errors) == [
        "Ligne 2, NIR : la clé du NIR est fausse : vérifiez chaque chiffre."
    ]
    result, _content = run([holder(0, NIR=_nir("1800169123456"))], headers, schema="2026")
    assert messages(result.errors) == [
        "Ligne 2, NIR : le NIR ne correspond pas au sexe indiqué (1er chiffre)."
    ]


def test_nirs_are_not_sent_with_the_1_1_2_schema(tmp_path):
    headers = [*HEADERS, "NIR"]
    result, content = run([holder(0, NIR=_nir("2800169123456"))], headers)
    assert b"identifiantNational" not in content
    assert (
        "Ligne 1, NIR : les NIR ne sont transmis qu'avec le schéma 2026"
        in messages(result.warnings)[-1]
    )


@pytest.mark.django_db
def test_a_file_of_nirs_leaves_only_after_the_password_again(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(gestionnaire())
    content = xlsx([holder(0, NIR=_nir("2800169123456"))], [*HEADERS, "NIR"]).getvalue()
    client.post(
        reverse("accrochage:standalone"),
        {"titulaires": SimpleUploadedFile("t.xlsx", content), "id_client": "AB123CDE",
         "id_contrat": "1", "version_schema": "2026"},
    )  # fmt: skip
    flux, depot = FluxAutonome.objects.get(), DepotAutonome.objects.get()
    for url in (
        reverse("accrochage:standalone_download", args=[flux.pk]),
        reverse("accrochage:standalone_zip", args=[depot.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/compte/confirmer/")


# --- verifier ---------------------------------------------------------------------------------


def verify(path, *options) -> str:
    out = io.StringIO()
    call_command("accrochage", "verifier", str(path), *options, stdout=out)
    return out.getvalue()


def test_the_cdc_example_is_found_conform():
    assert "est conforme au schéma 1.1.2 de la Caisse des Dépôts (3 passages)" in verify(REFERENCE)


def test_a_file_with_a_doctype_is_refused(tmp_path):
    """No entity was resolved, but the file was said « conforme »: the CDC would read it its
    own way."""
    content = Path(REFERENCE).read_bytes()
    path = tmp_path / "flux.xml"
    path.write_bytes(
        content.replace(b"?>", b'?>\n<!DOCTYPE flux [<!ENTITY nom "Dupont">]>', 1).replace(
            b"<cpf:nomNaissance>", b"<cpf:nomNaissance>&nom;", 1
        )
    )
    with pytest.raises(CommandError, match=r"contient une déclaration DOCTYPE"):
        verify(path)


def test_an_entity_and_a_schema_fault_are_refused_without_crashing(tmp_path):
    """libxml2 answered « Internal error in XML Schema validation »."""
    content = Path(REFERENCE).read_bytes()
    path = tmp_path / "flux.xml"
    path.write_bytes(
        content.replace(b"?>", b'?>\n<!DOCTYPE flux [<!ENTITY x "y">]>', 1)
        .replace(b"<cpf:nomNaissance>", b"<cpf:nomNaissance>&x;", 1)
        .replace(b"<cpf:sexe>M</cpf:sexe>", b"<cpf:sexe>X</cpf:sexe>", 1)
    )
    with pytest.raises(CommandError, match=r"DOCTYPE") as refused:
        verify(path)
    assert not ENGLISH.search(str(refused.value))


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (b"<cpf:sexe>M</cpf:sexe>", b"<cpf:sexe>X</cpf:sexe>",
         "<sexe> : « X » n'est pas une valeur possible (M, F)."),
        (b"<cpf:anneeNaissance>1996", b"<cpf:anneeNaissance>31996",
         "<anneeNaissance> : « 31996 » dépasse la valeur maximale (2099)."),
        (b"<cpf:sexe>M</cpf:sexe>", b"",
         "<titulaire> : élément manquant ; attendu ici : <sexe>, <codePaysNaissance> ou "
         "<commentairesMEN>."),
        (b"<cpf:donneeCertifiee>true", b"<cpf:donneeCertifiee>oui",
         "<donneeCertifiee> : « oui » n'est pas true ou false."),
        (b"<cpf:idContrat>", b"<cpf:idContrat>" + b"x" * 30,
         "<idContrat> : 44 caractères, 20 au plus."),
    ],
)  # fmt: skip
def test_verifier_says_what_is_wrong_in_french(tmp_path, old, new, expected):
    path = tmp_path / "flux.xml"
    path.write_bytes(Path(REFERENCE).read_bytes().replace(old, new, 1))
    with pytest.raises(CommandError) as refused:
        verify(path)
    assert str(refused.value).endswith(expected)
    assert "non conforme au schéma de la Caisse des Dépôts" in str(refused.value)
    assert not ENGLISH.search(str(refused.value))


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"<cpf:flux><a></b></cpf:flux>", "n'est pas un XML bien formé"),
        (b"", "n'est pas un XML bien formé"),
        (b"<rapport/>", "l'élément racine <rapport> n'est pas celui d'un fichier d'accrochage"),
    ],
)
def test_what_is_not_a_cdc_file_is_told_in_french(tmp_path, content, expected):
    path = tmp_path / "flux.xml"
    path.write_bytes(content)
    with pytest.raises(CommandError) as refused:
        verify(path)
    assert expected in str(refused.value)
    assert not ENGLISH.search(str(refused.value))


def test_the_rejected_holders_of_a_report_are_written_with_their_ids(tmp_path):
    from openpyxl import load_workbook

    command_xml(tmp_path, [holder(0), holder(1)])
    flux = tmp_path / "flux.xml"
    ids = [p.id_technique for _r, p in read_flux(flux)]
    id_flux = re.search(rb"<cpf:idFlux>([^<]+)<", flux.read_bytes())[1].decode()
    accuse = tmp_path / "accuse.xml"
    accuse.write_text(
        f"<rapport><idFlux>{id_flux}</idFlux><PassagesOK><idTechnique>{ids[0]}</idTechnique>"
        f"</PassagesOK><PassagesKO><passage><idTechnique>{ids[1]}</idTechnique><messageErreur>"
        "Aucun titulaire ne correspond</messageErreur></passage></PassagesKO></rapport>"
    )
    call_command(
        "accrochage", "rejetes", str(flux), str(accuse), "-o", str(tmp_path / "r.xlsx"),
        stdout=io.StringIO(),
    )  # fmt: skip
    sheet = load_workbook(tmp_path / "r.xlsx").active
    assert [sheet["A2"].value, sheet["C2"].value, sheet.cell(row=2, column=sheet.max_column).value] == [
        ids[1], "Lefèvre-N'Diaye1", "Aucun titulaire ne correspond"
    ]  # fmt: skip
    assert sheet.max_row == 2
