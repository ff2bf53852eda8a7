"""Spreadsheets of the dossiers area."""

import io

from openpyxl import Workbook
from openpyxl.styles import Font

from cqpilot.core.spreadsheets import neutralise_formula

from .models import HabilitationQuerySet


def habilitations_xlsx(habilitations: HabilitationQuerySet) -> io.BytesIO:
    """The list of habilitated OFs that a certifier declares to France compétences."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Organismes habilités"
    headers = [
        "Certification",
        "Code RNCP / RS",
        "Organisme de formation",
        "SIRET",
        "NDA",
        "Qualiopi",
        "Périmètre",
        "Blocs",
        "Début",
        "Fin",
        "Statut",
    ]
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for h in (
        habilitations.select_related("organisme", "certification")
        .prefetch_related("blocs")
        .order_by("certification__intitule", "organisme__nom")
    ):
        row = [
            h.certification.intitule,
            h.certification.code_rncp_rs,
            h.organisme.nom,
            h.organisme.siret,
            h.organisme.nda,
            "Oui" if h.organisme.qualiopi else "Non",
            h.get_scope_display(),
            h.bloc_codes_display or "Toute la certification",
            h.date_debut,
            h.date_fin,
            h.get_status_display(),
        ]
        # Codes are typed (or imported) too: every cell is written as text, not only the names.
        sheet.append([neutralise_formula(value) for value in row])
    for column, width in zip(
        "ABCDEFGHIJK", [50, 14, 40, 16, 13, 9, 28, 24, 12, 12, 10], strict=True
    ):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "A2"
    output = io.BytesIO()
    workbook.save(output)
    output.seek(0)
    return output
