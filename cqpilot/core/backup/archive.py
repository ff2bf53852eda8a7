"""The archive: a tar.gz of `database/<dump>`, `media/<path>` and `manifest.json`.

Written beside its destination under a temporary name, readable by its owner only (it holds
personal data: identities, encrypted NIRs, pièces justificatives), then renamed: a backup
interrupted halfway never passes for a complete one.

Read back, every member is checked before anything is extracted: a regular file, under a name
the manifest declares, with the size it declares; no absolute path, no `..`, no link, no device.
"""

import hashlib
import io
import json
import os
import tarfile
import tempfile
import zlib
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import IO, Any

from cqpilot.core.french import compte

from .errors import BackupError

MANIFEST = "manifest.json"
FORMAT = "cqpilot-sauvegarde"
FORMAT_VERSION = 1
MANIFEST_MAX_SIZE = 64 * 1024 * 1024  # about 150 bytes per media file: some 400,000 files
CHUNK = 1024 * 1024
VENDORS = {"sqlite", "postgresql"}


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        while chunk := file.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


class _HashingReader:
    """Hashes what tarfile reads, so that the checksum is of the bytes archived."""

    def __init__(self, file: IO[bytes]) -> None:
        self.file = file
        self.digest = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self.file.read(size)
        self.digest.update(data)
        return data


class ArchiveWriter:
    def __init__(self, tar: tarfile.TarFile) -> None:
        self.tar = tar

    def add_file(self, source: Path, name: str) -> dict[str, Any]:
        """Adds a file and returns its size and SHA-256 as archived."""
        with open(source, "rb") as file:
            size = os.fstat(file.fileno()).st_size
            mtime = int(os.path.getmtime(source))
            return self.add_stream(file, name, size=size, mtime=mtime, origin=str(source))

    def add_stream(
        self, stream: IO[bytes], name: str, *, size: int, mtime: int, origin: str
    ) -> dict[str, Any]:
        """Adds `size` bytes read from `stream` (a bucket's object as it downloads, say)."""
        info = tarfile.TarInfo(name)
        info.size = size
        info.mtime = mtime
        info.mode = 0o600
        reader = _HashingReader(stream)
        try:
            self.tar.addfile(info, reader)
        except OSError as error:  # the file shrank while it was read
            raise BackupError(f"{origin} a changé pendant sa lecture : relancez.") from error
        return {"sha256": reader.digest.hexdigest(), "size": size}

    def add_manifest(self, manifest: dict[str, Any]) -> None:
        data = json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True).encode()
        info = tarfile.TarInfo(MANIFEST)
        info.size = len(data)
        info.mtime = int(datetime.fromisoformat(manifest["created_at"]).timestamp())
        info.mode = 0o600
        self.tar.addfile(info, io.BytesIO(data))


@contextmanager
def write_archive(destination: Path, *, overwrite: bool):
    """Yields an ArchiveWriter; the archive appears at `destination` only once complete."""
    if destination.exists() and not overwrite:
        raise BackupError(f"{destination} existe déjà : choisissez un autre nom ou --ecraser.")
    if not destination.parent.is_dir():
        raise BackupError(f"Le dossier {destination.parent} n'existe pas.")
    descriptor, temporary = tempfile.mkstemp(
        dir=destination.parent, prefix=f".{destination.name}.", suffix=".partiel"
    )
    os.fchmod(descriptor, 0o600)  # mkstemp already does; said again because it matters
    try:
        with os.fdopen(descriptor, "wb") as file:
            with tarfile.open(fileobj=file, mode="w:gz", compresslevel=6) as tar:
                yield ArchiveWriter(tar)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, destination)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def is_safe_relative(name: str) -> bool:
    path = PurePosixPath(name)
    return (
        bool(name)
        and "\\" not in name
        and "\x00" not in name
        and not path.is_absolute()
        and all(part not in {"", ".", ".."} for part in name.split("/"))
    )


@dataclass
class BackupArchive:
    path: Path
    tar: tarfile.TarFile
    manifest: dict[str, Any]
    database_member: tarfile.TarInfo
    media_members: dict[str, tarfile.TarInfo]  # by their path in the media folder

    @property
    def total_size(self) -> int:
        return self.database_member.size + sum(m.size for m in self.media_members.values())

    def copy_member(self, member: tarfile.TarInfo, destination: Path, expected_sha256: str) -> bool:
        """Writes the member to a new file and tells whether its SHA-256 is the expected one."""
        source = self.tar.extractfile(member)
        if source is None:
            raise BackupError(f"{member.name} n'est pas un fichier dans l'archive.")
        digest = hashlib.sha256()
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
        with source, os.fdopen(os.open(destination, flags, 0o600), "wb") as target:
            remaining = member.size
            while remaining:
                chunk = source.read(min(CHUNK, remaining))
                if not chunk:
                    raise BackupError(f"L'archive est tronquée : {member.name} est incomplet.")
                digest.update(chunk)
                target.write(chunk)
                remaining -= len(chunk)
        return digest.hexdigest() == expected_sha256


def _refuse(path: Path, reason: str) -> BackupError:
    return BackupError(f"{path} n'est pas une sauvegarde cqpilot utilisable : {reason}.")


def open_archive(path: Path) -> BackupArchive:
    """Opens and checks an archive; the caller closes `archive.tar`."""
    if not path.is_file():
        raise BackupError(f"Fichier introuvable : {path}")
    try:
        tar = tarfile.open(path, mode="r:gz")  # noqa: SIM115 (closed by the caller)
        members = tar.getmembers()  # reads to the end: a truncated archive fails here
    except (tarfile.TarError, OSError, EOFError, zlib.error) as error:
        raise _refuse(path, "ce n'est pas une archive tar.gz lisible") from error
    try:
        return _checked(path, tar, members)
    except BaseException:
        tar.close()
        raise


def _checked(path: Path, tar: tarfile.TarFile, members: list[tarfile.TarInfo]) -> BackupArchive:
    by_name: dict[str, tarfile.TarInfo] = {}
    for member in members:
        if not is_safe_relative(member.name):
            raise _refuse(path, f"le chemin « {member.name} » sort de l'archive")
        if not member.isfile():
            raise _refuse(path, f"« {member.name} » n'est pas un simple fichier (lien, dossier…)")
        if member.name in by_name:
            raise _refuse(path, f"« {member.name} » y figure deux fois")
        try:  # the standard library's own rules on top of ours (Python's "data" filter)
            tarfile.data_filter(member, "/nonexistent-destination")
        except tarfile.FilterError as error:
            raise _refuse(path, f"« {member.name} » est refusé ({error})") from error
        by_name[member.name] = member

    manifest_member = by_name.pop(MANIFEST, None)
    if manifest_member is None:
        raise _refuse(path, "il manque manifest.json")
    if manifest_member.size > MANIFEST_MAX_SIZE:
        raise _refuse(path, "manifest.json est démesuré")
    try:
        manifest = json.loads(tar.extractfile(manifest_member).read())
    except (ValueError, UnicodeDecodeError) as error:
        raise _refuse(path, "manifest.json n'est pas du JSON valide") from error
    _check_manifest(path, manifest)

    database = manifest["database"]
    database_name = f"database/{database['file']}"
    declared = {database_name: database["size"]}
    declared |= {f"media/{name}": entry["size"] for name, entry in manifest["media"].items()}
    for name, member in by_name.items():
        if name not in declared:
            raise _refuse(path, f"« {name} » n'est pas déclaré dans le manifeste")
        if member.size != declared[name]:
            raise _refuse(
                path,
                f"« {name} » fait {member.size} octets, le manifeste en annonce {declared[name]}",
            )
    missing = sorted(set(declared) - set(by_name))
    if missing:
        raise _refuse(path, f"il manque {compte(len(missing), 'fichier')}, dont « {missing[0]} »")
    return BackupArchive(
        path=path,
        tar=tar,
        manifest=manifest,
        database_member=by_name[database_name],
        media_members={
            name.removeprefix("media/"): m for name, m in by_name.items() if name != database_name
        },
    )


def _check_manifest(path: Path, manifest: Any) -> None:
    def fail(reason: str) -> BackupError:
        return _refuse(path, f"manifeste invalide ({reason})")

    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise fail("ce n'est pas un manifeste de sauvegarde cqpilot")
    version = manifest.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise fail(f"format {version!r} inconnu de cette version de cqpilot : mettez-la à jour")
    database = manifest.get("database")
    if (
        not isinstance(database, dict)
        or database.get("vendor") not in VENDORS
        or not _is_file_entry(database)
        or not isinstance(database.get("file"), str)
        or "/" in database["file"]
        or not is_safe_relative(database["file"])
    ):
        raise fail("base de données")
    for key in ("tables", "schema", "media"):
        if not isinstance(manifest.get(key), dict):
            raise fail(key)
    if not all(isinstance(v, int) and v >= 0 for v in manifest["tables"].values()):
        raise fail("nombres de lignes")
    if not all(isinstance(v, str) for v in manifest["schema"].values()):
        raise fail("version du schéma")
    for name, entry in manifest["media"].items():
        if not is_safe_relative(name) or not _is_file_entry(entry):
            raise fail(f"média « {name} »")
    if not isinstance(manifest.get("created_at"), str):
        raise fail("date")


def _is_file_entry(entry: Any) -> bool:
    return (
        isinstance(entry, dict)
        and isinstance(entry.get("size"), int)
        and entry["size"] >= 0
        and isinstance(entry.get("sha256"), str)
        and len(entry["sha256"]) == 64
    )
