"""What a spreadsheet may cost is bounded before it is read; a refusal is a French sentence."""

import io
import zipfile

import pytest

from cqpilot.core.cells import CellError, as_date, as_integer, as_text
from cqpilot.core.tabular import Problem, TabularFileError, read_table

from .hostile import lying_member, xlsx


def refusal(content: bytes, name: str = "f.xlsx") -> str:
    with pytest.raises(TabularFileError) as error:
        read_table(io.BytesIO(content), name)
    return str(error.value)


def cell(reference: str, value: str = "1") -> bytes:
    return b'<c r="%s"><v>%s</v></c>' % (reference.encode(), value.encode())


def test_a_workbook_within_the_limits_is_read_with_its_line_numbers():
    table = read_table(
        io.BytesIO(xlsx(b'<row r="1">' + cell("A1") + cell("B1") + b'</row><row r="3">' + cell("B3", "7") + b"</row>")),
        "f.xlsx",
    )  # fmt: skip
    assert table.headers == ["1.0", "1.0"]
    assert table.rows == [(3, ["", 7.0])]


def test_rows_beyond_the_limit_are_refused_with_the_farthest_one(settings):
    settings.IMPORT_MAX_ROWS = 10
    assert refusal(xlsx(b'<row r="11">' + cell("A11") + b"</row>")) == (
        "Le classeur s'étend jusqu'à la ligne 11 : 10 lignes au plus. Découpez le fichier, ou "
        "supprimez les lignes et colonnes vides autour des données."
    )


def test_columns_beyond_the_limit_are_refused_with_their_letters(settings):
    settings.IMPORT_MAX_COLUMNS = 26
    assert "jusqu'à la colonne AA (27e colonne) : 26 colonnes au plus" in refusal(
        xlsx(b'<row r="1">' + cell("AA1") + b"</row>")
    )


def test_a_grid_beyond_the_cell_limit_is_refused(settings):
    settings.IMPORT_MAX_CELLS = 99
    assert "s'étend sur 10 lignes et 10 colonnes, soit 100 cellules : 99 au plus" in refusal(
        xlsx(b'<row r="10">' + cell("J10") + b"</row>")
    )


def test_an_empty_cell_far_away_does_not_count_as_calamine_ignores_it(settings):
    settings.IMPORT_MAX_ROWS = 10
    table = read_table(
        io.BytesIO(xlsx(b'<row r="1">' + cell("A1") + b'</row><row r="5000"><c r="A5000" s="1"/></row>')),
        "f.xlsx",
    )  # fmt: skip
    assert table.headers == ["1.0"]


@pytest.mark.parametrize(
    "rows",
    [
        b"<row/>" * 10 + b"<row><c><v>1</v></c></row>",  # rows without r follow each other
        b'<row r="5"/><row/><row/><row/><row/><row/><row><c><v>1</v></c></row>',
        b'<row r="1"><c r="A11"><v>1</v></c></row>',  # a cell's own r wins over its row's
    ],
)
def test_cells_are_placed_as_calamine_places_them(settings, rows):
    settings.IMPORT_MAX_ROWS = 10
    assert "jusqu'à la ligne 11 : 10 lignes au plus" in refusal(xlsx(rows))


def test_cells_without_reference_follow_each_other_on_their_row(settings):
    settings.IMPORT_MAX_COLUMNS = 3
    row = b'<row r="1"><c r="B1"><v>1</v></c><c/><c><v>1</v></c></row>'
    assert "jusqu'à la colonne D (4e colonne)" in refusal(xlsx(row))


@pytest.mark.parametrize(
    "rows",
    [
        b'<row r="1"><c r="A1"><c/><c r="XFD1"><v>1</v></c></c></row>',  # calamine's own cell
        b'<row r="1">' + cell("A1") + b'</row><c r="XFD1"><v>1</v></c>',
        b'<row r="1"><c r="A1"><is><row r="9"/></is></c></row>',
    ],
)
def test_a_cell_or_row_out_of_place_makes_the_workbook_unreadable(rows):
    assert refusal(xlsx(rows)).startswith("Ce classeur ne peut pas être lu")


def shared(count: int) -> bytes:
    return b"".join(
        b'<row r="%d"><c r="A%d" t="s"><v>0</v></c></row>' % (n, n) for n in range(1, count + 1)
    )


def test_a_shared_string_is_counted_in_every_cell_that_uses_it(settings):
    settings.IMPORT_MAX_UNZIPPED_SIZE = 5000  # the workbook unzips to less
    content = xlsx(shared(40), shared_strings=b"<si><t>" + b"a" * 200 + b"</t></si>")
    assert refusal(content) == (
        "Ce classeur répète trop de texte : ses cellules remplies, il dépasserait 5 Ko. "
        "Découpez-le."
    )


def test_shared_strings_are_numbered_as_calamine_numbers_them(settings):
    """A <si> without text is not a string for calamine: the next one takes its number."""
    settings.IMPORT_MAX_UNZIPPED_SIZE = 5000
    items = b"<si><rPh><t>x</t></rPh></si><si><t>" + b"a" * 200 + b"</t></si>"
    assert "répète trop de texte" in refusal(xlsx(shared(40), shared_strings=items))


def test_a_workbook_unzipping_beyond_the_limit_is_refused(settings):
    settings.IMPORT_MAX_UNZIPPED_SIZE = 1024 * 1024
    content = xlsx(
        b'<row r="1">' + cell("A1") + b"</row>",
        shared_strings=b"<si><t>" + b" " * 2 * 1024 * 1024 + b"</t></si>",
    )
    assert refusal(content) == (
        "Une fois décompressé, le fichier dépasserait 1 Mo : découpez-le, ou vérifiez qu'il "
        "s'agit bien du bon fichier."
    )


def test_a_member_bigger_than_it_declares_is_refused():
    assert refusal(lying_member(2 * 1024 * 1024)) == (
        "Le fichier xl/sharedStrings.xml de l'archive est plus gros qu'elle ne le déclare."
    )


def test_a_member_named_twice_is_refused():
    content = io.BytesIO()
    with zipfile.ZipFile(content, "w") as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"<worksheet/>")
        archive.writestr("XL/worksheets/Sheet1.xml", b"<worksheet/>")
    assert refusal(content.getvalue()) == (
        "L'archive contient deux fois le fichier XL/worksheets/Sheet1.xml."
    )


def test_a_file_beyond_the_upload_limit_is_refused_without_reading_it_all(settings):
    settings.IMPORT_MAX_SIZE = 1024
    assert refusal(b"a;b\n" * 1000, "f.csv") == "Le fichier dépasse 1 Ko."


@pytest.mark.parametrize("name", ["f.ods", "f.xls", "F.ODS"])
def test_ods_and_xls_workbooks_are_refused_for_their_format(name):
    assert refusal(b"whatever", name).startswith(
        "Les classeurs .xls et .ods ne sont pas acceptés : enregistrez le fichier au format "
        "Excel (.xlsx) ou CSV (.csv)"
    )


def test_a_csv_beyond_the_row_limit_is_refused(settings):
    settings.IMPORT_MAX_ROWS = 10
    assert refusal(b"a;b\n" + b"\n" * 10, "f.csv") == (
        "Le fichier compte plus de 10 lignes : découpez-le."
    )


def test_a_csv_row_beyond_the_column_limit_is_refused(settings):
    settings.IMPORT_MAX_COLUMNS = 3
    assert refusal(b"a;b\n1;2;3;4\n", "f.csv") == (
        "La ligne 2 compte 4 colonnes : 3 au plus. Vérifiez le séparateur, ou supprimez les "
        "colonnes inutiles."
    )


@pytest.mark.parametrize("character", ["\x01", "\x00", "\ufffe", "\x1f"])
def test_a_control_character_in_a_cell_is_a_cell_error(character):
    for clean in (as_text, as_date, lambda value: as_integer(value, 0, 9)):
        with pytest.raises(
            CellError, match=rf"caractère de contrôle invisible \(U\+{ord(character):04X}\)"
        ):
            clean(f"1{character}2")


def test_tabs_and_line_breaks_are_no_control_characters():
    assert as_text("Jean\tPierre\r\nMartin", 60) == "Jean Pierre Martin"


def test_a_control_character_never_reaches_a_message():
    assert str(Problem(1, "Nom\x00", "« a\x01 »")) == "Ligne 1, Nom\ufffd : « a\ufffd »"


def test_a_control_character_in_a_header_is_shown_replaced():
    assert read_table(io.BytesIO(b"Nom\x01;Pr\xc3\xa9nom\n"), "f.csv").headers == [
        "Nom\ufffd",
        "Prénom",
    ]
