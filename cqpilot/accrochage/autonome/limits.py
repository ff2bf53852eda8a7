"""What a holders sheet may be: its bounds, and the refusal that says in French why a file is
not read. Shared by the readers of sheet.py (csv), xlsx.py, xlsx_lxml.py and sheet_child.py."""

from dataclasses import dataclass

UNREADABLE = "Ce classeur ne peut pas être lu : est-ce bien un fichier Excel (.xlsx) non protégé ?"
ROW_BYTES = 2_000  # a row of the template, unzipped, is under 1 Ko


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


def has_content(cells: list[object]) -> bool:
    return any(cell is not None and cell != "" and str(cell).strip() for cell in cells)
