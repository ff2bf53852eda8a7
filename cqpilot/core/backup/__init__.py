"""Backups of a cqpilot installation: `cqpilot sauvegarde` and `cqpilot restauration`.

One archive (tar.gz) holds the database, made by the database's own tool (SQLite's online backup
API, `pg_dump`), the media files (the media folder, or the objects of the S3 bucket, streamed:
see bucket.py) and a manifest (row counts per table, SHA-256 per file, schema
version) that the restoration checks. `dumpdata`/`loaddata` cannot do this job: loading calls
the models' `save()`, which a published référentiel refuses.

The keys are never in it: FIELD_ENCRYPTION_KEYS encrypts the NIRs and the certifiers' signing
keys stored in the database, SECRET_KEY signs the survey links; they are kept apart from the
backups, so that a stolen archive gives ciphertext only.
"""

from .errors import BackupError
from .operations import BackupResult, RestoreReport, create_backup, restore_backup

__all__ = ["BackupError", "BackupResult", "RestoreReport", "create_backup", "restore_backup"]
