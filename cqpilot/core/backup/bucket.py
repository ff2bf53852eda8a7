"""The media files when they live in an S3-compatible bucket (S3_BUCKET) rather than in
MEDIA_ROOT: the backup streams each object into the archive, the restoration writes them back
into an empty bucket, and both read the bucket with boto3 as the storage sees it (its prefix,
S3_PREFIX, removed from the names).

The archive stays self-contained either way: it can be restored into a folder or a bucket,
and a pièce deleted by the RGPD purge is gone from the next backup, where the bucket's own
versions would keep it."""

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO

from django.core.files import File
from django.core.files.storage import FileSystemStorage, storages

from .archive import CHUNK
from .errors import BackupError


@dataclass(frozen=True)
class StoredObject:
    name: str  # as the database names it
    size: int
    modified: datetime


class Bucket:
    """The default storage's bucket (django-storages' S3Storage)."""

    def __init__(self, storage) -> None:
        self.storage = storage
        self.prefix = f"{storage.location.strip('/')}/" if storage.location.strip("/") else ""

    def describe(self) -> str:
        return f"le compartiment S3 {self.storage.bucket_name}" + (
            f" (préfixe {self.prefix})" if self.prefix else ""
        )

    def objects(self) -> Iterator[StoredObject]:
        for item in self.storage.bucket.objects.filter(Prefix=self.prefix):
            if not item.key.endswith("/"):  # a "folder" some consoles create
                yield StoredObject(
                    item.key.removeprefix(self.prefix), item.size, item.last_modified
                )

    def is_empty(self) -> bool:
        return (
            next(iter(self.storage.bucket.objects.filter(Prefix=self.prefix).limit(1)), None)
            is None
        )

    def reader(self, name: str) -> IO[bytes]:
        """The object's bytes as they come over the network, never held whole."""
        return self.storage.bucket.Object(self.prefix + name).get()["Body"]

    def sha256(self, name: str) -> str:
        digest = hashlib.sha256()
        with self.reader(name) as body:
            while chunk := body.read(CHUNK):
                digest.update(chunk)
        return digest.hexdigest()

    def put(self, name: str, source: Path) -> None:
        with source.open("rb") as file:
            saved = self.storage.save(name, File(file))
        if saved != name:  # the bucket was checked empty: another writer is at work
            raise BackupError(
                f"{name} existait déjà dans {self.describe()} : restauration arrêtée."
            )


def default_bucket() -> Bucket | None:
    """The bucket when the default storage is one; None for the media folder."""
    storage = storages["default"]
    if isinstance(storage, FileSystemStorage):
        return None
    if not hasattr(storage, "bucket_name"):
        raise BackupError(
            f"Le stockage des fichiers {type(storage).__name__} n'est ni un dossier ni un "
            "compartiment S3 : la sauvegarde ne sait pas le lire."
        )
    return Bucket(storage)
