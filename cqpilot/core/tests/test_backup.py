"""`cqpilot sauvegarde` then `cqpilot restauration` into a fresh database gives back the same
installation, on SQLite and on PostgreSQL; the archive never holds the keys."""

import gzip
import hashlib
import os
import sqlite3
import stat
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from cqpilot.core import encryption
from cqpilot.core.backup import BackupError, create_backup, restore_backup
from cqpilot.core.backup.databases import database_for
from cqpilot.core.models import RoleGrant
from cqpilot.demo import load_demo
from cqpilot.dossiers.models import Candidat
from cqpilot.dossiers.tests.factories import CandidatFactory

from .conftest import postgres_connection

pytestmark = pytest.mark.django_db(transaction=True)  # pg_dump reads committed rows only

VALID_NIR = "290056912304560"  # a woman born in May 1990 in the Rhône, as the factory


@pytest.fixture
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def query(settings_dict: dict, sql: str) -> list[tuple]:
    """Reads the restored database directly, not through the code under test."""
    if settings_dict["ENGINE"].endswith("sqlite3"):
        with closing(sqlite3.connect(settings_dict["NAME"])) as database:
            return database.execute(sql).fetchall()
    with postgres_connection(settings_dict, settings_dict["NAME"]) as database:
        return database.execute(sql).fetchall()


def table_counts(settings_dict: dict) -> dict[str, int]:
    if settings_dict["ENGINE"].endswith("sqlite3"):
        tables = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    else:
        tables = "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
    return {
        name: query(settings_dict, f'SELECT COUNT(*) FROM "{name}"')[0][0]
        for (name,) in query(settings_dict, tables)
    }


def files_of(folder: Path) -> dict[str, str]:
    return {
        path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in folder.rglob("*")
        if path.is_file()
    }


def test_the_demo_restored_into_a_fresh_database_has_the_same_rows_files_nir_and_pv(
    media, fresh_database, tmp_path, settings
):
    load_demo()
    archive = tmp_path / "sauvegarde.tar.gz"
    call_command("sauvegarde", "-o", str(archive))
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600

    restored_media = tmp_path / "medias-restaurees"
    report = restore_backup(archive, database=fresh_database, media_root=restored_media)

    assert report.is_verified, report.problems
    assert table_counts(fresh_database) == table_counts(connection.settings_dict)
    assert files_of(restored_media) == files_of(media)
    assert len(files_of(media)) >= 19  # PV, parchemins, attestations, accrochage files

    holder = Candidat.objects.exclude(nir="").get()
    [(stored_nir,)] = query(
        fresh_database, f"SELECT nir FROM dossiers_candidat WHERE id = {holder.pk}"
    )
    assert stored_nir != holder.nir  # encrypted at rest...
    assert encryption.decrypt(stored_nir) == holder.nir  # ...and readable with the same key

    signed = query(
        fresh_database, "SELECT fichier, sha256 FROM jurys_procesverbal WHERE signed_at IS NOT NULL"
    )
    assert signed
    for fichier, sha256 in signed:
        assert hashlib.sha256((restored_media / fichier).read_bytes()).hexdigest() == sha256

    # Neither the keys nor what they protect in clear is in the archive.
    content = gzip.decompress(archive.read_bytes())
    for secret in [settings.SECRET_KEY, *settings.FIELD_ENCRYPTION_KEYS, holder.nir]:
        assert secret.encode() not in content
    [(pem,)] = query(fresh_database, "SELECT private_pem FROM delivrance_clesignature")
    assert b"PRIVATE KEY" not in content
    assert "PRIVATE KEY" in encryption.decrypt(pem)


def test_a_restore_with_other_keys_is_reported_as_not_verified(
    media, fresh_database, tmp_path, settings
):
    CandidatFactory(nir=VALID_NIR)
    archive = create_backup(tmp_path / "sauvegarde.tar.gz").path

    settings.FIELD_ENCRYPTION_KEYS = ["FtbEwpuNpkgU2lnP1EtIgqsAiJpM9NOBtLx9nhHNWL0="]
    encryption._fernet.cache_clear()
    try:
        report = restore_backup(
            archive, database=fresh_database, media_root=tmp_path / "restaurees"
        )
    finally:
        encryption._fernet.cache_clear()

    assert not report.is_verified
    assert "FIELD_ENCRYPTION_KEYS" in report.problems[0]
    assert "NIR" in report.problems[0]


def test_the_command_exits_with_1_and_names_the_difference_when_the_keys_differ(
    media, fresh_database, tmp_path
):
    CandidatFactory(nir=VALID_NIR)
    archive = create_backup(tmp_path / "sauvegarde.tar.gz").path
    if fresh_database["ENGINE"].endswith("sqlite3"):
        url = f"sqlite:///{fresh_database['NAME']}"
    else:
        url = "postgres://{USER}@{HOST}:{PORT}/{NAME}".format(**fresh_database)
    environment = os.environ | {
        "DEBUG": "1",
        "DATABASE_URL": url,
        "MEDIA_ROOT": str(tmp_path / "restaurees"),
        "FIELD_ENCRYPTION_KEYS": "FtbEwpuNpkgU2lnP1EtIgqsAiJpM9NOBtLx9nhHNWL0=",
        "DJANGO_SETTINGS_MODULE": "cqpilot.settings",
    }

    result = subprocess.run(
        [sys.executable, "-m", "cqpilot.cli", "restauration", str(archive)],
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 1
    assert "Base restaurée" in result.stdout
    assert "Écart — Les clés FIELD_ENCRYPTION_KEYS configurées ne déchiffrent pas" in result.stderr
    assert "La restauration ne correspond pas à la sauvegarde (1 écart ci-dessus)" in result.stderr


def test_the_backup_is_refused_in_production_without_an_explicit_encryption_key(
    media, tmp_path, settings
):
    settings.DEBUG = False
    settings.FIELD_ENCRYPTION_KEYS = []

    with pytest.raises(CommandError, match="FIELD_ENCRYPTION_KEYS n'est pas défini"):
        call_command("sauvegarde", "-o", str(tmp_path / "sauvegarde.tar.gz"))
    assert list(tmp_path.iterdir()) == []


def test_the_restoration_refuses_a_database_that_is_not_empty(media, tmp_path):
    CandidatFactory()
    archive = create_backup(tmp_path / "sauvegarde.tar.gz").path

    with pytest.raises(CommandError, match=r"n'est pas vide.*dossiers_candidat"):
        call_command("restauration", str(archive))
    assert Candidat.objects.count() == 1


def test_a_database_holding_only_what_migrate_writes_is_empty_enough_to_restore_into(
    media, fresh_database, tmp_path
):
    RoleGrant.objects.get_or_create(code="administrateur")  # as the data migration does
    migrated_only = create_backup(tmp_path / "migree.tar.gz").path
    restore_backup(migrated_only, database=fresh_database, media_root=tmp_path / "m1")
    assert table_counts(fresh_database)["django_migrations"] > 0
    assert table_counts(fresh_database)["core_rolegrant"] > 0

    CandidatFactory(nir=VALID_NIR)
    archive = create_backup(tmp_path / "sauvegarde.tar.gz").path
    report = restore_backup(archive, database=fresh_database, media_root=tmp_path / "m2")

    assert report.is_verified, report.problems
    assert table_counts(fresh_database)["dossiers_candidat"] == 1


def test_a_missing_pg_dump_is_named(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    database = database_for({"ENGINE": "django.db.backends.postgresql", "NAME": "cqpilot"})

    with pytest.raises(BackupError, match="pg_dump est introuvable : installez"):
        database.dump(tmp_path / "cqpilot.pgdump")


def test_the_restoration_refuses_a_media_folder_that_is_not_empty(media, fresh_database, tmp_path):
    archive = create_backup(tmp_path / "sauvegarde.tar.gz").path
    restored_media = tmp_path / "restaurees"
    (restored_media / "jurys").mkdir(parents=True)
    (restored_media / "jurys" / "pv.pdf").write_bytes(b"%PDF")

    with pytest.raises(BackupError, match="contient déjà des fichiers"):
        restore_backup(archive, database=fresh_database, media_root=restored_media)
    assert table_counts(fresh_database).get("core_user", 0) == 0


def test_an_existing_archive_is_not_overwritten_unless_asked(media, tmp_path):
    archive = tmp_path / "sauvegarde.tar.gz"
    archive.write_bytes(b"the previous backup")

    with pytest.raises(CommandError, match="existe déjà"):
        call_command("sauvegarde", "-o", str(archive))
    assert archive.read_bytes() == b"the previous backup"

    call_command("sauvegarde", "-o", str(archive), "--ecraser")
    assert archive.read_bytes()[:2] == b"\x1f\x8b"  # gzip
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_live_sessions_are_left_out_of_the_archive_and_everyone_signs_in_again(
    media, fresh_database, tmp_path
):
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session["_auth_user_id"] = "1"
    session.create()
    archive = create_backup(tmp_path / "sauvegarde.tar.gz").path

    report = restore_backup(archive, database=fresh_database, media_root=tmp_path / "restaurees")

    assert report.is_verified, report.problems
    assert session.session_key.encode() not in gzip.decompress(archive.read_bytes())
    assert table_counts(fresh_database)["django_session"] == 0


def test_the_restoration_says_how_many_e_mails_will_leave_when_the_worker_starts(
    media, fresh_database, tmp_path
):
    from django_tasks_db.models import DBTaskResult

    DBTaskResult.objects.create(
        task_path="cqpilot.core.mail.send_message",
        args_kwargs={"args": [], "kwargs": {}},
        priority=0,
        queue_name="default",
        backend_name="default",
    )
    archive = create_backup(tmp_path / "sauvegarde.tar.gz").path

    report = restore_backup(archive, database=fresh_database, media_root=tmp_path / "restaurees")

    assert any("1 courriel attendait le worker" in warning for warning in report.warnings)


def test_the_restoration_refuses_to_run_as_another_user_than_the_media_folders_owner(
    media, fresh_database, tmp_path
):
    archive = create_backup(tmp_path / "sauvegarde.tar.gz").path
    restored_media = tmp_path / "restaurees"
    restored_media.mkdir()
    if os.geteuid() == 0:
        os.chown(restored_media, 1, -1)
    if restored_media.stat().st_uid == os.geteuid():
        pytest.skip("changing a folder's owner needs root")

    with pytest.raises(BackupError, match="sous l'utilisateur du service"):
        restore_backup(archive, database=fresh_database, media_root=restored_media)


def test_a_connection_option_pg_dump_cannot_take_is_refused_rather_than_dropped(tmp_path):
    database = database_for(
        {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": "cqpilot",
            "OPTIONS": {"sslrootcert": "/etc/ssl/ca.pem", "cursor_factory": "x"},
        }
    )

    with pytest.raises(BackupError, match="« cursor_factory » ne peut pas être transmise"):
        database.dump(tmp_path / "cqpilot.pgdump")


def test_tls_options_reach_pg_dump_through_libpq_variables():
    database = database_for(
        {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": "cqpilot",
            "PASSWORD": "secret",
            "OPTIONS": {"sslmode": "verify-full", "sslrootcert": "/etc/ssl/ca.pem"},
        }
    )

    environment = database._environment()

    assert environment["PGSSLROOTCERT"] == "/etc/ssl/ca.pem"
    assert environment["PGSSLMODE"] == "verify-full"
    assert environment["PGPASSWORD"] == "secret"
