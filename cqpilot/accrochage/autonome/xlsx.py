"""An xlsx's rows, one at a time: read by pattern as spreadsheets write them, by lxml otherwise
(xlsx_lxml.py). Memory holds the shared strings and one row, time is one pass over the file.
Nothing is laid out as a grid, and no shared string is copied: what is bounded is the file's
members once unzipped (core.uploads), a start tag or a text, a row (4 Mo) and the columns.
"""

import itertools
import re
import zipfile
import zlib
from collections.abc import Iterator
from typing import BinaryIO

from cqpilot.core.uploads import check_zip, megabytes, thousands

from .limits import UNREADABLE, Limits, SheetRefused, has_content
from .xlsx_lxml import (
    ESCAPED,
    MAX_GAP,
    PIECE,
    SHARED_STRINGS,
    Gaps,
    SharedStrings,
    column_number,
    date_styles,
    first_sheet,
    number_value,
    shared_strings,
    sheet_rows,
    typed,
)

MAX_ROW = 4 * 1024 * 1024  # bytes of one row
KNOWN_CELLS = 5_000  # values of cells kept as read: a few hundred Ko


def workbook_rows(file: BinaryIO, limits: Limits) -> Iterator[tuple[int, list[object]]]:
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

    sheet, date1904 = first_sheet(chunks)
    if sheet.lower() not in members:
        raise SheetRefused(UNREADABLE)
    dates = date_styles(chunks("xl/styles.xml"))
    strings = SharedStrings()
    if SHARED_STRINGS.lower() in members:
        try:
            strings = plain_shared_strings(chunks(SHARED_STRINGS), limits)
        except Unusual:
            strings = shared_strings(chunks(SHARED_STRINGS), limits)
    read = 0  # rows given so far: lxml reads them again in the same order
    try:
        for row in plain_rows(chunks(sheet), strings, dates, date1904, limits):
            yield row
            read += 1
    except Unusual:
        rows = sheet_rows(chunks(sheet), strings, dates, date1904, limits)
        yield from itertools.islice(rows, read, None)


# Excel, LibreOffice and the libraries that write xlsx all write a sheet's rows alike: reading
# them with a pattern costs a third of building each cell as an element. What does not match is
# read by lxml: a row, or the whole sheet when its layout is unusual (`Unusual`).
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


class Unusual(Exception):
    """The sheet is not laid out as the pattern reads it: lxml reads it."""


SST = re.compile(rb"<sst(?:\s[^<>]*)?>")
SHARED_ITEM = re.compile(rb'<si><t(?: xml:space="preserve")?>([^<]*)</t></si>|<si><t/></si>')


def plain_shared_strings(chunks, limits: Limits) -> SharedStrings:
    """The shared strings as spreadsheets write them, each a plain <si><t>: read by pattern, a
    third of the time lxml takes; Unusual for any other layout (rich text, phonetic runs…)."""
    strings = SharedStrings()
    blocks = _plain_blocks(chunks, SST, b"</sst>", b"</si>", Unusual())
    next(blocks)  # the namespace
    for block in blocks:
        _shared_block(block, strings, limits)
    return strings


def _plain_blocks(
    chunks, opening: re.Pattern, closing: bytes, item_end: bytes, too_long: Exception
) -> Iterator[bytes]:
    """The part's namespace, then its content in blocks of whole items (rows, shared strings),
    from its `opening` tag to `closing`. Unusual when what precedes the opening tag is not as
    spreadsheets write it (a DOCTYPE, a comment, another namespace or encoding); `too_long`
    when an item passes MAX_ROW."""
    pending, started, gaps = b"", False, Gaps()
    for chunk in chunks:
        for start in range(0, len(chunk), PIECE):
            gaps.check(chunk[start : start + PIECE])
        pending += chunk
        if not started:
            found = opening.search(pending)
            if found is None:
                if len(pending) > MAX_GAP:
                    raise Unusual
                continue
            head = pending[: found.end()]
            if b"<!" in head or b"<?" in head[2:] or not _utf8(head):
                raise Unusual  # a DOCTYPE, a comment, a CDATA, another encoding: for lxml
            namespace = next((n for n in MAIN_NAMESPACES if b'xmlns="' + n + b'"' in head), b"")
            if not namespace:
                raise Unusual  # a prefixed or other namespace
            yield namespace
            if found[0].endswith(b"/>"):
                return  # <sheetData/>: no rows
            started, pending = True, pending[found.end() :]
        end = pending.find(closing)
        cut = end if end >= 0 else pending.rfind(item_end) + len(item_end)
        if cut < len(item_end):
            if len(pending) > MAX_ROW:
                raise too_long
            continue
        block, pending = pending[:cut], pending[cut:]
        yield block
        if end >= 0:
            return
    if not started or pending.strip():
        raise Unusual


def _utf8(head: bytes) -> bool:
    declared = re.search(rb'encoding="([^"]*)"', head)
    return declared is None or declared[1].lower() in (b"utf-8", b"utf8")


def _shared_block(block: bytes, strings: SharedStrings, limits: Limits) -> None:
    position = 0
    append = strings.append
    for item in SHARED_ITEM.finditer(block):
        if item.start() != position and block[position : item.start()].strip():
            raise Unusual  # something else than plain items
        position = item.end()
        try:
            text = _unescaped(item[1]) if item[1] else ""
        except UnicodeDecodeError as error:
            raise Unusual from error
        append(ESCAPED.sub(lambda m: chr(int(m[1], 16)), text) if "_x" in text else text)
    if block[position:].strip():
        raise Unusual
    if len(strings.block) > limits.unzipped or len(strings) > limits.rows * limits.columns:
        raise SheetRefused(
            f"Ce classeur compte trop de textes : plus de {megabytes(limits.unzipped)}. "
            "Découpez-le."
        )


def plain_rows(chunks, strings, dates, date1904, limits) -> Iterator[tuple[int, list[object]]]:
    letters: dict[bytes, int] = {}
    known: dict[tuple, tuple[int, object]] = {}
    previous = 0
    too_long = SheetRefused(f"{UNREADABLE} (ligne de plus de 4 Mo)")
    blocks = _plain_blocks(chunks, SHEET_DATA, b"</sheetData>", b"</row>", too_long)
    namespace = next(blocks)
    for block in blocks:
        for line, cells in _block_rows(
            block, previous, strings, dates, date1904, limits, letters, known, namespace
        ):
            previous = line
            yield line, cells


def _block_rows(block, previous, strings, dates, date1904, limits, letters, known, namespace):
    """The rows of a block; `letters` and `known` carry from a block to the next: the columns'
    numbers by letters, and the values of cells met already (a sheet repeats its codes, dates
    and choices on every row: each is read once), by their column, style, type and value."""
    if b"<!" in block or b"<?" in block:
        raise Unusual
    position = 0
    kept, first_kept = strings.kept, len(strings.kept)
    for row in ROW.finditer(block):
        if block[position : row.start()].strip():
            raise Unusual  # something else than rows between them
        position = row.end()
        number = ROW_NUMBER.search(row[1])
        line = int(number[1]) if number else previous + 1
        if line <= previous:
            raise Unusual  # rows out of order: lxml reads them as they come
        if line > limits.rows:
            raise SheetRefused(
                f"Le classeur compte plus de {thousands(limits.rows)} lignes : découpez-le."
            )
        content = row[2]
        if not content:
            previous = line
            continue
        cells: list[object] = []
        for cell in CELL.findall(content):
            found = known.get(cell)
            if found is None:
                name, style, kind, value, inline, other = cell
                if other:  # an inline string, a formula's unusual layout…: lxml reads the row
                    cells = _row_with_lxml(row[0], namespace, strings, dates, date1904, limits)
                    break
                column = letters.get(name)
                if column is None:
                    column = column_number(name.decode(), letters, limits.columns)
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
                        text = number_value(
                            value, bool(dates) and style.decode() in dates, date1904
                        )
                    else:
                        text = typed(_unescaped(value), kind.decode())
                except (ValueError, IndexError) as error:
                    raise SheetRefused(UNREADABLE) from error
                if kind != b"s" or index < first_kept:  # a value others repeat, not a name
                    if len(known) > KNOWN_CELLS:
                        known.clear()
                    known[cell] = (column, text)
            else:
                column, text = found
            width = len(cells)
            if column == width + 1:
                cells.append(text)
            elif column > width:
                cells.extend([None] * (column - width - 1))
                cells.append(text)
            else:
                cells[column - 1] = text
        previous = line
        if cells and has_content(cells):
            yield line, cells
    if block[position:].strip():
        raise Unusual


def _unescaped(value: bytes) -> str:
    if b"&" in value:
        if len(ENTITY.findall(value)) != value.count(b"&"):
            raise Unusual  # an entity other than XML's own
        value = ENTITY.sub(lambda m: _entity(m[0]).encode(), value)
    return value.decode()


def _entity(reference: bytes) -> str:
    if reference in ENTITIES:
        return ENTITIES[reference]
    number = reference[2:-1]
    code = int(number[1:], 16) if number[:1] in (b"x", b"X") else int(number)
    if not 0 < code < 0x110000:
        raise Unusual
    return chr(code)


def _row_with_lxml(row: bytes, namespace: bytes, strings, dates, date1904, limits):
    """A row the pattern does not read, read by lxml alone, with the same bounds."""
    sheet = b'<worksheet xmlns="' + namespace + b'"><sheetData>' + row + b"</sheetData></worksheet>"
    for _line, cells in sheet_rows([sheet], strings, dates, date1904, limits):
        return cells
    return []
