"""The database half of a backup, one class per vendor: a consistent dump with the row counts and
the schema version read from the same snapshot, and its restoration into an empty database."""

import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterable
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import psycopg

from .errors import BackupError

# Tables that `migrate` fills by itself: a database holding rows only there is still empty.
# The roles come from a data migration (core 0002), the task queue holds the worker's first
# heartbeat, enqueued after each migrate (core/health.py).
FILLED_BY_MIGRATE = frozenset(
    {
        "django_migrations",
        "django_content_type",
        "auth_permission",
        "core_rolegrant",
        "django_tasks_database_dbtaskresult",
    }
)


# The e-mails waiting for the worker (core/mail.py): a restoration says how many will leave.
PENDING_EMAILS = (
    "SELECT COUNT(*) FROM django_tasks_database_dbtaskresult "
    "WHERE status = 'READY' AND task_path = 'cqpilot.core.mail.send_message'"
)

# Tables whose rows are left out of a backup: live sessions would let whoever holds the archive
# act as a logged-in user; after a restoration everyone signs in again.
DATA_NOT_BACKED_UP = ("django_session",)


@dataclass(frozen=True)
class Snapshot:
    tables: dict[str, int]  # rows per table
    schema: dict[str, str]  # latest applied migration per app


def latest_migrations(applied: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Migration names start with their number: the greatest name is the latest one."""
    latest: dict[str, str] = {}
    for app, name in applied:
        latest[app] = max(latest.get(app, name), name)
    return dict(sorted(latest.items()))


def is_empty(tables: dict[str, int]) -> bool:
    return all(count == 0 for table, count in tables.items() if table not in FILLED_BY_MIGRATE)


class Database(Protocol):
    vendor: str
    dump_name: str

    def dump(self, destination: Path) -> Snapshot: ...
    def restore(self, dump: Path) -> None: ...
    def table_counts(self) -> dict[str, int]: ...
    def schema(self) -> dict[str, str]: ...
    def first_value(self, table: str, column: str) -> str | None: ...
    def pending_emails(self) -> int: ...
    def describe(self) -> str: ...


def database_for(settings_dict: dict[str, Any]) -> Database:
    engine = settings_dict["ENGINE"]
    if engine == "django.db.backends.sqlite3":
        return SqliteDatabase(settings_dict)
    if engine == "django.db.backends.postgresql":
        return PostgresDatabase(settings_dict)
    raise BackupError(f"Ce moteur de base de données n'est pas pris en charge : {engine}.")


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


class SqliteDatabase:
    vendor = "sqlite"
    dump_name = "cqpilot.sqlite3"

    def __init__(self, settings_dict: dict[str, Any]) -> None:
        self.name = str(settings_dict["NAME"])
        # Django's in-memory test databases are URIs shared by the connections of one process.
        self.is_uri = self.name.startswith("file:")

    def describe(self) -> str:
        return f"SQLite {self.name}"

    def _exists(self) -> bool:
        return self.is_uri or Path(self.name).is_file()

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.name, uri=self.is_uri, timeout=20)

    def dump(self, destination: Path) -> Snapshot:
        if not self._exists():
            raise BackupError(f"La base SQLite {self.name} n'existe pas.")
        with closing(self._connect()) as source, closing(sqlite3.connect(destination)) as copy:
            # One step: the copy is the database as one read transaction saw it, whatever the
            # application writes meanwhile.
            source.backup(copy)
            copy.execute("PRAGMA journal_mode=DELETE")  # one file, no -wal beside it
            existing = {name for (name,) in copy.execute("SELECT name FROM sqlite_master")}
            for table in DATA_NOT_BACKED_UP:
                if table in existing:
                    copy.execute(f"DELETE FROM {_quote(table)}")
            copy.commit()
            copy.execute("VACUUM")  # the deleted rows' pages are rewritten, not left free
        return _sqlite_snapshot(destination)

    def restore(self, dump: Path) -> None:
        if not self.is_uri and not Path(self.name).parent.is_dir():
            raise BackupError(f"Le dossier de la base SQLite {self.name} n'existe pas.")
        try:
            with closing(sqlite3.connect(f"file:{dump}?mode=ro", uri=True)) as source:
                [(verdict,)] = source.execute("PRAGMA quick_check(1)").fetchall()
                if verdict != "ok":
                    raise sqlite3.DatabaseError(verdict)
                with closing(self._connect()) as target:
                    source.backup(target)
        except sqlite3.Error as error:
            raise BackupError(
                f"La base de l'archive n'a pas pu être restaurée dans {self.name} : {error}."
            ) from error

    def table_counts(self) -> dict[str, int]:
        if not self._exists():
            return {}
        with closing(self._connect()) as connection:
            return _sqlite_counts(connection)

    def schema(self) -> dict[str, str]:
        with closing(self._connect()) as connection:
            return _sqlite_schema(connection)

    def first_value(self, table: str, column: str) -> str | None:
        with closing(self._connect()) as connection:
            row = connection.execute(
                f"SELECT {_quote(column)} FROM {_quote(table)} "
                f"WHERE {_quote(column)} IS NOT NULL AND {_quote(column)} <> '' LIMIT 1"
            ).fetchone()
        return row[0] if row else None

    def pending_emails(self) -> int:
        with closing(self._connect()) as connection:
            return connection.execute(PENDING_EMAILS).fetchone()[0]


def _sqlite_counts(connection: sqlite3.Connection) -> dict[str, int]:
    tables = [
        name
        for (name,) in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "ORDER BY name"
        )
    ]
    return {
        table: connection.execute(f"SELECT COUNT(*) FROM {_quote(table)}").fetchone()[0]
        for table in tables
    }


def _sqlite_schema(connection: sqlite3.Connection) -> dict[str, str]:
    try:
        rows = connection.execute("SELECT app, name FROM django_migrations").fetchall()
    except sqlite3.OperationalError:  # no table: nothing was ever migrated
        return {}
    return latest_migrations(rows)


def _sqlite_snapshot(path: Path) -> Snapshot:
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as connection:
        return Snapshot(_sqlite_counts(connection), _sqlite_schema(connection))


# libpq's connection parameters and the environment variables that set them
# (https://www.postgresql.org/docs/current/libpq-envars.html).
LIBPQ_VARIABLES = {
    "host": "PGHOST",
    "hostaddr": "PGHOSTADDR",
    "port": "PGPORT",
    "dbname": "PGDATABASE",
    "user": "PGUSER",
    "password": "PGPASSWORD",
    "passfile": "PGPASSFILE",
    "service": "PGSERVICE",
    "options": "PGOPTIONS",
    "application_name": "PGAPPNAME",
    "sslmode": "PGSSLMODE",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcrl": "PGSSLCRL",
    "sslcrldir": "PGSSLCRLDIR",
    "sslsni": "PGSSLSNI",
    "sslnegotiation": "PGSSLNEGOTIATION",
    "requirepeer": "PGREQUIREPEER",
    "ssl_min_protocol_version": "PGSSLMINPROTOCOLVERSION",
    "ssl_max_protocol_version": "PGSSLMAXPROTOCOLVERSION",
    "gssencmode": "PGGSSENCMODE",
    "krbsrvname": "PGKRBSRVNAME",
    "gsslib": "PGGSSLIB",
    "channel_binding": "PGCHANNELBINDING",
    "connect_timeout": "PGCONNECT_TIMEOUT",
    "client_encoding": "PGCLIENTENCODING",
    "target_session_attrs": "PGTARGETSESSIONATTRS",
    "load_balance_hosts": "PGLOADBALANCEHOSTS",
    "require_auth": "PGREQUIREAUTH",
}

# Keys of Django's OPTIONS that are not libpq's.
DJANGO_ONLY_OPTIONS = {"isolation_level", "server_side_binding", "assume_role", "pool"}


class PostgresDatabase:
    vendor = "postgresql"
    dump_name = "cqpilot.pgdump"

    def __init__(self, settings_dict: dict[str, Any]) -> None:
        self.settings = settings_dict

    def describe(self) -> str:
        host = self.settings.get("HOST") or "localhost"
        return f"PostgreSQL {self.settings['NAME']} sur {host}"

    def _conninfo(self) -> dict[str, Any]:
        params = {
            "dbname": self.settings["NAME"],
            "user": self.settings.get("USER"),
            "password": self.settings.get("PASSWORD"),
            "host": self.settings.get("HOST"),
            "port": self.settings.get("PORT"),
        }
        options = {
            key: value
            for key, value in (self.settings.get("OPTIONS") or {}).items()
            if key not in DJANGO_ONLY_OPTIONS
        }
        return {key: value for key, value in {**params, **options}.items() if value}

    def _environment(self) -> dict[str, str]:
        """The connection for pg_dump and pg_restore, through libpq's variables: a password on
        their command line would show in every `ps` of the server. An option libpq cannot take
        from its environment is refused rather than dropped (a dump over an unchecked TLS
        connection, say)."""
        environment = dict(os.environ)
        for key, value in self._conninfo().items():
            if key not in LIBPQ_VARIABLES:
                raise BackupError(
                    f"L'option de connexion « {key} » ne peut pas être transmise à pg_dump et "
                    "pg_restore : retirez-la de DATABASE_URL pour la sauvegarde, ou mettez-la "
                    "dans un fichier de service PostgreSQL (PGSERVICE)."
                )
            environment[LIBPQ_VARIABLES[key]] = str(value)
        return environment

    def _connect(self, **kwargs) -> psycopg.Connection:
        try:
            return psycopg.connect(**self._conninfo(), **kwargs)
        except psycopg.OperationalError as error:
            raise BackupError(
                f"Connexion impossible à la base {self.describe()} : {error}".strip()
            ) from error

    def dump(self, destination: Path) -> Snapshot:
        tool = _tool("pg_dump")
        environment = self._environment()  # refuses an option it cannot pass, before any work
        with self._connect() as connection:
            # The counts and pg_dump read one snapshot: the manifest describes the dump exactly
            # even while the application writes.
            connection.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
            connection.read_only = True
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_export_snapshot()")
                snapshot_id = cursor.fetchone()[0]
                _run(
                    [
                        tool,
                        "--format=custom",
                        "--compress=0",  # the archive compresses it once, as a whole
                        *(f"--exclude-table-data={table}" for table in DATA_NOT_BACKED_UP),
                        f"--snapshot={snapshot_id}",
                        f"--file={destination}",
                    ],
                    environment,
                )
                tables = _postgres_counts(cursor)
                tables |= {table: 0 for table in DATA_NOT_BACKED_UP if table in tables}
                schema = _postgres_schema(cursor)
        return Snapshot(tables, schema)

    def restore(self, dump: Path) -> None:
        tool = _tool("pg_restore")
        environment = self._environment()
        existing = self.table_counts()
        if existing:
            # Tables that `migrate` created and left empty (checked by the caller): they would
            # collide with the dump's, possibly of an older schema.
            with self._connect(autocommit=True) as connection:
                names = ", ".join(_quote(table) for table in existing)
                connection.execute(f"DROP TABLE IF EXISTS {names} CASCADE")
        _run(
            [
                tool,
                "--no-owner",
                "--no-privileges",
                "--exit-on-error",
                "--single-transaction",
                f"--dbname={self.settings['NAME']}",
                str(dump),
            ],
            environment,
        )

    def table_counts(self) -> dict[str, int]:
        with self._connect() as connection, connection.cursor() as cursor:
            return _postgres_counts(cursor)

    def schema(self) -> dict[str, str]:
        with self._connect() as connection, connection.cursor() as cursor:
            return _postgres_schema(cursor)

    def first_value(self, table: str, column: str) -> str | None:
        with self._connect() as connection, connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {_quote(column)} FROM {_quote(table)} "
                f"WHERE {_quote(column)} IS NOT NULL AND {_quote(column)} <> '' LIMIT 1"
            )
            row = cursor.fetchone()
        return row[0] if row else None

    def pending_emails(self) -> int:
        with self._connect() as connection, connection.cursor() as cursor:
            cursor.execute(PENDING_EMAILS)
            return cursor.fetchone()[0]


def _postgres_counts(cursor) -> dict[str, int]:
    cursor.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename"
    )
    tables = [name for (name,) in cursor.fetchall()]
    counts = {}
    for table in tables:
        cursor.execute(f"SELECT COUNT(*) FROM {_quote(table)}")
        counts[table] = cursor.fetchone()[0]
    return counts


def _postgres_schema(cursor) -> dict[str, str]:
    cursor.execute("SELECT to_regclass('django_migrations') IS NOT NULL")
    if not cursor.fetchone()[0]:
        return {}
    cursor.execute("SELECT app, name FROM django_migrations")
    return latest_migrations(cursor.fetchall())


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"{name} est introuvable : installez les outils clients de PostgreSQL "
            f"(paquet postgresql-client, de la même version majeure que le serveur ou plus récente)."
        )
    return path


def _run(command: list[str], environment: dict[str, str]) -> None:
    result = subprocess.run(command, env=environment, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        name = Path(command[0]).name
        raise BackupError(f"{name} a échoué (code {result.returncode}) : {result.stderr.strip()}")
