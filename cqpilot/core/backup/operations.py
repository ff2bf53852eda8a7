"""`create_backup` and `restore_backup`: what the commands `sauvegarde` and `restauration` run."""

import os
import shutil
import tempfile
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.loader import MigrationLoader
from django.db.models import FileField

from cqpilot.core.encryption import EncryptedCharField, decrypt
from cqpilot.core.french import accorde, compte

from .archive import (
    FORMAT,
    FORMAT_VERSION,
    is_safe_relative,
    open_archive,
    sha256_file,
    write_archive,
)
from .bucket import Bucket, StoredObject, default_bucket
from .databases import (
    FILLED_BY_MIGRATE,
    Database,
    database_for,
    is_empty,
    latest_migrations,
)
from .errors import BackupError

KEYS_NOT_INCLUDED = ["FIELD_ENCRYPTION_KEYS", "SECRET_KEY"]


@dataclass
class BackupResult:
    path: Path
    manifest: dict[str, Any]
    warnings: list[str] = field(default_factory=list)


@dataclass
class RestoreReport:
    summary: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # the restored data differ from the manifest

    @property
    def is_verified(self) -> bool:
        return not self.problems


def check_keys() -> list[str]:
    """Refuses without an explicit encryption key in production; returns warnings otherwise."""
    if any(key.strip() for key in settings.FIELD_ENCRYPTION_KEYS):
        return []
    if not settings.DEBUG:
        raise BackupError(
            "FIELD_ENCRYPTION_KEYS n'est pas défini : sans cette clé, les NIR et les clés de "
            "signature de la sauvegarde seraient illisibles. Définissez-la (et conservez-la à "
            "part, jamais avec les sauvegardes) avant de sauvegarder ou de restaurer."
        )
    return [
        "FIELD_ENCRYPTION_KEYS n'est pas défini (mode DEBUG) : les NIR sont chiffrés par une clé "
        "tirée de SECRET_KEY ; il faudra la même SECRET_KEY pour les relire après restauration."
    ]


def cqpilot_version() -> str:
    try:
        return version("cqpilot")
    except PackageNotFoundError:
        return "inconnue"


def create_backup(
    destination: Path, *, media_root: Path | None = None, overwrite: bool = False
) -> BackupResult:
    """Backs up the default database and the media files into one archive at `destination`:
    the media folder's, or the bucket's objects, streamed (S3_BUCKET, see bucket.py)."""
    warnings = check_keys()
    bucket = None if media_root else default_bucket()
    database = database_for(connections[DEFAULT_DB_ALIAS].settings_dict)
    files: list[tuple[str, Path]] = []
    objects: list[StoredObject] = []
    if bucket:
        objects, skipped = _bucket_objects(bucket)
        stored = {item.name for item in objects}
        warnings += skipped + _missing_media(
            stored.__contains__, bucket.describe(), "S3_BUCKET (et S3_PREFIX) est-il le bon ?"
        )
    else:
        media_root = Path(media_root or settings.MEDIA_ROOT)
        files, skipped = _media_files(media_root)
        warnings += skipped + _missing_media(
            lambda name: (media_root / name).is_file(),
            str(media_root),
            "MEDIA_ROOT est-il le bon dossier ?",
        )
    destination = Path(destination)
    if not destination.parent.is_dir():
        raise BackupError(f"Le dossier {destination.parent} n'existe pas.")
    with tempfile.TemporaryDirectory(dir=destination.parent, prefix=".cqpilot-sauvegarde-") as work:
        dump = Path(work) / database.dump_name
        # The database first: a file written after its snapshot is only a file too many, one a
        # row of the snapshot names was already there.
        snapshot = database.dump(dump)
        with write_archive(destination, overwrite=overwrite) as archive:
            database_entry = archive.add_file(dump, f"database/{database.dump_name}")
            media = {name: archive.add_file(path, f"media/{name}") for name, path in files}
            for item in objects:
                with closing(bucket.reader(item.name)) as body:
                    media[item.name] = archive.add_stream(
                        body,
                        f"media/{item.name}",
                        size=item.size,
                        mtime=int(item.modified.timestamp()),
                        origin=f"{item.name} ({bucket.describe()})",
                    )
            manifest = {
                "format": FORMAT,
                "format_version": FORMAT_VERSION,
                "cqpilot_version": cqpilot_version(),
                "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "database": {"vendor": database.vendor, "file": database.dump_name}
                | database_entry,
                "schema": snapshot.schema,
                "tables": snapshot.tables,
                "media": media,
                "keys_not_included": KEYS_NOT_INCLUDED,
            }
            archive.add_manifest(manifest)
    return BackupResult(destination, manifest, warnings)


def _media_files(root: Path) -> tuple[list[tuple[str, Path]], list[str]]:
    if not root.is_dir():
        return [], [f"Le dossier des médias {root} n'existe pas : aucun fichier sauvegardé."]
    files, skipped = [], []
    for folder, subfolders, names in os.walk(root):
        subfolders.sort()
        for name in sorted(names):
            path = Path(folder) / name
            relative = path.relative_to(root).as_posix()
            if path.is_symlink() or not path.is_file():
                skipped.append(f"{relative} n'est pas un simple fichier : non sauvegardé.")
            elif not is_safe_relative(relative) or not relative.isprintable():
                skipped.append(f"{relative!r} a un nom illisible : non sauvegardé.")
            else:
                files.append((relative, path))
    return files, skipped


def _bucket_objects(bucket: Bucket) -> tuple[list[StoredObject], list[str]]:
    objects, skipped = [], []
    for item in bucket.objects():
        if not is_safe_relative(item.name) or not item.name.isprintable():
            skipped.append(f"{item.name!r} a un nom illisible : non sauvegardé.")
        else:
            objects.append(item)
    return objects, skipped


def _missing_media(exists: Callable[[str], bool], where: str, hint: str) -> list[str]:
    """Files the database names but the media folder (or bucket) lacks: a wrong MEDIA_ROOT
    (or S3_BUCKET) shows here."""
    missing = []
    for model in apps.get_models():
        for model_field in model._meta.concrete_fields:
            if isinstance(model_field, FileField):
                names = model._default_manager.exclude(**{model_field.name: ""})
                for name in names.values_list(model_field.name, flat=True).iterator():
                    if name and not exists(name):
                        missing.append(name)
    if not missing:
        return []
    return [
        f"{compte(len(missing), 'fichier nommé', 'fichiers nommés')} en base "
        f"{accorde(len(missing), 'manque', 'manquent')} dans {where}, dont {missing[0]} : {hint}"
    ]


def restore_backup(
    archive_path: Path, *, database: dict[str, Any] | None = None, media_root: Path | None = None
) -> RestoreReport:
    """Restores an archive into an empty database and an empty media folder (or bucket, with
    S3_BUCKET), then checks them against its manifest. Refusals raise BackupError before
    anything is written; differences found afterwards are the report's `problems`."""
    report = RestoreReport(warnings=check_keys())
    bucket = None if media_root else default_bucket()
    if database is None:
        connections[DEFAULT_DB_ALIAS].close()  # SQLite: no connection of ours across the copy
        database = connections[DEFAULT_DB_ALIAS].settings_dict
    target = database_for(database)
    media_root = None if bucket else Path(media_root or settings.MEDIA_ROOT)
    archive = open_archive(Path(archive_path))
    with archive.tar:
        manifest = archive.manifest
        vendor = manifest["database"]["vendor"]
        if vendor != target.vendor:
            raise BackupError(
                f"Cette sauvegarde est celle d'une base {vendor}, la base cible est {target.vendor} : "
                "restaurez-la dans une base du même type."
            )
        behind = _apps_behind_code(manifest["schema"])
        _check_target_is_empty(target, media_root, bucket)
        if media_root:
            _check_runs_as_owner(media_root)
            media_root.parent.mkdir(parents=True, exist_ok=True)
        # Beside the media folder (the files are then moved by renaming), or in the temporary
        # folder (TMPDIR) for a bucket.
        staging = Path(
            tempfile.mkdtemp(
                dir=media_root.parent if media_root else None, prefix=".cqpilot-restauration-"
            )
        )
        try:
            free = shutil.disk_usage(staging).free
            # The archive is laid out in staging, then the database is written again into its
            # own place (for SQLite, on the same disk as a rule).
            needed = archive.total_size + archive.database_member.size
            if needed > free:
                raise BackupError(
                    f"Espace disque insuffisant dans {staging.parent} : il faut "
                    f"{_size(needed)}, il reste {_size(free)}."
                )
            dump = staging / target.dump_name
            if not archive.copy_member(
                archive.database_member, dump, manifest["database"]["sha256"]
            ):
                raise BackupError(
                    "La base de données de l'archive ne correspond pas à son empreinte SHA-256 : "
                    "l'archive est abîmée."
                )
            media_staging = staging / "media"
            corrupted = []
            for name, member in sorted(archive.media_members.items()):
                destination = media_staging / name
                try:
                    destination.parent.mkdir(parents=True, exist_ok=True)
                    is_intact = archive.copy_member(
                        member, destination, manifest["media"][name]["sha256"]
                    )
                except OSError as error:  # "a" and "a/b" both files, say
                    raise BackupError(f"{name} ne peut pas être extrait : {error}.") from error
                if not is_intact:
                    corrupted.append(name)
            if corrupted:
                raise BackupError(
                    f"{compte(len(corrupted), 'fichier')} de l'archive "
                    + accorde(
                        len(corrupted), "ne correspond pas à son", "ne correspondent pas à leur"
                    )
                    + f" empreinte SHA-256, dont {corrupted[0]} : l'archive est abîmée."
                )
            target.restore(dump)
            if bucket:
                for name in sorted(archive.media_members):
                    bucket.put(name, media_staging / name)
            else:
                _move_into(media_staging, media_root)
        finally:
            shutil.rmtree(staging, ignore_errors=True)

    _verify(report, manifest, target, media_root, bucket)
    pending = target.pending_emails()
    if pending:
        report.warnings.append(
            f"{compte(pending, 'courriel attendait', 'courriels attendaient')} le worker au "
            "moment de la sauvegarde : ils "
            "partiront à son démarrage, y compris ceux qui seraient partis entre la sauvegarde "
            "et l'incident (leurs destinataires les recevront deux fois)."
        )
    if behind:
        report.warnings.append(
            "La sauvegarde précède cette version de cqpilot (applications "
            f"{', '.join(behind)}) : lancez `cqpilot migrate` avant de démarrer l'application."
        )
    return report


def _apps_behind_code(archived: dict[str, str]) -> list[str]:
    """Refuses a backup whose schema this code does not know; names the apps to migrate."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    unknown = [
        f"{app}.{name}"
        for app, name in archived.items()
        if (app, name) not in loader.disk_migrations
    ]
    if unknown:
        raise BackupError(
            "La sauvegarde vient d'une version plus récente de cqpilot (migrations inconnues : "
            f"{', '.join(sorted(unknown)[:3])}) : installez cette version avant de restaurer."
        )
    latest = latest_migrations(loader.graph.leaf_nodes())
    return sorted(app for app, name in latest.items() if archived.get(app) != name)


def _check_target_is_empty(
    target: Database, media_root: Path | None, bucket: Bucket | None
) -> None:
    counts = target.table_counts()
    if not is_empty(counts):
        filled = [
            f"{table} ({count})"
            for table, count in counts.items()
            if count and table not in FILLED_BY_MIGRATE
        ]
        raise BackupError(
            f"La base {target.describe()} n'est pas vide ({', '.join(filled[:3])}…) : la "
            "restauration se fait dans une base neuve, créée vide ou seulement migrée."
        )
    if bucket and not bucket.is_empty():
        where = bucket.describe()
        raise BackupError(
            f"{where[0].upper()}{where[1:]} contient déjà des fichiers : la restauration se "
            "fait dans un compartiment vide."
        )
    if (
        media_root
        and media_root.exists()
        and any(path.is_file() or path.is_symlink() for path in media_root.rglob("*"))
    ):
        raise BackupError(
            f"Le dossier des médias {media_root} contient déjà des fichiers : la restauration "
            "se fait dans un dossier vide."
        )


def _check_runs_as_owner(media_root: Path) -> None:
    """Restored files belong to whoever restores them, readable by that user only (0600): run as
    root for a service running as `cqpilot`, every document would answer 500 afterwards."""
    existing = media_root if media_root.exists() else media_root.parent
    if existing.exists() and existing.stat().st_uid != os.geteuid():
        raise BackupError(
            f"{existing} n'appartient pas à l'utilisateur qui restaure : lancez la restauration "
            "sous l'utilisateur du service (par exemple `sudo -u cqpilot …`), pour que "
            "l'application puisse lire les fichiers restaurés."
        )


def _move_into(staging: Path, media_root: Path) -> None:
    """Moves the restored files into place by renaming (one file system): the media folder may
    hold empty folders only, which the restored ones replace."""
    media_root.mkdir(exist_ok=True)
    if not staging.exists():
        return
    for entry in staging.iterdir():
        destination = media_root / entry.name
        if destination.is_dir() and not destination.is_symlink():
            _remove_empty_folders(destination)
        os.rename(entry, destination)


def _remove_empty_folders(folder: Path) -> None:
    for parent, _subfolders, _files in os.walk(folder, topdown=False):
        os.rmdir(parent)  # fails, and stops the restoration, on a folder that is not empty


def _verify(
    report: RestoreReport,
    manifest: dict[str, Any],
    target: Database,
    media_root: Path | None,
    bucket: Bucket | None,
) -> None:
    counts = target.table_counts()
    for table, expected in manifest["tables"].items():
        if counts.get(table) != expected:
            report.problems.append(
                f"Table {table} : {counts.get(table, 'absente')} {accorde(counts.get(table, 0), 'ligne')} au lieu de {expected}."
            )
    if target.schema() != manifest["schema"]:
        report.problems.append("La version du schéma restauré diffère de celle du manifeste.")
    total = 0
    digest_of = _restored_digests(media_root, bucket)
    for name, entry in manifest["media"].items():
        digest = digest_of(name)
        if digest is None:
            report.problems.append(f"Fichier manquant : {name}.")
        elif digest != entry["sha256"]:
            report.problems.append(f"Fichier différent de la sauvegarde : {name}.")
        else:
            total += entry["size"]
    report.summary += [
        f"Sauvegarde du {manifest['created_at']} (cqpilot {manifest.get('cqpilot_version', '?')}).",
        f"Base restaurée : {target.describe()} — {len(manifest['tables'])} tables, "
        f"{sum(manifest['tables'].values())} lignes.",
        f"Médias restaurés : {compte(len(manifest['media']), 'fichier')}, {_size(total)}, "
        f"dans {bucket.describe() if bucket else media_root}.",
    ]
    tried, undecipherable = _check_decryption(target)
    report.problems += undecipherable
    if not report.problems:
        report.summary.append(
            "Manifeste vérifié : lignes par table, empreintes SHA-256 des fichiers et version du "
            "schéma identiques."
        )
    if tried and not undecipherable:
        report.summary.append(
            "Chiffrement : les clés configurées déchiffrent les données restaurées "
            f"({compte(tried, 'champ chiffré essayé', 'champs chiffrés essayés')})."
        )


def _restored_digests(
    media_root: Path | None, bucket: Bucket | None
) -> Callable[[str], str | None]:
    """The SHA-256 of a restored file by its name, read back from where it now is; None for a
    missing one."""
    if bucket:
        stored = {item.name for item in bucket.objects()}
        return lambda name: bucket.sha256(name) if name in stored else None
    return lambda name: sha256_file(media_root / name) if (media_root / name).is_file() else None


def _check_decryption(target: Database) -> tuple[int, list[str]]:
    """Tries the configured keys on one stored value of each encrypted field."""
    tried, problems = 0, []
    for model in apps.get_models():
        for model_field in model._meta.concrete_fields:
            if not isinstance(model_field, EncryptedCharField):
                continue
            value = target.first_value(model._meta.db_table, model_field.column)
            if not value:
                continue
            tried += 1
            try:
                decrypt(value)
            except ImproperlyConfigured:
                problems.append(
                    f"Les clés FIELD_ENCRYPTION_KEYS configurées ne déchiffrent pas le champ "
                    f"« {model_field.verbose_name} » ({model._meta.verbose_name}) : configurez "
                    "celles en usage lors de la sauvegarde."
                )
    return tried, problems


def _size(octets: int) -> str:
    if octets < 1024 * 1024:
        return f"{octets / 1024:.0f} Ko"
    return f"{octets / 1024 / 1024:.1f} Mo"
