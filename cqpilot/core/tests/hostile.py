"""Hostile files, built by hand in the test's folder: a few kilobytes that ask for gigabytes.

Large ones are streamed to disk, never built in memory. `run_isolated` reads one in a child
process, so that a blow-up kills the child only; the child reports what it read and its peak RSS.
"""

import io
import json
import os
import struct
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
MAIN = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"
PACKAGE = b"http://schemas.openxmlformats.org/package/2006/relationships"
DOCUMENT = b"http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def xlsx(sheet_data: bytes, *, shared_strings: bytes = b"", dimension: bytes = b"") -> bytes:
    """A minimal workbook whose single sheet holds `sheet_data` (the rows of <sheetData>)."""
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as archive:
        _write_package(archive, sheet_data, dimension)
        if shared_strings:
            archive.writestr("xl/sharedStrings.xml", _sst(shared_strings))
    return output.getvalue()


def table_xlsx(rows: list[list[str]]) -> bytes:
    """A workbook of these rows of text, written as Excel writes what openpyxl refuses: a
    control character as _x0001_ (which calamine reads back as U+0001)."""

    def text(value: str) -> bytes:
        escaped = "".join(f"_x{ord(c):04X}_" if ord(c) < 32 else c for c in value)
        return escaped.replace("&", "&amp;").replace("<", "&lt;").encode()

    return xlsx(
        b"".join(
            b'<row r="%d">%s</row>'
            % (line, b"".join(b'<c t="inlineStr"><is><t>%s</t></is></c>' % text(v) for v in row))
            for line, row in enumerate(rows, start=1)
        )
    )


def xlsx_with_huge_shared_string(path: Path, size: int) -> Path:
    """A workbook whose one shared string is `size` spaces, streamed into the archive."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        _write_package(archive, b'<row r="1"><c r="A1" t="s"><v>0</v></c></row>', b"")
        with archive.open("xl/sharedStrings.xml", "w", force_zip64=True) as member:
            member.write(b'<sst xmlns="' + MAIN + b'"><si><t>')
            _write_repeated(member, b" ", size)
            member.write(b"</t></si></sst>")
    return path


def lying_member(size: int) -> bytes:
    """A workbook whose shared strings declare 100 bytes (and the checksum of their first 100)
    but unzip to `size`: Python's zipfile would stop at 100, a reader trusting the stream not."""
    items = b"<si><t>" + b"a" * size + b"</t></si>"
    data = bytearray(xlsx(b'<row r="1"><c r="A1" t="s"><v>0</v></c></row>', shared_strings=items))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = archive.getinfo("xl/sharedStrings.xml")
        crc = zlib.crc32(archive.read(info)[:100])
        entry = archive.start_dir  # the central directory: one 46-byte record + name per member
    struct.pack_into("<L", data, info.header_offset + 14, crc)
    struct.pack_into("<L", data, info.header_offset + 22, 100)
    while True:
        name_length, extra_length, comment_length = struct.unpack_from("<3H", data, entry + 28)
        if data[entry + 46 : entry + 46 + name_length] == b"xl/sharedStrings.xml":
            break
        entry += 46 + name_length + extra_length + comment_length
    struct.pack_into("<L", data, entry + 16, crc)
    struct.pack_into("<L", data, entry + 24, 100)
    return bytes(data)


def _sst(items: bytes) -> bytes:
    return b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="' + MAIN + b'">' + items + b"</sst>"


def _write_package(archive: zipfile.ZipFile, sheet_data: bytes, dimension: bytes) -> None:
    archive.writestr(
        "[Content_Types].xml",
        b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
        b'package/2006/content-types"><Default Extension="rels" ContentType="application/'
        b'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType='
        b'"application/xml"/></Types>',
    )
    archive.writestr(
        "_rels/.rels",
        b'<Relationships xmlns="' + PACKAGE + b'"><Relationship Id="rId1" Type="' + DOCUMENT
        + b'/officeDocument" Target="xl/workbook.xml"/></Relationships>',
    )  # fmt: skip
    archive.writestr(
        "xl/workbook.xml",
        b'<workbook xmlns="' + MAIN + b'" xmlns:r="' + DOCUMENT + b'"><sheets>'
        b'<sheet name="Feuille" sheetId="1" r:id="rId1"/></sheets></workbook>',
    )  # fmt: skip
    archive.writestr(
        "xl/_rels/workbook.xml.rels",
        b'<Relationships xmlns="' + PACKAGE + b'"><Relationship Id="rId1" Type="' + DOCUMENT
        + b'/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
    )  # fmt: skip
    archive.writestr(
        "xl/worksheets/sheet1.xml",
        b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="' + MAIN + b'">' + dimension
        + b"<sheetData>" + sheet_data + b"</sheetData></worksheet>",
    )  # fmt: skip


def ods_repeated(rows: int, columns: int) -> bytes:
    """An OpenDocument sheet of one text cell repeated `columns` times on `rows` rows: 1 KB."""
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:'
        'names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:'
        'xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:'
        'body><office:spreadsheet><table:table table:name="F"><table:table-row table:number-rows'
        f'-repeated="{rows}"><table:table-cell table:number-columns-repeated="{columns}" office:'
        'value-type="string"><text:p>x</text:p></table:table-cell></table:table-row></table:table>'
        "</office:spreadsheet></office:body></office:document-content>"
    )
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "mimetype",
            "application/vnd.oasis.opendocument.spreadsheet",
            compress_type=zipfile.ZIP_STORED,
        )
        archive.writestr("content.xml", content)
    return output.getvalue()


def zip_bomb(path: Path, name: str, head: bytes, size: int, tail: bytes = b"") -> Path:
    """A zip whose member `name` is `head`, `size` spaces and `tail`: about 1,000 times smaller."""
    with (
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive,
        archive.open(name, "w", force_zip64=True) as member,
    ):
        member.write(head)
        _write_repeated(member, b" ", size)
        member.write(tail)
    return path


def element_bomb(
    path: Path, head: bytes, count: int, tail: bytes, element: bytes = b"<a/>"
) -> Path:
    """An XML file of `head`, `count` small elements and `tail`, streamed to disk."""
    with path.open("wb") as output:
        output.write(head)
        batch = element * 100_000
        for _ in range(count // 100_000):
            output.write(batch)
        output.write(element * (count % 100_000))
        output.write(tail)
    return path


def _write_repeated(output, byte: bytes, size: int) -> None:
    block = byte * (1024 * 1024)
    for _ in range(size // len(block)):
        output.write(block)
    output.write(byte * (size % len(block)))


# What the child runs for each kind of file: it sets `outcome` to a list of strings.
READERS = {
    "candidats": """
from cqpilot.dossiers.candidats_import import check_file
with open(path, "rb") as file:
    outcome = [str(e) for e in check_file(file, path.name, by=None).errors]
""",
    "titulaires": """
from cqpilot.accrochage.autonome.sheet import SheetRefused, opened_sheet
try:
    with open(path, "rb") as file, opened_sheet(file, path.name) as sheet:
        outcome = [str(line) for line, _cells in sheet.rows]
except SheetRefused as refusal:
    outcome = [str(refusal)]
""",
    "rncp": """
from cqpilot.referentiels.rncp_parser import RncpFormatError, iter_fiches
try:
    outcome = [getattr(item, "numero", "") or str(item) for item in iter_fiches(path)]
except RncpFormatError as error:
    outcome = [str(error)]
""",
    "accuse": """
from cqpilot.accrochage.rapport import RapportError, parse_rapport
try:
    with open(path, "rb") as file:
        rapport = parse_rapport(file)
    outcome = [rapport.id_flux, *rapport.accepted]
except RapportError as error:
    outcome = [str(error)]
""",
}
CHILD = """
import json, resource, sys
from pathlib import Path
# Whatever goes wrong, the child cannot take the machine with it.
resource.setrlimit(resource.RLIMIT_AS, (1536 * 2**20, 1536 * 2**20))
from cqpilot import repository_guard
repository_guard.install()
import django
django.setup()
path = Path(sys.argv[1])
{reader}
# The peak of this process's memory since its exec: getrusage's ru_maxrss would also count
# the parent's, which Linux carries over the exec (a pytest process can be 500 MB).
with open("/proc/self/status") as status:
    peak_kb = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
print(json.dumps({{"outcome": outcome, "peak_rss_mb": peak_kb / 1024}}))
"""


def run_isolated(kind: str, path: Path, **environment: str) -> dict:
    """Read `path` as the app reads a file of `kind`, in a child process; what it read (errors
    or items) and its peak RSS. A child that crashes fails the test with its stderr."""
    child = subprocess.run(
        [sys.executable, "-c", CHILD.format(reader=READERS[kind]), str(path)],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "cqpilot.settings_tests", **environment},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert child.returncode == 0, f"the child died ({child.returncode}): {child.stderr[-2000:]}"
    return json.loads(child.stdout.strip().splitlines()[-1])
