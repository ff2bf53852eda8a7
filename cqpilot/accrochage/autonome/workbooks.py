"""Workbooks the standalone tool gives back: the rows in error, annotated, and the holders the
CDC rejected, with their idTechnique, to correct and upload again."""

import io
from datetime import date, datetime
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from cqpilot.core.cells import normalise_header, printable
from cqpilot.core.spreadsheets import neutralise_formula
from cqpilot.core.tabular import Problem

from ..flux import Passage
from .columns import BY_HEADER, COLUMNS, TEXT

FAULT = PatternFill("solid", fgColor="FFC7CE")


class FaultyRows:
    """The rows in error as the user wrote them, each faulty cell shaded with its message as a
    comment, all the row's messages in a last column « Erreurs »: corrected, the workbook is
    uploaded again as it is. Written as it goes (openpyxl's write-only mode)."""

    def __init__(self, path: Path, headers: list[str]) -> None:
        self.path, self.rows = path, 0
        self.workbook = Workbook(write_only=True)
        self.sheet = self.workbook.create_sheet("Lignes en erreur")
        self.width = len(headers)
        self.index: dict[str, int] = {}  # a column's header, as cqpilot names it → its position
        self.codes: set[int] = set()
        for position, header in enumerate(headers):
            column = BY_HEADER.get(normalise_header(header))
            if column is not None:
                self.index.setdefault(column.header, position)
                if column.is_code:
                    self.codes.add(position)
            self.sheet.column_dimensions[get_column_letter(position + 1)].width = max(
                14, min(40, len(header) + 4)
            )
        self.sheet.column_dimensions[get_column_letter(self.width + 1)].width = 80
        title = [self._bold(header) for header in headers] + [self._bold("Erreurs")]
        self.sheet.append(title)

    def _bold(self, value: str) -> WriteOnlyCell:
        cell = WriteOnlyCell(self.sheet, value=neutralise_formula(value))
        cell.font = Font(bold=True)
        return cell

    def add(self, cells: list[object], problems: list[Problem]) -> None:
        by_position: dict[int, list[str]] = {}
        for problem in problems:
            position = self.index.get(problem.column)
            if position is not None:
                by_position.setdefault(position, []).append(problem.message)
        row: list[object] = []
        for position in range(self.width):
            value = cells[position] if position < len(cells) else None
            cell = WriteOnlyCell(self.sheet, value=_cell_value(value))
            if position in self.codes:
                cell.number_format = TEXT
            elif isinstance(value, date):
                cell.number_format = "DD/MM/YYYY"
            if position in by_position:
                cell.fill = FAULT
                cell.comment = Comment("\n".join(by_position[position]), "cqpilot")
            row.append(cell)
        row.append(_cell_value("\n".join(str(problem) for problem in problems)))
        self.sheet.append(row)
        self.rows += 1

    def close(self) -> Path | None:
        """The workbook, if a row was added."""
        if not self.rows:
            return None
        self.workbook.save(self.path)
        return self.path


def _cell_value(value: object) -> object:
    if isinstance(value, str):
        # A control character (refused in its row) is shown where it was: openpyxl refuses it.
        return neutralise_formula(printable(value))
    if isinstance(value, datetime | date | int | float | bool) or value is None:
        return value
    return str(value)


def rejected_workbook(passages: list[tuple[str, Passage, str]]) -> io.BytesIO:
    """The rejected holders (code, passage, the CDC's message) in the template's columns, each
    with its « Identifiant technique »: corrected and uploaded again, each keeps its id."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Données"
    columns = [c for c in COLUMNS if c.key not in ("date_naissance", "correction")]
    sheet.append([c.header for c in columns] + ["Message de la Caisse des Dépôts"])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for code, passage, message in passages:
        values = _passage_values(code, passage)
        sheet.append([_cell_value(values.get(c.key)) for c in columns] + [_cell_value(message)])
    for index, column in enumerate(columns, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = max(14, min(40, len(column.header) + 4))
        if column.is_code:
            for row in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                row[0].number_format = TEXT
        elif column.kind == "date":
            for row in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                row[0].number_format = "DD/MM/YYYY"
    sheet.column_dimensions[get_column_letter(len(columns) + 1)].width = 60
    sheet.freeze_panes = "A2"
    output = io.BytesIO()
    workbook.save(output)
    output.seek(0)
    return output


def _label(column_key: str, code: str) -> str:
    column = next(c for c in COLUMNS if c.key == column_key)
    if not code or column.choices is None:
        return code
    return dict(column.choices.choices).get(code, code)


def _passage_values(code: str, p: Passage) -> dict:
    t = p.titulaire
    insee = t.code_insee_naissance
    return {
        "id_technique": p.id_technique,
        "code": code,
        "nom_naissance": t.nom_naissance,
        "nom_usage": t.nom_usage,
        "prenom1": t.prenom1,
        "prenom2": t.prenom2,
        "prenom3": t.prenom3,
        "sexe": _label("sexe", t.sexe),
        "jour_naissance": t.jour_naissance,
        "mois_naissance": t.mois_naissance,
        "annee_naissance": t.annee_naissance or None,
        "code_insee_naissance": insee,
        "code_postal_naissance": t.code_postal_naissance,
        "libelle_commune_naissance": t.libelle_commune_naissance,
        "libelle_pays_naissance": t.libelle_pays_naissance,
        "date_debut_validite": p.date_debut_validite,
        "date_fin_validite": p.date_fin_validite,
        "obtention": _label("obtention", p.obtention),
        "scoring": p.scoring,
        "mention": _label("mention", p.mention),
        "date_debut_examen": p.date_debut_examen,
        "date_fin_examen": p.date_fin_examen,
        "modalite_examen": _label("modalite_examen", p.modalite_examen),
        "code_postal_centre": p.code_postal_centre,
        "modalite_acces": _label("modalite_acces", p.modalite_acces),
        "voie_vae": _label("voie_vae", p.voie_vae),
        "initiative": _label("initiative", p.initiative),
        "date_inscription": p.date_inscription,
        "libelle_option": p.libelle_option,
        "nir": t.nir13,
    }
