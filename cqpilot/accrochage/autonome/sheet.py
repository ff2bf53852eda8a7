"""Reading the holders sheet as a stream: one row at a time, whatever the number of rows.

A certifier's yearly holders make files of hundreds of thousands of rows, which calamine would
lay out whole (300 MB for 200,000 rows of 20 columns) and core.workbooks would measure in 40 s
before it. Here the xlsx is read by lxml, one row at a time, each row deleted once read: memory
holds the shared strings and one row, time is one pass over the file. Nothing is laid out as a
grid, and no shared string is copied: what is bounded is the file's size and rows, its members
once unzipped (core.uploads, which checks them as they inflate), a start tag or a text
(1 Mo without a « < »: libxml2 takes 30 times the size of a tag of millions of attributes before
it gives up), a row (4 Mo) and the columns.

Whatever the user uploads, the outcome is rows or a SheetRefused with a French message.
"""

import codecs
import contextlib
import csv
import dataclasses
import datetime as datetime_module
import functools
import io
import itertools
import json
import logging
import os
import pickle
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
import zlib
from array import array
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import BinaryIO

from lxml import etree

from cqpilot.core.cells import printable
from cqpilot.core.uploads import UploadRefused, check_zip, megabytes, size_of, thousands

logger = logging.getLogger(__name__)
UNREADABLE = "Ce classeur ne peut pas être lu : est-ce bien un fichier Excel (.xlsx) non protégé ?"
MAX_GAP = (
    1024 * 1024
)  # bytes between two « < »: a start tag or a text; Excel's cells hold 32,767 characters
SHARED_STRINGS = "xl/sharedStrings.xml"
MAX_ROW = 4 * 1024 * 1024  # bytes of one row
MAX_CHILDREN = 10_000  # of an element inside a row or a shared string: a cell has a few
PIECE = 64 * 1024
ROW_BYTES = 2_000  # a row of the template, unzipped, is under 1 Ko
CSV_SEPARATORS = (";", ",", "\t", "|")
ESCAPED = re.compile(r"_x([0-9A-Fa-f]{4})_")  # how Excel writes a control character in a string
# Excel's built-in number formats that show a date (ECMA-376, 18.8.30).
DATE_FORMATS = {14, 15, 16, 17, 18, 19, 20, 21, 22, 27, 30, 36, 45, 46, 47, 50, 57}
DATE_CODE = re.compile(r"[dmyhs]", re.IGNORECASE)
NOT_IN_CODE = re.compile(r'"[^"]*"|\[[^\]]*\]|\\.')
VALUE_TAGS = frozenset(
    f"{{{namespace}}}v"
    for namespace in (
        "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
        "http://purl.oclc.org/ooxml/spreadsheetml/main",  # Strict Open XML
    )
)


class SheetRefused(Exception):
    """The file cannot be read as a sheet of holders; the message says why, in French."""


@dataclass(frozen=True)
class Limits:
    size: int
    rows: int
    columns: int
    unzipped: int

    @classmethod
    def from_settings(cls) -> "Limits":
        from django.conf import settings  # not in the child process that reads the workbook

        rows = settings.ACCROCHAGE_MAX_ROWS
        return cls(
            size=settings.IMPORT_MAX_SIZE,
            rows=rows,
            columns=settings.IMPORT_MAX_COLUMNS,
            unzipped=max(settings.IMPORT_MAX_UNZIPPED_SIZE, rows * ROW_BYTES),
        )


@dataclass
class Sheet:
    headers: list[str]
    rows: Iterator[tuple[int, list[object]]]  # (line in the file, cell values), non-empty rows


@contextmanager
def opened_sheet(file: BinaryIO, filename: str, limits: Limits | None = None) -> Iterator[Sheet]:
    """The sheet's header and an iterator over its rows, read while the block runs."""
    limits = limits or Limits.from_settings()
    name = filename.lower()
    if name.endswith((".xls", ".ods")):
        raise SheetRefused(
            "Les classeurs .xls et .ods ne sont pas acceptés : enregistrez le fichier au format "
            "Excel (.xlsx) ou CSV (.csv), depuis Excel ou LibreOffice (« Enregistrer sous »)."
        )
    try:
        if size_of(file) > limits.size:
            raise SheetRefused(f"Le fichier dépasse {megabytes(limits.size)} : découpez-le.")
        if name.endswith((".xlsx", ".xlsm")):
            if size_of(file) > CHILD_THRESHOLD:
                rows = _rows_from_child(file, limits)
            else:
                rows = _workbook_rows(file, limits)
        elif name.endswith((".csv", ".txt")):
            rows = _csv_rows(file, limits)
        else:
            raise SheetRefused(
                "Format non reconnu : déposez un classeur Excel (.xlsx) ou un fichier CSV (.csv)."
            )
        rows = _refusing(rows)
        for _line, cells in rows:
            headers = [_header(cell) for cell in cells]
            break
        else:
            raise SheetRefused("Le fichier est vide.")
        yield Sheet(headers, rows)
    except UploadRefused as refusal:
        raise SheetRefused(str(refusal)) from refusal
    finally:
        if "rows" in locals():
            rows.close()  # a child process reading the sheet stops now


def _header(cell: object) -> str:
    return "" if cell is None else printable(str(cell).strip())


def _refusing(rows: Iterator) -> Iterator:
    """The rows, a refusal met while reading them becoming a SheetRefused."""
    try:
        yield from rows
    except UploadRefused as refusal:
        raise SheetRefused(str(refusal)) from refusal


def _has_content(cells: list[object]) -> bool:
    return any(cell is not None and cell != "" and str(cell).strip() for cell in cells)


# --- xlsx ------------------------------------------------------------------------------------


def _workbook_rows(file: BinaryIO, limits: Limits) -> Iterator[tuple[int, list[object]]]:
    try:
        archive = zipfile.ZipFile(file)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as error:
        raise SheetRefused(UNREADABLE) from error
    # Declared sizes are bounded here; zipfile reads a member up to its declared size and checks
    # its checksum there, so a member cannot unzip to more than it declares.
    check_zip(archive, max_size=limits.unzipped)
    members = {info.filename.lower().lstrip("/"): info for info in archive.infolist()}

    def chunks(name: str) -> Iterator[bytes]:
        info = members.get(name.lower().lstrip("/"))
        if info is None:
            return
        try:
            with archive.open(info) as member:
                while chunk := member.read(1024 * 1024):
                    yield chunk
        except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as error:
            raise SheetRefused(f"Le fichier {info.filename} du classeur est endommagé.") from error

    sheet, date1904 = _first_sheet(chunks)
    if sheet.lower() not in members:
        raise SheetRefused(UNREADABLE)
    dates = _date_styles(chunks("xl/styles.xml"))
    strings = (
        _shared_strings(chunks(SHARED_STRINGS), limits)
        if SHARED_STRINGS.lower() in members
        else SharedStrings()
    )
    read = 0  # rows given so far: lxml reads them again in the same order
    try:
        for row in _plain_rows(chunks(sheet), strings, dates, date1904, limits):
            yield row
            read += 1
    except _Unusual:
        rows = _sheet_rows(chunks(sheet), strings, dates, date1904, limits)
        yield from itertools.islice(rows, read, None)


def _elements(
    chunks: Iterable[bytes], root_tag: str, tag: str, *, max_children: int
) -> Iterator[etree._Element]:
    """The elements named `tag` (a local name), each once complete, while every element read is
    deleted: the tree holds the path to the element being read and that element, whose own
    children are bounded to `max_children` (a row's cells) and theirs to MAX_CHILDREN."""
    parser = etree.XMLPullParser(
        events=("start", "end"),
        tag=[f"{{*}}{root_tag}", f"{{*}}{tag}"],
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    root, gaps = None, _Gaps()
    try:
        for piece in itertools.chain(_pieces(chunks), [None]):
            if piece is None:
                parser.close()
            else:
                gaps.check(piece)
                parser.feed(piece)
            for event, element in parser.read_events():
                if root is None:
                    root = element
                    if root.getroottree().docinfo.doctype:  # its entities, read our way
                        raise SheetRefused(UNREADABLE)
                elif event == "end" and element is not root:
                    yield element
            if root is not None:
                _prune(root, tag, max_children)
    except etree.XMLSyntaxError as error:
        raise SheetRefused(UNREADABLE) from error


class _Gaps:
    """Refuses more than MAX_GAP bytes without a « < »: every start tag and every text is
    bounded, before libxml2 builds it. Checked on pieces of PIECE bytes."""

    def __init__(self) -> None:
        self.gap = 0

    def check(self, piece: bytes) -> None:
        first = piece.find(b"<")
        if (self.gap + len(piece) if first < 0 else self.gap + first) > MAX_GAP:
            raise SheetRefused(f"{UNREADABLE} (balise ou texte de plus de 1 Mo)")
        self.gap = self.gap + len(piece) if first < 0 else len(piece) - 1 - piece.rfind(b"<")


def _pieces(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """Chunks cut small: the tree is pruned between two, and holds what one piece describes."""
    for chunk in chunks:
        for start in range(0, len(chunk), PIECE):
            yield chunk[start : start + PIECE]


def _prune(root: etree._Element, tag: str, max_children: int) -> None:
    """Delete every complete element read so far but the last one, down the path being read;
    inside the `tag` element being read, only count."""
    node = root
    while len(node):
        if _local(node) == tag:
            break
        del node[:-1]
        node = node[-1]
    else:
        return
    limit = max_children
    while True:
        if len(node) > limit:
            raise SheetRefused(f"{UNREADABLE} (élément de plus de {limit} éléments)")
        if not len(node):
            return
        node, limit = node[-1], MAX_CHILDREN


def _local(element: etree._Element) -> str:
    tag = element.tag
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def _small_xml(chunks: Iterator[bytes], limit: int = 8 * 1024 * 1024) -> etree._Element | None:
    """A small part of the workbook (its list of sheets, their links, its styles), whole."""
    data = bytearray()
    for chunk in chunks:
        data += chunk
        if len(data) > limit:
            raise SheetRefused(UNREADABLE)
    if not data:
        return None
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )
    try:
        return etree.fromstring(bytes(data), parser)
    except etree.XMLSyntaxError as error:
        raise SheetRefused(UNREADABLE) from error


def _first_sheet(chunks) -> tuple[str, bool]:
    """The path of the workbook's first sheet (the one a user sees first, as calamine reads it)
    and whether its dates count from 1904."""
    workbook = _small_xml(chunks("xl/workbook.xml"))
    if workbook is None:
        raise SheetRefused(UNREADABLE)
    date1904 = any(e.get("date1904") in ("1", "true") for e in workbook.iter("{*}workbookPr"))
    sheets = list(workbook.iter("{*}sheet"))
    relations = _small_xml(chunks("xl/_rels/workbook.xml.rels"))
    if sheets and relations is not None:
        wanted = next((v for k, v in sheets[0].attrib.items() if k.endswith("}id")), None)
        for relation in relations.iter("{*}Relationship"):
            target = relation.get("Target")
            if relation.get("Id") == wanted and target:
                return (target[1:] if target.startswith("/") else f"xl/{target}"), date1904
    return "xl/worksheets/sheet1.xml", date1904


def _date_styles(chunks: Iterator[bytes]) -> frozenset[str]:
    """The cell styles (their number, as written in a cell's s) that show a number as a date."""
    styles = _small_xml(chunks)
    if styles is None:
        return frozenset()
    custom = {}
    for number_format in styles.iter("{*}numFmt"):
        custom[number_format.get("numFmtId", "")] = number_format.get("formatCode", "")
    dated = set()
    for cell_formats in styles.iter("{*}cellXfs"):
        for index, xf in enumerate(cell_formats.iterfind("{*}xf")):
            number = xf.get("numFmtId", "0")
            code = custom.get(number)
            if (number.isdigit() and int(number) in DATE_FORMATS) or (
                code is not None and DATE_CODE.search(NOT_IN_CODE.sub("", code))
            ):
                dated.add(str(index))
        break
    return frozenset(dated)


def _text(element: etree._Element) -> str:
    """A string item's text (<si> or <is>): its <t>, or its runs' <t>, phonetic runs aside."""
    text = "".join(t.text or "" for t in element.iter("{*}t") if _local(t.getparent()) != "rPh")
    return ESCAPED.sub(lambda m: chr(int(m[1], 16)), text) if "_x" in text else text


class SharedStrings:
    """The workbook's shared strings, kept as one UTF-8 block: 200,000 distinct names take
    5 Mo so, 19 Mo as Python strings. The first ones (headers, choices: the repeated values
    a workbook lists first) are kept decoded."""

    KEPT = 4096

    def __init__(self) -> None:
        self.block = bytearray()
        self.ends = array("Q")
        self.kept: list[str] = []

    def append(self, text: str) -> None:
        if len(self.kept) < self.KEPT:
            self.kept.append(text)
        self.block += text.encode("utf-8", "surrogatepass")
        self.ends.append(len(self.block))

    def __len__(self) -> int:
        return len(self.ends)

    def __getitem__(self, index: int) -> str:
        if index < self.KEPT:
            return self.kept[index]
        if index < 0:
            raise IndexError(index)
        return self.block[self.ends[index - 1] : self.ends[index]].decode("utf-8", "surrogatepass")


def _shared_strings(chunks: Iterator[bytes], limits: Limits) -> SharedStrings:
    strings = SharedStrings()
    for item in _elements(chunks, "sst", "si", max_children=MAX_CHILDREN):
        if _local(item) != "si":
            continue
        strings.append(_text(item))
        item.clear()
        if len(strings.block) > limits.unzipped or len(strings) > limits.rows * limits.columns:
            raise SheetRefused(
                f"Ce classeur compte trop de textes : plus de {megabytes(limits.unzipped)}. "
                "Découpez-le."
            )
    return strings


# --- The rows as spreadsheets write them, read without building their elements -------------------

# Excel, LibreOffice and the libraries that write xlsx all write a sheet's rows alike: reading
# them with a pattern costs a third of building each cell as an element. What does not match is
# read by lxml: a row, or the whole sheet when its layout is unusual (`_Unusual`).
SHEET_DATA = re.compile(rb"<sheetData\s*(/?)>")
ROW = re.compile(rb"<row((?:\s[^<>/]*)?)(?:/>|>([^<]*(?:<(?!/row>)[^<]*)*)</row>)")
ROW_NUMBER = re.compile(rb'\sr="([0-9]{1,7})"')
CELL = re.compile(
    rb'<c r="([A-Z]{1,3})[0-9]{1,7}"(?: s="([0-9]{1,6})")?(?: t="([a-zA-Z]{1,9})")?'
    rb"(?:/>|>(?:<f(?:\s[^<>]*)?/>|<f(?:\s[^<>]*)?>[^<]*</f>)?"
    rb'(?:<v>([^<]*)</v>|<v/>|<is><t(?: xml:space="preserve")?>([^<]*)</t></is>)?</c>)'
    rb"|(<)"
)
ENTITIES = {b"&amp;": "&", b"&lt;": "<", b"&gt;": ">", b"&quot;": '"', b"&apos;": "'"}
ENTITY = re.compile(rb"&(?:amp|lt|gt|quot|apos|#[0-9]{1,7}|#x[0-9a-fA-F]{1,6});")
MAIN_NAMESPACES = (
    b"http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    b"http://purl.oclc.org/ooxml/spreadsheetml/main",
)


class _Unusual(Exception):
    """The sheet is not laid out as the pattern reads it: lxml reads it."""


def _plain_rows(chunks, strings, dates, date1904, limits) -> Iterator[tuple[int, list[object]]]:
    pending = b""
    started = False
    namespace = b""
    letters: dict[bytes, int] = {}
    previous = 0
    gaps = _Gaps()
    for chunk in chunks:
        for start in range(0, len(chunk), PIECE):
            gaps.check(chunk[start : start + PIECE])
        pending += chunk
        if not started:
            found = SHEET_DATA.search(pending)
            if found is None:
                if len(pending) > MAX_GAP:
                    raise _Unusual
                continue
            head = pending[: found.start()]
            if b"<!" in head or b"<?" in head[2:]:
                raise _Unusual  # a DOCTYPE, a comment or a CDATA: for lxml
            namespace = next((n for n in MAIN_NAMESPACES if b'xmlns="' + n + b'"' in head), b"")
            if not namespace:
                raise _Unusual  # a prefixed or other namespace
            if found[1]:
                return  # <sheetData/>: no rows
            started, pending = True, pending[found.end() :]
        end = pending.find(b"</sheetData>")
        cut = end if end >= 0 else pending.rfind(b"</row>") + len(b"</row>")
        if cut < len(b"</row>"):
            if len(pending) > MAX_ROW:
                raise SheetRefused(f"{UNREADABLE} (ligne de plus de 4 Mo)")
            continue
        block, pending = pending[:cut], pending[cut:]
        for line, cells in _block_rows(
            block, previous, strings, dates, date1904, limits, letters, namespace
        ):
            previous = line
            yield line, cells
        if end >= 0:
            return
    if not started or pending.strip():
        raise _Unusual


def _block_rows(block, previous, strings, dates, date1904, limits, letters, namespace):
    if b"<!" in block or b"<?" in block:
        raise _Unusual
    position = 0
    kept, first_kept = strings.kept, len(strings.kept)
    for row in ROW.finditer(block):
        if block[position : row.start()].strip():
            raise _Unusual  # something else than rows between them
        position = row.end()
        number = ROW_NUMBER.search(row[1])
        line = int(number[1]) if number else previous + 1
        if line <= previous:
            raise _Unusual  # rows out of order: lxml reads them as they come
        if line > limits.rows:
            raise SheetRefused(
                f"Le classeur compte plus de {thousands(limits.rows)} lignes : découpez-le."
            )
        content = row[2]
        if not content:
            previous = line
            continue
        cells: list[object] = []
        for name, style, kind, value, inline, other in CELL.findall(content):
            if other:  # an inline string, a formula's unusual layout…: lxml reads the row
                cells = _row_with_lxml(row[0], namespace, strings, dates, date1904, limits)
                break
            column = letters.get(name)
            if column is None:
                column = _column_number(name.decode(), letters, limits.columns)
                letters[name] = column
            if not value:
                if not inline:
                    continue
                value, kind = inline, b"str"
            try:
                if kind == b"s":
                    index = int(value)
                    text = kept[index] if 0 <= index < first_kept else strings[index]
                elif not kind or kind == b"n":
                    number = float(value)
                    if dates and style.decode() in dates:
                        text = _excel_date(number, date1904)
                    elif number.is_integer() and -1e15 < number < 1e15:
                        text = int(number)
                    else:
                        text = number
                else:
                    text = _typed(_unescaped(value), kind.decode())
            except (ValueError, IndexError) as error:
                raise SheetRefused(UNREADABLE) from error
            width = len(cells)
            if column == width + 1:
                cells.append(text)
            elif column > width:
                cells.extend([None] * (column - width - 1))
                cells.append(text)
            else:
                cells[column - 1] = text
        previous = line
        if cells and _has_content(cells):
            yield line, cells
    if block[position:].strip():
        raise _Unusual


def _unescaped(value: bytes) -> str:
    if b"&" in value:
        if len(ENTITY.findall(value)) != value.count(b"&"):
            raise _Unusual  # an entity other than XML's own
        value = ENTITY.sub(lambda m: _entity(m[0]).encode(), value)
    return value.decode()


def _entity(reference: bytes) -> str:
    if reference in ENTITIES:
        return ENTITIES[reference]
    number = reference[2:-1]
    code = int(number[1:], 16) if number[:1] in (b"x", b"X") else int(number)
    if not 0 < code < 0x110000:
        raise _Unusual
    return chr(code)


def _row_with_lxml(row: bytes, namespace: bytes, strings, dates, date1904, limits):
    """A row the pattern does not read, read by lxml alone, with the same bounds."""
    sheet = b'<worksheet xmlns="' + namespace + b'"><sheetData>' + row + b"</sheetData></worksheet>"
    for _line, cells in _sheet_rows([sheet], strings, dates, date1904, limits):
        return cells
    return []


def _sheet_rows(chunks, strings, dates, date1904, limits) -> Iterator[tuple[int, list[object]]]:
    letters: dict[str, int] = {}
    line = 0
    for row in _elements(chunks, "worksheet", "row", max_children=limits.columns):
        if _local(row) != "row":
            continue
        number = row.get("r")
        line = line + 1 if number is None or not number.isdigit() else int(number)
        if line > limits.rows:
            raise SheetRefused(
                f"Le classeur compte plus de {thousands(limits.rows)} lignes : découpez-le."
            )
        cells = _row_cells(row, strings, dates, date1904, letters, limits.columns)
        row.clear()
        if cells and _has_content(cells):
            yield line, cells


def _row_cells(row, strings, dates, date1904, letters, columns) -> list[object]:
    """A row's values by column. The loop runs once per cell of the file: kept plain."""
    cells: list[object] = []
    kept, first_kept = strings.kept, len(strings.kept)
    column = 0
    for cell in row:
        reference = cell.get("r")
        if reference is None:
            column += 1
        else:
            name = reference.rstrip("0123456789")
            column = letters.get(name) or _column_number(name, letters, columns)
        kind = cell.get("t")
        if kind == "inlineStr":
            value = _text(cell)
        else:
            if len(cell) == 1 and (child := cell[0]).tag in VALUE_TAGS:
                value = child.text
            else:
                value = _value_of(cell)
            if value is None:
                continue
            try:
                if kind == "s":
                    index = int(value)
                    value = kept[index] if 0 <= index < first_kept else strings[index]
                elif kind is None or kind == "n":
                    number = float(value)
                    if dates and cell.get("s") in dates:
                        value = _excel_date(number, date1904)
                    elif number.is_integer() and -1e15 < number < 1e15:
                        value = int(number)
                    else:
                        value = number
                else:
                    value = _typed(value, kind)
            except (ValueError, IndexError) as error:
                raise SheetRefused(UNREADABLE) from error
        width = len(cells)
        if column == width + 1:
            cells.append(value)
        elif column > width:
            cells.extend([None] * (column - width - 1))
            cells.append(value)
        else:
            cells[column - 1] = value
    return cells


def _value_of(cell) -> str | None:
    for child in cell:
        if child.tag in VALUE_TAGS or _local(child) == "v":
            return child.text
    return None


def _column_number(name: str, letters: dict[str, int], columns: int) -> int:
    if not name.isalpha() or len(name) > 3:
        raise SheetRefused(UNREADABLE)
    number = 0
    for letter in name.upper():
        number = number * 26 + ord(letter) - 64
    if number > columns:
        raise SheetRefused(
            f"Le classeur s'étend jusqu'à la colonne {name.upper()} ({thousands(number)}e "
            f"colonne) : {columns} colonnes au plus. Supprimez les colonnes vides ou inutiles."
        )
    letters[name] = number
    return number


def _typed(value: str, kind: str) -> object:
    """A value of another type than a shared string or a number."""
    if kind in ("str", "e"):
        return ESCAPED.sub(lambda m: chr(int(m[1], 16)), value) if "_x" in value else value
    if kind == "b":
        return value.strip() in ("1", "true")
    if kind == "d":
        moment = datetime.fromisoformat(value.strip())
        return moment.date() if moment.time() == datetime.min.time() else moment
    raise ValueError(kind)


@functools.lru_cache(maxsize=4096)  # a sheet repeats its dates: one object each, sent once
def _excel_date(serial: float, date1904: bool) -> object:
    if not 0 <= serial < 2_958_466:  # Excel's dates end on 31/12/9999
        return serial
    if date1904:
        start = date(1904, 1, 1)
    elif serial < 61:  # Excel's 1900 counts a 29 February 1900 that never was
        start = date(1899, 12, 31)
    else:
        start = date(1899, 12, 30)
    day = start + timedelta(days=int(serial))
    fraction = serial - int(serial)
    if fraction:
        moment = datetime.combine(day, datetime.min.time())
        return moment + timedelta(seconds=round(fraction * 86400))
    return day


# --- Reading in a child process ---------------------------------------------------------------

# A workbook beyond this size is read by a child process, which sends its rows to this one: the
# two work at once (reading the XML of a sheet is half the time of the whole), and a workbook that
# would take more memory than it should is stopped there, the child's memory being capped.
CHILD_THRESHOLD = 1024 * 1024
CHILD_MEMORY = 1536 * 1024 * 1024
ROWS_PER_MESSAGE = 500
CHILD = """
import resource, sys
resource.setrlimit(resource.RLIMIT_AS, ({memory}, {memory}))
from cqpilot.accrochage.autonome.sheet import serve_child
serve_child(sys.argv[1], sys.argv[2])
"""
ROOT = Path(__file__).resolve().parents[3]


def serve_child(path: str, limits: str) -> None:
    """The child's side: the rows of the workbook at `path`, pickled on the standard output."""
    output = pickle.Pickler(sys.stdout.buffer, protocol=pickle.HIGHEST_PROTOCOL)
    batch: list = []
    try:
        with open(path, "rb") as file:
            for row in _workbook_rows(file, Limits(**json.loads(limits))):
                batch.append(row)
                if len(batch) == ROWS_PER_MESSAGE:
                    output.dump(("rows", batch))
                    output.clear_memo()
                    batch = []
        output.dump(("rows", batch))
        output.dump(("end", None))
    except (SheetRefused, UploadRefused) as refusal:
        output.dump(("refused", str(refusal)))
    except MemoryError:
        output.dump(("refused", f"{UNREADABLE} (il demanderait trop de mémoire)"))
    sys.stdout.buffer.flush()


class _RowsOnly(pickle.Unpickler):
    """What the child sends is rows of plain values and dates: nothing else is rebuilt."""

    def find_class(self, module: str, name: str):
        if module == "datetime" and name in ("date", "datetime"):
            return getattr(datetime_module, name)
        raise pickle.UnpicklingError(f"{module}.{name}")


def _rows_from_child(file: BinaryIO, limits: Limits) -> Iterator[tuple[int, list[object]]]:
    with contextlib.ExitStack() as stack:
        path = _path_of(file, stack)
        errors = stack.enter_context(tempfile.TemporaryFile())
        environment = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), *sys.path])}
        child = subprocess.Popen(
            [
                sys.executable,
                "-c",
                CHILD.format(memory=CHILD_MEMORY),
                path,
                json.dumps(dataclasses.asdict(limits)),
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=errors,
            env=environment,
            cwd=ROOT,
        )
        stack.callback(_stop, child)
        while True:
            try:  # one unpickler a message: the child clears its memo after each
                kind, data = _RowsOnly(child.stdout).load()
            except (EOFError, pickle.UnpicklingError, ValueError) as error:
                errors.seek(0)
                logger.warning("Lecture du classeur interrompue : %s", errors.read()[-2000:])
                raise SheetRefused(f"{UNREADABLE} (lecture interrompue)") from error
            if kind == "rows":
                yield from data
            elif kind == "refused":
                raise SheetRefused(data)
            else:
                return


def _stop(child: subprocess.Popen) -> None:
    child.stdout.close()
    if child.poll() is None:
        child.kill()
    child.wait()


def _path_of(file: BinaryIO, stack: contextlib.ExitStack) -> str:
    """A path the child can open: the upload's own file when it has one, else a copy."""
    if hasattr(file, "temporary_file_path"):
        return file.temporary_file_path()
    if isinstance(file, io.BufferedReader | io.FileIO) and isinstance(file.name, str):
        # The file itself, not another one of the same name (an upload's name is the user's).
        path, opened = os.path.abspath(file.name), os.fstat(file.fileno())
        with contextlib.suppress(OSError):
            if os.path.samestat(opened, os.stat(path)):
                return path
    copy = stack.enter_context(tempfile.NamedTemporaryFile(suffix=".xlsx"))  # noqa: SIM115
    file.seek(0)
    shutil.copyfileobj(file, copy)
    copy.flush()
    return copy.name


# --- csv -------------------------------------------------------------------------------------


def _csv_rows(file: BinaryIO, limits: Limits) -> Iterator[tuple[int, list[object]]]:
    encoding = _csv_encoding(file, limits)
    file.seek(0)
    text = io.TextIOWrapper(file, encoding=encoding, newline="")
    try:
        first = text.readline(1024 * 1024)
        if "\x00" in first:
            raise SheetRefused(
                "Ce fichier CSV contient des caractères binaires : est-ce bien un CSV ?"
            )
        separator = max(CSV_SEPARATORS, key=first.count)
        lines = itertools.chain([first], text)
        try:
            for number, row in enumerate(csv.reader(lines, delimiter=separator), start=1):
                if number > limits.rows:
                    raise SheetRefused(
                        f"Le fichier compte plus de {thousands(limits.rows)} lignes : découpez-le."
                    )
                if len(row) > limits.columns:
                    raise SheetRefused(
                        f"La ligne {number} compte {len(row)} colonnes : {limits.columns} au "
                        "plus. Vérifiez le séparateur, ou supprimez les colonnes inutiles."
                    )
                if any("\x00" in cell for cell in row):
                    raise SheetRefused(
                        "Ce fichier CSV contient des caractères binaires : est-ce bien un CSV ?"
                    )
                if _has_content(row):
                    yield number, row
        except csv.Error as error:
            raise SheetRefused(f"Fichier CSV mal formé (ligne {number}).") from error
    finally:
        text.detach()


def _csv_encoding(file: BinaryIO, limits: Limits) -> str:
    """UTF-8 (with or without its mark) if the whole file decodes so, else Windows-1252."""
    file.seek(0)
    decoder = codecs.getincrementaldecoder("utf-8")()
    read = 0
    try:
        while chunk := file.read(1024 * 1024):
            read += len(chunk)
            if read > limits.size:
                raise SheetRefused(f"Le fichier dépasse {megabytes(limits.size)}.")
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8-sig"
