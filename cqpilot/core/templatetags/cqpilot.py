import re

from auditlog.models import LogEntry
from django import template
from django.core.exceptions import FieldDoesNotExist
from django.template.defaultfilters import truncatechars

from cqpilot.core.audit import ACTIONS, displayed_changes
from cqpilot.core.french import accorde, selon_sexe

register = template.Library()

M2M_ACTIONS = {"add": "ajout", "remove": "retrait", "clear": "tout retiré"}
EMPTY = "—"


# auditlog writes an empty value as "None", and a creation's reverse relations as the manager's
# repr ("dossiers.Dossier.None").
NOTHING = re.compile(r"(\w+\.\w+\.)?None|")


def _shown(value) -> str:
    text = str(value)
    return EMPTY if NOTHING.fullmatch(text) else truncatechars(text, 80)


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
            before, after = (_shown(value) for value in change)
            if before != after:  # a creation lists every field, the empty ones too
                described.append((field, f"{before} → {after}"))
        else:
            described.append((field, truncatechars(str(change), 160)))
    return described


@register.filter
def journal_changes(entry: LogEntry) -> list[tuple[str, str]]:
    """What the journal shows of an entry: its changes (masked fields without their values),
    and for a read, what was read."""
    model = entry.content_type.model_class() if entry.content_type_id else None
    described = [
        (_field_label(model, field), change)
        for field, change in describe_changes(displayed_changes(entry))
    ]
    if lecture := (entry.additional_data or {}).get("lecture"):
        described.append(("lecture", str(lecture)))
    return described


TECHNICAL_FIELDS = {
    "id": "identifiant",
    "created_at": "créé le",
    "created_by": "créé par",
    "updated_at": "modifié le",
}


def _field_label(model, field: str) -> str:
    """A field's French name, as the forms show it, rather than its identifier."""
    if field in TECHNICAL_FIELDS:
        return TECHNICAL_FIELDS[field]
    try:
        label = str(model._meta.get_field(field).verbose_name)
    except (AttributeError, FieldDoesNotExist):  # a relation, or a field removed since
        return field
    return label


@register.filter
def journal_action(entry: LogEntry) -> str:
    return ACTIONS.get(entry.action, entry.get_action_display())


@register.filter
def pluriel(count, forms: str = "s") -> str:
    """French `pluralize`: 0 and 1 take the singular. `{{ n }} candidat{{ n|pluriel }}`,
    `{{ n }} trava{{ n|pluriel:"il,ux" }}`; a list or queryset counts its items."""
    if hasattr(count, "__len__"):
        count = len(count)
    try:
        count = float(count)
    except (TypeError, ValueError):
        return ""
    singulier, _, plural = forms.rpartition(",") if "," in forms else ("", "", forms)
    return accorde(count, singulier, plural)


@register.filter(name="selon_sexe")
def selon_sexe_filter(masculin: str, sexe: str) -> str:
    """`{{ "convoqué"|selon_sexe:candidat.sexe }}`: « convoquée » for a woman (core.french)."""
    return selon_sexe(sexe, masculin)
