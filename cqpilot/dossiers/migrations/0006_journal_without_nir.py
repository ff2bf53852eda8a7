"""The journal's entries about a NIR lose the digits auditlog's default mask kept (its second
half: with the first characters shown on screen, the whole number). The journal is otherwise
never rewritten; this removes personal data, the entries stay (who changed the NIR, when)."""

import json

from django.db import migrations

MASKED = "masqué"


def mask_nir_in_journal(apps, schema_editor):
    LogEntry = apps.get_model("auditlog", "LogEntry")
    ContentType = apps.get_model("contenttypes", "ContentType")
    candidat = ContentType.objects.filter(app_label="dossiers", model="candidat").first()
    if candidat is None:
        return
    entries = LogEntry.objects.filter(content_type=candidat).only("pk", "changes", "changes_text")
    for entry in entries.iterator():
        changes = entry.changes
        if changes is None and entry.changes_text:  # entries older than auditlog 3
            try:
                changes = json.loads(entry.changes_text)
            except ValueError:
                continue
        if not isinstance(changes, dict) or "nir" not in changes:
            continue
        values = changes["nir"]
        changes["nir"] = (
            ["" if value in ("", "None", None) else MASKED for value in values]
            if isinstance(values, list)
            else MASKED
        )
        LogEntry.objects.filter(pk=entry.pk).update(changes=changes, changes_text="")


class Migration(migrations.Migration):
    dependencies = [
        ("dossiers", "0005_candidat_acces"),
        ("auditlog", "0017_add_actor_email"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(mask_nir_in_journal, migrations.RunPython.noop)]
