"""Bulk writes for the few places where Django's per-object cost dominates (measured in
benchmarks/rncp_import.py and benchmarks/import_candidats.py).

On PostgreSQL rows are streamed with COPY: psycopg's C adapters make it several times cheaper per
row than bulk_create's UNNEST arrays or multi-row VALUES, which were ≈ 100 µs per row there. On
SQLite, multi-row INSERTs.
"""

from collections.abc import Iterable, Sequence

from django.db import DEFAULT_DB_ALIAS, connection, connections, models
from django.db.models.constants import OnConflict


def create_objects(model: type[models.Model], objects: Sequence[models.Model]) -> None:
    """Insert unsaved instances and set their primary keys, like bulk_create (no signals)."""
    if not objects:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create(objects, batch_size=1000)
        return
    meta = model._meta
    with connection.cursor() as cursor:
        # Keys reserved up front, so that COPY (which returns nothing) can carry them.
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, meta.pk.column, len(objects)],
        )
        for instance, (pk,) in zip(objects, cursor.fetchall(), strict=True):
            instance.pk = pk
    fields = meta.concrete_fields
    # The connection itself, not the thread-local proxy: a million attribute lookups through
    # the proxy cost seconds here.
    database = connections[DEFAULT_DB_ALIAS]
    _copy(
        meta.db_table,
        [field.column for field in fields],
        (
            [field.get_db_prep_save(field.pre_save(instance, True), database) for field in fields]
            for instance in objects
        ),
    )
    for instance in objects:
        instance._state.adding = False
        instance._state.db = database.alias


def insert_rows(
    table: str,
    columns: list[str],
    rows: list[tuple],
    *,
    ignore_conflicts: bool = False,
    chunk: int = 500,
) -> None:
    """Insert raw rows (values already adapted for the database) whose keys are not needed back."""
    if not rows:
        return
    if connection.vendor == "postgresql":
        if not ignore_conflicts:
            _copy(table, columns, rows)
            return
        # COPY has no ON CONFLICT: stage the rows, then insert what is not there yet.
        quote = connection.ops.quote_name
        names = ", ".join(quote(c) for c in columns)
        with connection.cursor() as cursor:
            cursor.execute(
                f"CREATE TEMPORARY TABLE cqpilot_staging ON COMMIT DROP AS "
                f"SELECT {names} FROM {quote(table)} WITH NO DATA"
            )
        _copy("cqpilot_staging", columns, rows)
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {quote(table)} ({names}) SELECT {names} FROM cqpilot_staging "
                "ON CONFLICT DO NOTHING"
            )
            cursor.execute("DROP TABLE cqpilot_staging")
        return
    _insert_values(table, columns, rows, ignore_conflicts=ignore_conflicts, chunk=chunk)


def _copy(table: str, columns: list[str], rows: Iterable[Sequence]) -> None:
    quote = connection.ops.quote_name
    statement = f"COPY {quote(table)} ({', '.join(quote(c) for c in columns)}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)


def _insert_values(
    table: str, columns: list[str], rows: list[tuple], *, ignore_conflicts: bool, chunk: int
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
