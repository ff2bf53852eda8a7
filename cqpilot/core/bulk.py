"""Multi-row INSERTs for the few bulk writes where Django's per-object cost dominates
(measured in benchmarks/rncp_import.py and benchmarks/import_candidats.py)."""

from django.db import connection
from django.db.models.constants import OnConflict


def insert_rows(
    table: str,
    columns: list[str],
    rows: list[tuple],
    *,
    ignore_conflicts: bool = False,
    chunk: int = 500,
) -> None:
    quote = connection.ops.quote_name
    on_conflict = OnConflict.IGNORE if ignore_conflicts else None
    head = (
        f"{connection.ops.insert_statement(on_conflict=on_conflict)} {quote(table)} "
        f"({', '.join(quote(c) for c in columns)}) VALUES "
    )
    suffix = connection.ops.on_conflict_suffix_sql([], on_conflict, [], [])
    placeholders = "(" + ", ".join(["%s"] * len(columns)) + ")"
    with connection.cursor() as cursor:
        for start in range(0, len(rows), chunk):
            part = rows[start : start + chunk]
            cursor.execute(
                head + ", ".join([placeholders] * len(part)) + (f" {suffix}" if suffix else ""),
                [value for row in part for value in row],
            )
