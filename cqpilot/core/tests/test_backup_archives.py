"""`cqpilot restauration` refuses, in French and before writing anything, an archive that is not
a whole cqpilot backup: not a tar.gz, truncated, without manifest, with a path out of the media
folder, a link, a file the manifest does not declare or a file that is not the one it declares."""

import hashlib
import io
import json
import os
import tarfile
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.management import CommandError, call_command
from hypothesis import given
from hypothesis import strategies as st

from cqpilot.core.backup import BackupError, restore_backup
from cqpilot.core.backup.archive import is_safe_relative

DATABASE = b"SQLite format 3\x00 not really, refused before it is used"
PV = b"%PDF-1.7 the PV"


def manifest_for(database: bytes, media: dict[str, bytes], **changes) -> dict:
    def entry(data: bytes) -> dict:
        return {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}

    return {
        "format": "cqpilot-sauvegarde",
        "format_version": 1,
        "cqpilot_version": "0.1.0",
        "created_at": "2026-11-30T10:00:00+00:00",
        "database": {"vendor": "sqlite", "file": "cqpilot.sqlite3"} | entry(database),
        "schema": {},
        "tables": {"core_user": 0},
        "media": {name: entry(data) for name, data in media.items()},
        "keys_not_included": ["FIELD_ENCRYPTION_KEYS", "SECRET_KEY"],
    } | changes


def write_tar(path: Path, members: list[tarfile.TarInfo | tuple[str, bytes]]) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for member in members:
            if isinstance(member, tarfile.TarInfo):
                tar.addfile(member)
            else:
                name, data = member
                info = tarfile.TarInfo(name)
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
    return path


def backup_archive(path: Path, *, media=None, extra=(), manifest=None, **changes) -> Path:
    media = {"jurys/1/pv-v1.pdf": PV} if media is None else media
    manifest = manifest or manifest_for(DATABASE, media, **changes)
    members = [("database/cqpilot.sqlite3", DATABASE)]
    members += [(f"media/{name}", data) for name, data in media.items()]
    members += [*extra, ("manifest.json", json.dumps(manifest).encode())]
    return write_tar(path, members)


@pytest.fixture
def target(tmp_path) -> dict:
    return {"ENGINE": "django.db.backends.sqlite3", "NAME": str(tmp_path / "cible.sqlite3")}


def restore(archive: Path, target: dict) -> None:
    restore_backup(archive, database=target, media_root=Path(target["NAME"]).parent / "medias")


def nothing_restored(target: dict) -> bool:
    folder = Path(target["NAME"]).parent
    return not (folder / "cible.sqlite3").exists() and not any((folder / "medias").rglob("*"))


@pytest.mark.parametrize(
    "content",
    [b"", b"nom;prenom\nDupont;Marie\n", b"\x1f\x8b\x08\x00garbage"],
    ids=["vide", "csv", "faux-gzip"],
)
def test_a_file_that_is_not_an_archive_is_refused(tmp_path, target, content):
    archive = tmp_path / "sauvegarde.tar.gz"
    archive.write_bytes(content)

    with pytest.raises(BackupError, match=r"n'est pas une archive tar.gz lisible"):
        restore(archive, target)
    assert nothing_restored(target)


def test_a_truncated_archive_is_refused(tmp_path, target):
    archive = backup_archive(tmp_path / "sauvegarde.tar.gz")
    archive.write_bytes(archive.read_bytes()[:-200])

    with pytest.raises(BackupError, match=r"n'est pas une archive tar.gz lisible"):
        restore(archive, target)


def test_an_archive_without_manifest_is_refused(tmp_path, target):
    archive = write_tar(tmp_path / "a.tar.gz", [("database/cqpilot.sqlite3", DATABASE)])

    with pytest.raises(BackupError, match=r"il manque manifest.json"):
        restore(archive, target)


@pytest.mark.parametrize(
    ("manifest", "message"),
    [
        (b"{not json", "n'est pas du JSON valide"),
        (b'{"format": "autre"}', "ce n'est pas un manifeste de sauvegarde cqpilot"),
        (b'["cqpilot-sauvegarde"]', "ce n'est pas un manifeste de sauvegarde cqpilot"),
    ],
)
def test_a_manifest_that_is_not_cqpilots_is_refused(tmp_path, target, manifest, message):
    archive = write_tar(tmp_path / "a.tar.gz", [("manifest.json", manifest)])

    with pytest.raises(BackupError, match=message):
        restore(archive, target)


def test_a_manifest_naming_a_file_out_of_the_media_folder_is_refused(tmp_path, target):
    manifest = manifest_for(DATABASE, {"../../profile": b"x"})
    archive = backup_archive(tmp_path / "a.tar.gz", media={}, manifest=manifest)

    with pytest.raises(BackupError, match=r"média « ../../profile »"):
        restore(archive, target)


@pytest.mark.parametrize(
    "name", ["../evil", "media/../../evil", "/tmp/evil", "media/jurys/../../../evil", "media//evil"]
)
def test_a_member_whose_path_leaves_the_archive_is_refused_and_nothing_is_written(
    tmp_path, target, name
):
    archive = backup_archive(tmp_path / "a.tar.gz", extra=[(name, b"pwned")])
    before = set(tmp_path.parent.iterdir())

    with pytest.raises(BackupError, match=r"sort de l'archive"):
        restore(archive, target)
    assert nothing_restored(target)
    assert set(tmp_path.parent.iterdir()) == before
    assert not Path("/tmp/evil").exists()


@pytest.mark.parametrize(
    "kind", [tarfile.SYMTYPE, tarfile.LNKTYPE, tarfile.CHRTYPE, tarfile.FIFOTYPE]
)
def test_links_and_devices_are_refused(tmp_path, target, kind):
    link = tarfile.TarInfo("media/jurys/lien.pdf")
    link.type = kind
    link.linkname = "/etc/passwd"
    archive = backup_archive(tmp_path / "a.tar.gz", extra=[link])

    with pytest.raises(BackupError, match=r"n'est pas un simple fichier"):
        restore(archive, target)
    assert nothing_restored(target)


def test_a_member_the_manifest_does_not_declare_is_refused(tmp_path, target):
    archive = backup_archive(tmp_path / "a.tar.gz", extra=[("media/jurys/9/ajout.pdf", b"%PDF")])

    with pytest.raises(BackupError, match=r"« media/jurys/9/ajout.pdf » n'est pas déclaré"):
        restore(archive, target)


def test_a_member_larger_than_declared_is_refused_before_it_is_read(tmp_path, target):
    manifest = manifest_for(DATABASE, {"jurys/1/pv-v1.pdf": PV})
    big = PV + b"\x00" * 5_000_000
    archive = write_tar(
        tmp_path / "a.tar.gz",
        [
            ("database/cqpilot.sqlite3", DATABASE),
            ("media/jurys/1/pv-v1.pdf", big),
            ("manifest.json", json.dumps(manifest).encode()),
        ],
    )

    with pytest.raises(
        BackupError, match=rf"fait {len(big)} octets, le manifeste en annonce {len(PV)}"
    ):
        restore(archive, target)
    assert nothing_restored(target)


def test_a_declared_file_missing_from_the_archive_is_refused(tmp_path, target):
    manifest = manifest_for(DATABASE, {"jurys/1/pv-v1.pdf": PV, "jurys/2/pv-v1.pdf": PV})
    archive = backup_archive(tmp_path / "a.tar.gz", manifest=manifest)

    with pytest.raises(BackupError, match=r"il manque 1 fichier.*jurys/2/pv-v1.pdf"):
        restore(archive, target)


def test_a_member_twice_in_the_archive_is_refused(tmp_path, target):
    archive = backup_archive(tmp_path / "a.tar.gz", extra=[("media/jurys/1/pv-v1.pdf", PV)])

    with pytest.raises(BackupError, match=r"y figure deux fois"):
        restore(archive, target)


def test_a_file_that_is_not_the_one_backed_up_is_refused_and_nothing_is_restored(tmp_path, target):
    manifest = manifest_for(DATABASE, {"jurys/1/pv-v1.pdf": PV})
    forged = PV.replace(b"PV", b"XX")  # same size, other content
    archive = backup_archive(
        tmp_path / "a.tar.gz", media={"jurys/1/pv-v1.pdf": forged}, manifest=manifest
    )

    with pytest.raises(
        BackupError,
        match=r"1 fichier de l'archive ne correspond pas à son empreinte SHA-256.*jurys/1/pv-v1.pdf",
    ):
        restore(archive, target)
    assert nothing_restored(target)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # staging removed


def test_a_file_that_is_also_a_folder_is_refused(tmp_path, target):
    media = {"jurys/1": b"a file", "jurys/1/pv-v1.pdf": PV}
    archive = backup_archive(tmp_path / "a.tar.gz", media=media)

    with pytest.raises(BackupError, match=r"jurys/1/pv-v1.pdf ne peut pas être extrait"):
        restore(archive, target)
    assert nothing_restored(target)


def test_a_database_file_that_is_not_sqlite_is_refused_and_nothing_is_restored(tmp_path, target):
    archive = backup_archive(tmp_path / "a.tar.gz")  # DATABASE only starts like SQLite's header

    with pytest.raises(BackupError, match=r"La base de l'archive n'a pas pu être restaurée"):
        restore(archive, target)
    assert nothing_restored(target)


def test_a_backup_of_another_database_vendor_is_refused(tmp_path, target):
    manifest = manifest_for(DATABASE, {"jurys/1/pv-v1.pdf": PV})
    manifest["database"]["vendor"] = "postgresql"
    archive = backup_archive(tmp_path / "a.tar.gz", manifest=manifest)

    with pytest.raises(BackupError, match=r"base postgresql, la base cible est sqlite"):
        restore(archive, target)


def test_a_backup_from_a_newer_cqpilot_is_refused(tmp_path, target):
    archive = backup_archive(tmp_path / "a.tar.gz", schema={"core": "9999_from_the_future"})

    with pytest.raises(
        BackupError, match=r"version plus récente de cqpilot.*core.9999_from_the_future"
    ):
        restore(archive, target)


def test_an_archive_larger_than_the_free_disk_space_is_refused(tmp_path, target, monkeypatch):
    archive = backup_archive(tmp_path / "a.tar.gz")
    monkeypatch.setattr("shutil.disk_usage", lambda path: SimpleNamespace(free=10))

    with pytest.raises(BackupError, match=r"Espace disque insuffisant"):
        restore(archive, target)
    assert nothing_restored(target)


def test_the_command_says_why_it_refuses(tmp_path):
    archive = tmp_path / "sauvegarde.tar.gz"
    archive.write_text("pas une archive")

    with pytest.raises(CommandError, match=r"n'est pas une sauvegarde cqpilot utilisable"):
        call_command("restauration", str(archive))


@given(st.text(alphabet=st.sampled_from("ab./\\\x00"), max_size=12) | st.text(max_size=12))
def test_a_name_accepted_for_a_member_always_lands_inside_the_media_folder(name):
    if is_safe_relative(name):
        assert os.path.normpath(os.path.join("/medias", name)).startswith("/medias/")
