"""Reading the holders sheet as a stream: one row at a time, whatever the number of rows.

A certifier's yearly holders make files of hundreds of thousands of rows, which calamine would
lay out whole (300 MB for 200,000 rows of 20 columns) and core.workbooks would measure in 40 s
before it. An xlsx is read by xlsx.py (by pattern, or by lxml: xlsx_lxml.py), in a child process
beyond 1 Mo (sheet_child.py); a CSV here.

Whatever the user uploads, the outcome is rows or a SheetRefused with a French message.
"""

import codecs
import csv
import io
import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import BinaryIO

from cqpilot.core.cells import printable
from cqpilot.core.uploads import UploadRefused, megabytes, size_of, thousands

from .limits import Limits, SheetRefused, has_content
from .sheet_child import CHILD_THRESHOLD, rows_from_child
from .xlsx import workbook_rows

__all__ = ["Limits", "Sheet", "SheetRefused", "opened_sheet"]
CSV_SEPARATORS = (";", ",", "\t", "|")


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
                rows = rows_from_child(file, limits)
            else:
                rows = workbook_rows(file, limits)
        elif name.endswith((".csv", ".txt")):
            rows = csv_rows(file, limits)
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


# --- csv -------------------------------------------------------------------------------------


def csv_rows(file: BinaryIO, limits: Limits) -> Iterator[tuple[int, list[object]]]:
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
                if has_content(row):
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
