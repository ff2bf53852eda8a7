from auditlog.models import LogEntry
from django import template
from django.template.defaultfilters import truncatechars

from cqpilot.core.audit import ACTIONS, displayed_changes

register = template.Library()

M2M_ACTIONS = {"add": "ajout", "remove": "retrait", "clear": "tout retiré"}


@register.filter
def describe_changes(changes: dict) -> list[tuple[str, str]]:
    """An audit entry's changes as (field, French sentence) pairs, for fields and many-to-many."""
    described = []
    for field, change in (changes or {}).items():
        if isinstance(change, dict):  # many-to-many: {"type": "m2m", "operation": "add", …}
            action = M2M_ACTIONS.get(change.get("operation"), change.get("operation", ""))
            objects = ", ".join(str(o) for o in change.get("objects", []))
            described.append((field, truncatechars(f"{action} : {objects}", 160)))
        elif isinstance(change, list | tuple) and len(change) == 2:
            before, after = (truncatechars(str(value), 80) for value in change)
            described.append((field, f"{before} → {after}"))
        else:
            described.append((field, truncatechars(str(change), 160)))
    return described


@register.filter
def journal_changes(entry: LogEntry) -> list[tuple[str, str]]:
    """What the journal shows of an entry: its changes (masked fields without their values),
    and for a read, what was read."""
    described = describe_changes(displayed_changes(entry))
    if lecture := (entry.additional_data or {}).get("lecture"):
        described.append(("lecture", str(lecture)))
    return described


@register.filter
def journal_action(entry: LogEntry) -> str:
    return ACTIONS.get(entry.action, entry.get_action_display())
