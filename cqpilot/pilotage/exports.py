"""Every dashboard table as xlsx or csv, with cells that cannot run as formulas."""

import csv
import io
from decimal import Decimal

from openpyxl import Workbook

from cqpilot.core.spreadsheets import neutralise_formula, write_sheet

from .stats import Table


def _cells(row: list) -> list:
    return ["" if value is None else _french(neutralise_formula(value)) for value in row]


def _french(value):
    """A French Excel reads 33.3 as a date or text: decimals take a comma (the xlsx export
    keeps numbers as numbers)."""
    if isinstance(value, float | Decimal):
        return str(value).replace(".", ",")
    return value


def table_csv(table: Table) -> bytes:
    # Semicolons and a BOM: what Excel expects of a French CSV.
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(_cells(table.headers))
    writer.writerows(_cells(row) for row in table.rows)
    return ("\ufeff" + buffer.getvalue()).encode()


def tables_xlsx(tables: list[Table]) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for table in tables:
        write_sheet(workbook, table.title, table.headers, table.rows)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
