"""Hostile uploads are refused in French, each read in a child process that stays under 300 MB.

Each file is a few kilobytes (or megabytes of one repeated byte) that asked the worker for
gigabytes: calamine's grid from A1 to XFD1048576, a shared string copied into every cell, zip
bombs, millions of small XML elements the parser kept (issue « Contenus hostiles… »).
"""

import re
from pathlib import Path

from .hostile import (
    element_bomb,
    lying_member,
    ods_repeated,
    run_isolated,
    xlsx,
    xlsx_with_huge_shared_string,
    zip_bomb,
)

PEAK_RSS_MB = 300
RNCP_DATA = Path(__file__).resolve().parents[2] / "referentiels" / "tests" / "data"


def isolated(kind: str, path: Path, **environment: str) -> list[str]:
    result = run_isolated(kind, path, **environment)
    assert result["peak_rss_mb"] < PEAK_RSS_MB, result
    return result["outcome"]


def written(path: Path, content: bytes) -> Path:
    path.write_bytes(content)
    return path


def test_a_single_cell_at_xfd1048576_is_refused_before_calamine_lays_out_512_gb(tmp_path):
    path = written(
        tmp_path / "candidats.xlsx",
        xlsx(b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'),
    )
    assert isolated("candidats", path) == [
        "Ligne 0 : Le classeur s'étend jusqu'à la ligne 1\u202f048\u202f576 : 100\u202f000 lignes au "
        "plus. Découpez le fichier, ou supprimez les lignes et colonnes vides autour des données."
    ]


def test_two_cells_at_a1_and_zz100000_are_refused_before_the_2_8_gb_grid(tmp_path):
    path = written(
        tmp_path / "candidats.xlsx",
        xlsx(
            b'<row r="1"><c r="A1"><v>1</v></c></row><row r="100000"><c r="ZZ100000"><v>1</v></c></row>'
        ),
    )
    [error] = isolated("candidats", path)
    assert "s'étend jusqu'à la colonne ZZ (702e colonne) : 200 colonnes au plus" in error


def test_a_sheet_lying_about_its_dimension_is_measured_by_its_rows(tmp_path):
    # Rows without `r` are counted one after the other, as calamine counts them.
    path = written(
        tmp_path / "candidats.xlsx",
        xlsx(
            b"<row/>" * 120_000 + b"<row><c><v>1</v></c></row>", dimension=b'<dimension ref="A1"/>'
        ),
    )
    [error] = isolated("candidats", path)
    assert "s'étend jusqu'à la ligne 120\u202f001 : 100\u202f000 lignes au plus" in error


def test_a_shared_string_copied_into_thousands_of_cells_is_refused(tmp_path):
    cells = b"".join(
        b'<row r="%d"><c r="A%d" t="s"><v>0</v></c></row>' % (n, n) for n in range(1, 3001)
    )
    path = written(
        tmp_path / "candidats.xlsx",
        xlsx(cells, shared_strings=b"<si><t>" + b"a" * 1_000_000 + b"</t></si>"),
    )
    [error] = isolated("candidats", path)
    assert (
        "Ce classeur répète trop de texte : ses cellules remplies, il dépasserait 200 Mo" in error
    )


def test_a_workbook_unzipping_beyond_the_limit_is_refused_unread(tmp_path):
    path = xlsx_with_huge_shared_string(tmp_path / "candidats.xlsx", 256 * 1024 * 1024)
    [error] = isolated("candidats", path)
    assert "Une fois décompressé, le fichier dépasserait 200 Mo" in error


def test_an_ods_of_repeated_cells_is_refused_for_its_format(tmp_path):
    path = written(tmp_path / "candidats.ods", ods_repeated(100_000, 1_000))
    [error] = isolated("candidats", path)
    assert "Les classeurs .xls et .ods ne sont pas acceptés" in error


def test_a_csv_of_millions_of_empty_cells_is_refused(tmp_path):
    path = written(tmp_path / "candidats.csv", b"Nom;" + b";" * 4_000_000 + b"\n")
    [error] = isolated("candidats", path)
    assert "Le fichier compte plus de 3\u202f000\u202f000 cellules : découpez-le." in error


def test_the_accrochage_holders_file_is_measured_as_well(tmp_path):
    path = written(
        tmp_path / "titulaires.xlsx",
        xlsx(b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'),
    )
    [error] = isolated("titulaires", path)
    # The standalone tool streams the sheet: the row number alone refuses it.
    assert error == "Le classeur compte plus de 400\u202f000 lignes : découpez-le."


def test_a_zip_bomb_for_the_rncp_import_is_refused_on_its_ratio(tmp_path):
    path = zip_bomb(tmp_path / "export.zip", "export.xml", b"<FICHES>", 64 * 1024 * 1024)
    [error] = isolated("rncp", path)
    assert "grossirait plus de 100 fois une fois décompressé" in error


def test_millions_of_elements_outside_the_fiches_do_not_stay_in_memory(tmp_path):
    source = (RNCP_DATA / "export_fiches_RS_V4_1_extrait.xml").read_bytes()
    fiche = re.search(rb"<FICHE>.*?</FICHE>", source, re.DOTALL)[0]
    path = element_bomb(
        tmp_path / "export.xml",
        b"<FICHES><VERSION_FLUX>4.1</VERSION_FLUX><BOMBE>",
        4_000_000,
        b"</BOMBE>" + fiche + b"</FICHES>",
    )
    assert isolated("rncp", path) == [re.search(rb"<NUMERO_FICHE>(\w+)<", fiche)[1].decode()]


def test_a_fiche_of_millions_of_elements_is_refused(tmp_path):
    path = element_bomb(
        tmp_path / "export.xml", b"<FICHES><FICHE>", 2_000_000, b"</FICHE></FICHES>"
    )
    assert isolated("rncp", path) == [
        "Une fiche dépasse 5 Mo : ce n'est pas un export de France compétences."
    ]


def test_millions_of_elements_in_a_processing_report_do_not_stay_in_memory(tmp_path):
    path = element_bomb(
        tmp_path / "accuse.xml",
        b"<rapport><idFlux>flux-1</idFlux><PassagesOK><idTechnique>p-1</idTechnique>",
        3_000_000,
        b"</PassagesOK></rapport>",
    )
    assert isolated("accuse", path) == ["flux-1", "p-1"]


def test_a_member_bigger_than_it_declares_is_refused(tmp_path):
    path = written(tmp_path / "candidats.xlsx", lying_member(20 * 1024 * 1024))
    [error] = isolated("candidats", path)
    assert "est plus gros qu'elle ne le déclare" in error


def test_the_accrochage_holders_file_is_read_no_further_than_its_members_declare(tmp_path):
    path = written(tmp_path / "titulaires.xlsx", lying_member(20 * 1024 * 1024))
    # Python's zipfile stops at the declared 100 bytes: the shared strings end half-way.
    assert isolated("titulaires", path) == [
        "Ce classeur ne peut pas être lu : est-ce bien un fichier Excel (.xlsx) non protégé ?"
    ]
