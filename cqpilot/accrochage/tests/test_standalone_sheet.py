"""Reading the holders sheet as a stream: rows read by pattern as spreadsheets write them, the
rest by lxml, both alike; large workbooks in a child process; hostile ones refused in French."""

import io
import zipfile
from datetime import date, datetime

import pytest
from openpyxl import Workbook

from cqpilot.accrochage.autonome import sheet, sheet_child
from cqpilot.accrochage.autonome import xlsx as xlsx_reader
from cqpilot.accrochage.autonome.sheet import Limits, SheetRefused, opened_sheet
from cqpilot.core.tests.hostile import MAIN, lying_member, xlsx

LIMITS = Limits(size=50 * 2**20, rows=1000, columns=200, unzipped=200 * 2**20)


def read(content: bytes, name: str = "t.xlsx", limits: Limits = LIMITS) -> list:
    with opened_sheet(io.BytesIO(content), name, limits) as table:
        return [(0, table.headers), *table.rows]


def read_with_lxml(content: bytes) -> list:
    """The same workbook, every row and shared string read by lxml (the patterns disabled)."""

    def unusual(*args, **kwargs):
        raise xlsx_reader.Unusual

    originals = xlsx_reader.plain_rows, xlsx_reader.plain_shared_strings
    xlsx_reader.plain_rows = xlsx_reader.plain_shared_strings = unusual
    try:
        return read(content)
    finally:
        xlsx_reader.plain_rows, xlsx_reader.plain_shared_strings = originals


def openpyxl_workbook() -> bytes:
    workbook = Workbook()
    rows = workbook.active
    rows.append(["Code", "Nom", "Date", "Nombre", "Formule", "Vrai"])
    rows.append(["RNCP1", "A & B <c> \"d\" 'e'", date(2020, 1, 2), 1.5, "=1+1", True])
    rows.append(["RNCP1", "x\ty", datetime(2020, 1, 2, 10, 30), 12, None, False])
    rows["C5"] = "seule"
    rows["F7"] = 3
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def shared_strings_workbook(sheet_data: bytes) -> bytes:
    strings = b"<si><t>Code</t></si><si><t>Nom</t></si><si><t xml:space='preserve'> Zo&amp;la </t></si><si><r><t>Ri</t></r><r><rPr><b/></rPr><t>che</t></r></si>"
    return xlsx(sheet_data, shared_strings=strings)


EXCEL_ROWS = (
    b'<row r="1" spans="1:2"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>'
    b'<row r="2"><c r="A2" s="3" t="s"><v>2</v></c><c r="B2" t="s"><v>3</v></c></row>'
    b'<row r="4"><c r="B4" t="str"><f>A1&amp;"x"</f><v>a&amp;b&#233;</v></c><c r="C4" s="1"/>'
    b'<c r="D4" t="b"><v>1</v></c><c r="E4" t="e"><v>#N/A</v></c></row>'
)


@pytest.mark.parametrize(
    "content",
    [
        openpyxl_workbook(),
        shared_strings_workbook(EXCEL_ROWS),
        # attributes in another order, a cell without its reference: lxml reads that row
        shared_strings_workbook(
            EXCEL_ROWS + b'<row r="5"><c t="s" r="A5"><v>0</v></c><c><v>7</v></c></row>'
        ),
        # rows out of order: lxml reads the sheet from there
        shared_strings_workbook(EXCEL_ROWS + b'<row r="3"><c r="A3"><v>1</v></c></row>'),
        # a comment in the rows: lxml reads the sheet
        shared_strings_workbook(b"<!-- x -->" + EXCEL_ROWS),
        # plain shared strings, as Excel writes them: read by pattern
        xlsx(
            EXCEL_ROWS,
            shared_strings=b'<si><t>Code</t></si><si><t xml:space="preserve"> Zo&amp;la &#233;</t>'
            b"</si><si><t/></si><si><t>a_x000D_b &lt;c&gt;</t></si>",
        ),
    ],
    ids=["openpyxl", "excel", "unusual-row", "unordered", "comment", "plain-strings"],
)
def test_rows_read_by_pattern_are_the_rows_lxml_reads(content):
    assert read(content) == read_with_lxml(content)


def test_values_are_typed_as_excel_shows_them():
    rows = read(openpyxl_workbook())
    assert rows[1:] == [
        (2, ["RNCP1", "A & B <c> \"d\" 'e'", date(2020, 1, 2), 1.5, None, True]),
        (3, ["RNCP1", "x\ty", datetime(2020, 1, 2, 10, 30), 12, None, False]),
        (5, [None, None, "seule"]),
        (7, [None, None, None, None, None, 3]),
    ]
    excel = read(shared_strings_workbook(EXCEL_ROWS))
    assert excel == [
        (0, ["Code", "Nom"]),
        (2, [" Zo&la ", "Riche"]),
        (4, [None, "a&bé", None, True, "#N/A"]),
    ]


def test_a_large_workbook_is_read_by_a_child_process_alike(monkeypatch):
    content = shared_strings_workbook(
        EXCEL_ROWS
        + b"".join(
            b'<row r="%d"><c r="A%d" t="s"><v>2</v></c><c r="B%d"><v>%d</v></c></row>'
            % (line, line, line, line)
            for line in range(10, 1200)
        )
    )
    in_process = read(content, limits=Limits(50 * 2**20, 2000, 200, 200 * 2**20))
    monkeypatch.setattr(sheet, "CHILD_THRESHOLD", 0)
    spawned = []
    original = sheet_child.subprocess.Popen
    monkeypatch.setattr(
        sheet_child.subprocess, "Popen", lambda *a, **k: spawned.append(a) or original(*a, **k)
    )
    assert read(content, limits=Limits(50 * 2**20, 2000, 200, 200 * 2**20)) == in_process
    assert len(spawned) == 1 and len(in_process) == 1193


def test_a_refusal_in_the_child_process_reaches_the_user(monkeypatch):
    monkeypatch.setattr(sheet, "CHILD_THRESHOLD", 0)
    content = xlsx(b'<row r="1"><c r="A1"><v>1</v></c><c r="HZ1"><v>1</v></c></row>')
    with pytest.raises(SheetRefused, match=r"colonne HZ \(234e colonne\) : 200 colonnes au plus"):
        read(content)


def test_a_start_tag_of_millions_of_attributes_is_refused_before_lxml_holds_it():
    """libxml2 takes 30 times the size of such a tag before it gives up."""
    attributes = b" ".join(b'a%d=""' % i for i in range(200_000))
    content = xlsx(b'<row r="1"><c r="A1" ' + attributes + b"><v>1</v></c></row>")
    with pytest.raises(SheetRefused, match=r"balise ou texte de plus de 1 Mo"):
        read(content)


def test_an_inline_string_of_thousands_of_runs_is_refused():
    runs = b"<r><t>x</t></r>" * 20_000
    content = xlsx(b'<row r="1"><c r="A1" t="inlineStr"><is>' + runs + b"</is></c></row>")
    with pytest.raises(SheetRefused, match=r"élément de plus de 10000 éléments"):
        read(content)


def test_a_sheet_of_more_rows_than_allowed_is_refused():
    content = xlsx(
        b'<row r="1"><c r="A1"><v>1</v></c></row><row r="5000"><c r="A5000"><v>1</v></c></row>'
    )
    with pytest.raises(SheetRefused, match=r"plus de 1\u202f000 lignes"):
        read(content)


def test_a_workbook_unzipping_beyond_the_limit_is_refused():
    content = xlsx(
        b'<row r="1"><c r="A1" t="inlineStr"><is><t>' + b"x" * 200_000 + b"</t></is></c></row>"
    )
    with pytest.raises(SheetRefused, match=r"Une fois décompressé, le fichier dépasserait"):
        read(content, limits=Limits(50 * 2**20, 1000, 200, 100_000))


def test_a_member_bigger_than_it_declares_is_refused():
    with pytest.raises(SheetRefused, match=r"ne peut pas être lu"):
        read(lying_member(2 * 1024 * 1024))


def test_a_doctype_in_a_sheet_is_refused():
    content = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(xlsx(b""))) as source, zipfile.ZipFile(content, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = (
                    b'<!DOCTYPE w [<!ENTITY x "Dupont">]><worksheet xmlns="' + MAIN + b'">'
                    b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&x;</t></is></c>'
                    b"</row></sheetData></worksheet>"
                )
            target.writestr(item, data)
    with pytest.raises(SheetRefused, match=r"ne peut pas être lu"):
        read(content.getvalue())


@pytest.mark.parametrize(
    ("content", "encoding"),
    [("Code;Nom\nRNCP1;Zoé\n", "utf-8"), ("Code;Nom\r\nRNCP1;Zoé\r\n", "cp1252")],
)
def test_a_csv_is_read_as_a_stream_in_its_encoding(content, encoding):
    assert read(content.encode(encoding), "t.csv") == [(0, ["Code", "Nom"]), (2, ["RNCP1", "Zoé"])]


def test_the_child_process_reads_the_upload_not_a_file_of_the_same_name(monkeypatch, tmp_path):
    """An upload kept in memory is named as the user named it: never a path to open."""
    monkeypatch.setattr(sheet, "CHILD_THRESHOLD", 0)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "titulaires.xlsx").write_bytes(openpyxl_workbook())
    upload = io.BytesIO(shared_strings_workbook(EXCEL_ROWS))
    upload.name = "titulaires.xlsx"
    with opened_sheet(upload, upload.name, LIMITS) as table:
        assert table.headers == ["Code", "Nom"]
