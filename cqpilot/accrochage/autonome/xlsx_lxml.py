"""The parts of an xlsx read by lxml: its list of sheets, styles and shared strings, and a sheet's
rows when their layout is not the usual one (xlsx.py reads the usual one by pattern).

Each element is deleted once read: the tree holds the path to the element being read and that
element. A start tag or a text is bounded (1 Mo without a « < »: libxml2 takes 30 times the size
of a tag of millions of attributes before it gives up), and so are a row's cells and the children
of anything inside.
"""

import functools
import itertools
import re
from array import array
from collections.abc import Iterable, Iterator
from datetime import date, datetime, timedelta

from lxml import etree

from cqpilot.core.uploads import megabytes, thousands

from .limits import UNREADABLE, Limits, SheetRefused, has_content

MAX_GAP = (
    1024 * 1024
)  # bytes between two « < »: a start tag or a text; a cell holds 32,767 characters
SHARED_STRINGS = "xl/sharedStrings.xml"
MAX_CHILDREN = 10_000  # of an element inside a row or a shared string: a cell has a few
PIECE = 64 * 1024
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
    root, gaps = None, Gaps()
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


class Gaps:
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


def first_sheet(chunks) -> tuple[str, bool]:
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


def date_styles(chunks: Iterator[bytes]) -> frozenset[str]:
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


def shared_strings(chunks: Iterator[bytes], limits: Limits) -> SharedStrings:
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


def sheet_rows(chunks, strings, dates, date1904, limits) -> Iterator[tuple[int, list[object]]]:
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
        if cells and has_content(cells):
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
            column = letters.get(name) or column_number(name, letters, columns)
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
                    value = number_value(value, bool(dates) and cell.get("s") in dates, date1904)
                else:
                    value = typed(value, kind)
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


def column_number(name: str, letters: dict[str, int], columns: int) -> int:
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


def typed(value: str, kind: str) -> object:
    """A value of another type than a shared string or a number."""
    if kind in ("str", "e"):
        return ESCAPED.sub(lambda m: chr(int(m[1], 16)), value) if "_x" in value else value
    if kind == "b":
        return value.strip() in ("1", "true")
    if kind == "d":
        moment = datetime.fromisoformat(value.strip())
        return moment.date() if moment.time() == datetime.min.time() else moment
    raise ValueError(kind)


def number_value(value: str | bytes, is_date: bool, date1904: bool) -> object:
    """A number cell as Excel shows it: a date in a date style, else an integer when it is one."""
    number = float(value)
    if is_date:
        return excel_date(number, date1904)
    if number.is_integer() and -1e15 < number < 1e15:
        return int(number)
    return number


@functools.lru_cache(maxsize=4096)  # a sheet repeats its dates: one object each, sent once
def excel_date(serial: float, date1904: bool) -> object:
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
