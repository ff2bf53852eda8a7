"""Spreadsheets cqpilot writes for its users: safe cells and import templates."""

import io
import re

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation


def neutralise_formula(value):
    """Text starting like a formula would run in a spreadsheet (formula injection): neutralise it."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def sheet_title(title: str) -> str:
    """A table's title as a sheet's name: without the characters a sheet's name may not hold
    (« VAE : délais » would make openpyxl raise), 31 characters at most (Excel's limit)."""
    cleaned = re.sub(r"\s*[:\\/?*\[\]]\s*", " - ", title).strip(" -'") or "Feuille"
    return cleaned[:31].rstrip(" -")


def write_sheet(workbook: Workbook, title: str, headers: list[str], rows: list[list]) -> None:
    """A sheet of a report: bold frozen headers, cells that cannot run as formulas, columns as
    wide as their content (within reason), text wrapped."""
    sheet = workbook.create_sheet(sheet_title(title))
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([neutralise_formula(value) for value in row])
    for index, header in enumerate(headers, start=1):
        width = max([len(header), *(len(str(r[index - 1] or "")) for r in rows[:200])])
        sheet.column_dimensions[get_column_letter(index)].width = min(max(width + 2, 10), 80)
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "A2"


def template_workbook(
    columns, example: dict, lists: dict[str, list[str]] | None = None
) -> io.BytesIO:
    """An import template: bold headers (required ones starred and shaded) with their help as a
    comment, an example row, a drop-down list per column with choices, and an « Aide » sheet.

    `columns` have header, key, required, help and choices (a TextChoices or None); `lists`
    gives other columns' allowed values. Examples and values are written as text: a list can
    hold what users typed (certification titles).
    """
    lists = lists or {}
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Données"
    hidden = workbook.create_sheet("Listes")
    hidden.sheet_state = "hidden"
    help_sheet = workbook.create_sheet("Aide")
    help_sheet.append(["Colonne", "Obligatoire", "Contenu attendu"])
    required_fill = PatternFill("solid", fgColor="DDE5FF")
    for index, column in enumerate(columns, start=1):
        letter = get_column_letter(index)
        cell = sheet.cell(
            row=1, column=index, value=column.header + (" *" if column.required else "")
        )
        cell.font = Font(bold=True)
        if column.required:
            cell.fill = required_fill
        if column.help:
            cell.comment = Comment(column.help, "cqpilot")
        sheet.cell(row=2, column=index, value=neutralise_formula(example.get(column.key, "")))
        sheet.column_dimensions[letter].width = max(14, min(40, len(column.header) + 4))
        help_sheet.append([column.header, "oui" if column.required else "", column.help])
        values = lists.get(column.key) or (
            [label for _value, label in column.choices.choices] if column.choices else None
        )
        if values:
            for row, value in enumerate(values, start=1):
                hidden.cell(row=row, column=index, value=neutralise_formula(value))
            validation = DataValidation(
                type="list",
                formula1=f"{quote_sheetname('Listes')}!${letter}$1:${letter}${len(values)}",
                allow_blank=not column.required,
                showErrorMessage=column.key not in lists,
                errorTitle="Valeur non prévue",
                error="Choisissez une valeur de la liste.",
            )
            sheet.add_data_validation(validation)
            validation.add(f"{letter}2:{letter}5000")
    help_sheet.column_dimensions["A"].width = 34
    help_sheet.column_dimensions["C"].width = 100
    sheet.freeze_panes = "A2"
    output = io.BytesIO()
    workbook.save(output)
    output.seek(0)
    return output
