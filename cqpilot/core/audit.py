"""The journal (django-auditlog's LogEntry): masked values, and reads of personal data.

Changes are written by auditlog's signals for the registered models; this module adds what it
does not do by itself: a masked field shows no character of its value (auditlog's default mask
keeps the second half, which for a NIR is its last 8 digits), and downloads of files holding
personal data are written as reads (LogEntry.Action.ACCESS): who, when, which file.
"""

from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.db.models import Model

from .models import User

MASKED = "masqué"
ACTIONS = {
    LogEntry.Action.CREATE: "Création",
    LogEntry.Action.UPDATE: "Modification",
    LogEntry.Action.DELETE: "Suppression",
    LogEntry.Action.ACCESS: "Lecture",
}


def mask_entirely(value: str) -> str:
    """auditlog's mask_callable: says whether there was a value, never any of it."""
    return "" if value in ("", "None") else MASKED


def masked_fields(entry: LogEntry) -> set[str]:
    model = entry.content_type.model_class() if entry.content_type_id else None
    if model is None or not auditlog.contains(model):
        return set()
    return set(auditlog.get_model_fields(model)["mask_fields"])


def displayed_changes(entry: LogEntry) -> dict:
    """The entry's changes as the journal shows them: a masked field's values are replaced,
    also in entries written before it was masked entirely."""
    changes = entry.changes_dict
    hidden = masked_fields(entry) & set(changes)
    if not hidden:
        return changes
    return {
        field: _masked(change) if field in hidden else change for field, change in changes.items()
    }


def _masked(change):
    if isinstance(change, list | tuple):
        return [mask_entirely(str(value)) for value in change]
    return MASKED


def log_read(instance: Model, *, by: User, lecture: str) -> LogEntry:
    """Writes in the journal that `by` read `instance` (a download), and what it was."""
    return LogEntry.objects.log_create(
        instance,
        force_log=True,
        action=LogEntry.Action.ACCESS,
        actor=by,
        additional_data={"lecture": lecture},
    )
