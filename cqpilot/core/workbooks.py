"""What reading an xlsx would cost, found before calamine reads it.

calamine lays the first sheet out as one grid from A1 to its farthest cell, and copies a shared
string into every cell that uses it: a 5 KB file whose only cell is at XFD1048576 asks for 512 GB,
one whose 100,000 cells name the same 1 MB string for 100 GB. So every member of the archive is
unzipped here, checked against its declared size, and every sheet streamed with its cells placed
as calamine places them (calamine/src/xlsx/cells_reader.rs: a sheet may lie about or omit its
<dimension>, its rows and cells their `r`). A workbook beyond the limits is refused before
calamine sees it; one calamine and lxml might read differently is refused as unreadable.

Every sheet is measured, not only the first one calamine reads: which one that is depends on
relationship details not worth copying, and a workbook with a huge second sheet is an oddity.
"""

import io
import itertools
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.conf import settings
from lxml import etree

from .uploads import UploadRefused, check_zip, check_zip_layout, inflate, megabytes, thousands

UNREADABLE = "Ce classeur ne peut pas être lu : est-ce bien un fichier Excel (.xlsx) non protégé ?"
SHEET_FOLDERS = ("xl/worksheets/", "xl/chartsheets/", "xl/dialogsheets/")
SHARED_STRINGS = "xl/sharedstrings.xml"
SHEET_ROOTS = {"worksheet", "chartsheet", "dialogsheet"}
# No legitimate row or shared string comes near this; a longer one stays whole in memory.
MAX_OPEN_ELEMENT = 4 * 1024 * 1024
REFERENCE = re.compile(r"([A-Za-z]*)([0-9]+)")
# A cell or row anywhere but in its place: calamine would place it where lxml would not.
MISPLACED = etree.XPath(
    "boolean(*[local-name() != 'c' and local-name() != 'extLst']"
    " | */descendant::*[local-name() = 'c' or local-name() = 'row'"
    " or local-name() = 'sheetData'])"
)


@dataclass(frozen=True)
class Limits:
    rows: int
    columns: int
    cells: int
    unzipped: int  # bytes once unzipped, and characters of shared strings copied into cells

    @classmethod
    def from_settings(cls) -> "Limits":
        return cls(
            rows=settings.IMPORT_MAX_ROWS,
            columns=settings.IMPORT_MAX_COLUMNS,
            cells=settings.IMPORT_MAX_CELLS,
            unzipped=settings.IMPORT_MAX_UNZIPPED_SIZE,
        )


@dataclass
class Extent:
    rows: int = 0  # the grid calamine builds goes from A1 to the farthest cell with a value
    columns: int = 0
    shared_text: int = 0  # characters of shared strings, once copied into their cells


def check_workbook(content: bytes, limits: Limits) -> None:
    """Raise UploadRefused, with a French message, for a workbook beyond `limits`."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise UploadRefused(UNREADABLE) from error
    check_zip_layout(content)
    check_zip(archive, max_size=limits.unzipped)
    members = archive.infolist()
    shared = [i for i in members if i.filename.lower() == SHARED_STRINGS]
    lengths = _shared_string_lengths(inflate(content, shared[0]), limits) if shared else []
    for info in members:
        if info.filename.lower() == SHARED_STRINGS:
            continue
        chunks = inflate(content, info)
        if info.filename.lower().startswith(SHEET_FOLDERS):
            _check(_sheet_extent(chunks, lengths), limits)
        else:  # calamine reads some of the others whole: they must be what they declare
            for _chunk in chunks:
                pass


def _check(extent: Extent, limits: Limits) -> None:
    split = "Découpez le fichier, ou supprimez les lignes et colonnes vides autour des données."
    if extent.rows > limits.rows:
        raise UploadRefused(
            f"Le classeur s'étend jusqu'à la ligne {thousands(extent.rows)} : "
            f"{thousands(limits.rows)} lignes au plus. {split}"
        )
    if extent.columns > limits.columns:
        raise UploadRefused(
            f"Le classeur s'étend jusqu'à la colonne {column_letters(extent.columns)} "
            f"({thousands(extent.columns)}e colonne) : {thousands(limits.columns)} colonnes "
            f"au plus. {split}"
        )
    if extent.rows * extent.columns > limits.cells:
        raise UploadRefused(
            f"Le classeur s'étend sur {thousands(extent.rows)} lignes et "
            f"{thousands(extent.columns)} colonnes, soit {thousands(extent.rows * extent.columns)} "
            f"cellules : {thousands(limits.cells)} au plus. {split}"
        )
    if extent.shared_text > limits.unzipped:
        raise UploadRefused(
            "Ce classeur répète trop de texte : ses cellules remplies, il dépasserait "
            f"{megabytes(limits.unzipped)}. Découpez-le."
        )


def column_letters(number: int) -> str:
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _local(element: etree._Element) -> str:
    tag = element.tag
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def _position(reference: str, columns: dict[str, int]) -> tuple[int, int]:
    """(row, column), from 1, of a reference such as B12, or 12 for a row (calamine:
    get_row_and_optional_column); a column of 0 when there is none. `columns` caches the
    numbers of column letters already seen."""
    match = REFERENCE.fullmatch(reference)
    if match is None:
        raise UploadRefused(UNREADABLE)
    letters, digits = match.groups()
    column = columns.get(letters)
    if column is None:
        column = 0
        for letter in letters.upper():
            column = column * 26 + ord(letter) - 64
        columns[letters] = column
    return int(digits), column


def _sheet_extent(chunks: Iterable[bytes], lengths: list[int]) -> Extent:
    """Where calamine would place the farthest cell with a value, and how much shared text it
    would copy. The loop runs once per cell of the file: kept plain for speed."""
    rows = columns = shared_text = 0
    row_number = 0  # calamine counts rows without `r` from the previous one
    letters: dict[str, int] = {}
    for element in _stream(chunks, roots=SHEET_ROOTS, whole="row", ends={"row", "sheetData"}):
        if _local(element) == "sheetData":
            if any(_local(child) != "row" for child in element):
                raise UploadRefused(UNREADABLE)
            continue
        parent = element.getparent()
        if parent is None or _local(parent) != "sheetData" or MISPLACED(element):
            raise UploadRefused(UNREADABLE)
        number = element.get("r")
        row_number = row_number + 1 if number is None else _position(number, letters)[0]
        column = 0
        for cell in element:
            reference = cell.get("r")
            if reference is None:
                row, column = row_number, column + 1
            else:
                row, column = _position(reference, letters)
            if len(cell):  # a value or a formula: calamine keeps the cell
                if row > rows:
                    rows = row
                if column > columns:
                    columns = column
                if cell.get("t") == "s":
                    shared_text += _shared_length(cell, lengths)
    return Extent(rows, columns, shared_text)


def _shared_length(cell: etree._Element, lengths: list[int]) -> int:
    for child in cell:
        if _local(child) == "v":
            try:
                index = int(child.text or "")
            except ValueError:
                return 0  # calamine refuses the file
            return lengths[index] if 0 <= index < len(lengths) else 0
    return 0


# calamine keeps a shared string when it has a run (<r>) or a text (<t>) outside a phonetic one.
_IS_KEPT = etree.XPath(
    "boolean(.//*[local-name() = 'r'] | .//*[local-name() = 't'][not(ancestor::*[local-name() = 'rPh'])])"
)


def _shared_string_lengths(chunks: Iterable[bytes], limits: Limits) -> list[int]:
    """The length of each shared string, in calamine's numbering (calamine: read_shared_strings);
    all its text is counted, phonetic runs included, which errs on the long side."""
    lengths = []
    for element in _stream(chunks, roots={"sst"}, whole="si", ends={"si"}):
        if element.find(".//{*}si") is not None:
            raise UploadRefused(UNREADABLE)
        if _IS_KEPT(element):
            lengths.append(sum(len(text) for text in element.itertext()))
        if len(lengths) > limits.cells:  # more strings than cells to hold them
            raise UploadRefused(
                f"Le classeur compte plus de {thousands(limits.cells)} textes différents : "
                "découpez-le."
            )
    return lengths


def _stream(
    chunks: Iterable[bytes], *, roots: set[str], whole: str, ends: set[str]
) -> Iterator[etree._Element]:
    """The elements named in `ends`, each when complete, while the rest of the tree is thrown away
    as it is read: memory holds the path to the element being read and one `whole` element (a
    row, a shared string), which may not span more than MAX_OPEN_ELEMENT bytes."""
    parser = etree.XMLPullParser(
        events=("start", "end"),
        tag=[f"{{*}}{name}" for name in {*roots, whole, *ends}],
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        remove_comments=True,
        remove_pis=True,
    )
    root, fed, open_since = None, 0, None
    try:
        for chunk in itertools.chain(_pieces(chunks), [None]):
            if chunk is None:
                parser.close()
            else:
                parser.feed(chunk)
                fed += len(chunk)
            for event, element in parser.read_events():
                name = _local(element)
                if event == "start":
                    if root is None and element.getparent() is None and name in roots:
                        root = element
                    if name == whole:
                        open_since = fed
                    continue
                if name == whole:
                    open_since = None
                if name in ends:
                    yield element
            if root is None and fed > MAX_OPEN_ELEMENT:
                raise UploadRefused(UNREADABLE)
            if open_since is not None and fed - open_since > MAX_OPEN_ELEMENT:
                raise UploadRefused(f"{UNREADABLE} (élément de plus de 4 Mo)")
            if root is not None:
                _prune(root, whole)
    except etree.XMLSyntaxError as error:
        raise UploadRefused(UNREADABLE) from error


def _pieces(chunks: Iterable[bytes], size: int = 64 * 1024) -> Iterator[bytes]:
    """Chunks cut small: the tree is pruned between two, and holds what one piece describes."""
    for chunk in chunks:
        for start in range(0, len(chunk), size):
            yield chunk[start : start + size]


def _prune(root: etree._Element, whole: str) -> None:
    """Delete every complete element read so far, but the `whole` one being read."""
    node = root
    while len(node) and _local(node) != whole:
        done = node[:-1]
        if _local(node) == "sheetData" and any(_local(child) != "row" for child in done):
            raise UploadRefused(UNREADABLE)
        del node[:-1]
        node = node[-1]
