"""Reading a user's spreadsheet (xlsx or csv) as rows with their line numbers.

Whatever the user uploads, the outcome is either rows or a TabularFileError with a French
message: nothing raised from the readers escapes. What a file may cost is bounded first
(settings IMPORT_MAX_*): its size, its rows and columns, what its xlsx unzips to (workbooks.py).
"""

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from django.conf import settings
from python_calamine import CalamineWorkbook

from .cells import normalise_header, printable
from .uploads import UploadRefused, read_at_most, thousands
from .workbooks import UNREADABLE, Limits, check_workbook

CSV_SEPARATORS = (";", ",", "\t", "|")
WORKBOOKS = (".xlsx", ".xlsm")
TEXT_FILES = (".csv", ".txt")


class TabularFileError(Exception):
    """The file cannot be read as a table; the message says why, in French."""


@dataclass
class Table:
    headers: list[str]
    rows: list[tuple[int, list[object]]]  # (line number in the file, cell values)


def read_table(file: BinaryIO, filename: str) -> Table:
    name = filename.lower()
    if name.endswith((".xls", ".ods")):
        # calamine would lay them out without a limit, and they cannot be measured beforehand.
        raise TabularFileError(
            "Les classeurs .xls et .ods ne sont pas acceptés : enregistrez le fichier au format "
            "Excel (.xlsx) ou CSV (.csv), depuis Excel ou LibreOffice (« Enregistrer sous »)."
        )
    if not name.endswith(WORKBOOKS + TEXT_FILES):
        raise TabularFileError(
            "Format non reconnu : déposez un classeur Excel (.xlsx) ou un fichier CSV (.csv)."
        )
    limits = Limits.from_settings()
    try:
        content = read_at_most(file, settings.IMPORT_MAX_SIZE)
        if name.endswith(WORKBOOKS):
            check_workbook(content, limits)
            cells = _read_workbook(content)
        else:
            cells = _read_csv(content, limits)
        lines = [(number, row) for number, row in enumerate(cells, start=1) if _has_content(row)]
    except UploadRefused as refusal:
        raise TabularFileError(str(refusal)) from refusal
    if not lines:
        raise TabularFileError("Le fichier est vide.")
    (_, header_row), *rows = lines
    headers = [printable(str(h).strip()) if h is not None else "" for h in header_row]
    return Table(headers=headers, rows=[(n, list(r)) for n, r in rows])


def _has_content(row: list[object]) -> bool:
    return any(cell not in (None, "") and str(cell).strip() for cell in row)


def _read_workbook(content: bytes) -> list[list[object]]:
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(content))
        return workbook.get_sheet_by_index(0).to_python(skip_empty_area=False)
    except Exception as error:  # calamine raises many types on corrupt input; all mean the same
        raise TabularFileError(UNREADABLE) from error
    except BaseException as error:  # a Rust panic surfaces as pyo3's PanicException
        if type(error).__name__ != "PanicException":
            raise
        raise TabularFileError(UNREADABLE) from error


def _read_csv(content: bytes, limits: Limits) -> Iterator[list[str]]:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - cp1252 decodes almost anything; kept for clarity
        raise TabularFileError("Encodage du fichier CSV non reconnu : enregistrez-le en UTF-8.")
    if "\x00" in text:
        raise TabularFileError(
            "Ce fichier CSV contient des caractères binaires : est-ce bien un CSV ?"
        )
    first_line = text.split("\n", 1)[0]
    separator = max(CSV_SEPARATORS, key=first_line.count)
    # A row's cells are all in memory before its length can be checked: bound them all first.
    if text.count(separator) >= limits.cells:
        raise UploadRefused(
            f"Le fichier compte plus de {thousands(limits.cells)} cellules : découpez-le."
        )
    try:
        for number, row in enumerate(
            csv.reader(io.StringIO(text, newline=""), delimiter=separator), start=1
        ):
            if number > limits.rows:
                raise UploadRefused(
                    f"Le fichier compte plus de {thousands(limits.rows)} lignes : découpez-le."
                )
            if len(row) > limits.columns:
                raise UploadRefused(
                    f"La ligne {number} compte {len(row)} colonnes : {limits.columns} au plus. "
                    "Vérifiez le séparateur, ou supprimez les colonnes inutiles."
                )
            yield row
    except csv.Error as error:
        raise TabularFileError(f"Fichier CSV mal formé ({error}).") from error


@dataclass
class Problem:
    """A fault of a user's file, located by line (0: the file itself) and column header."""

    line: int
    column: str
    message: str

    def __str__(self) -> str:
        where = f"Ligne {self.line}" + (f", {self.column}" if self.column else "")
        return printable(f"{where} : {self.message}")


@dataclass
class ColumnMap:
    indexes: dict[str, int]  # column key → position in the row
    unknown: list[str]  # headers that match no column
    duplicated: list[str]  # headers of a column already seen (the first one is kept)
    missing: list[str]  # headers of required columns absent from the file


def map_columns(headers: list[str], columns: list, by_header: dict) -> ColumnMap:
    """Match a file's headers to the expected columns (objects with key, header, required);
    `by_header` maps normalised headers to columns."""
    mapped = ColumnMap({}, [], [], [])
    for index, header in enumerate(headers):
        column = by_header.get(normalise_header(header))
        if column is None:
            if header:
                mapped.unknown.append(header)
        elif column.key in mapped.indexes:
            mapped.duplicated.append(header)
        else:
            mapped.indexes[column.key] = index
    mapped.missing = [c.header for c in columns if c.required and c.key not in mapped.indexes]
    return mapped
