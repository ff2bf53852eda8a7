from django.db import migrations

ROLES = ["administrateur", "gestionnaire", "evaluateur", "membre_jury", "organisme_formation"]


def create_roles(apps, schema_editor):
    RoleGrant = apps.get_model("core", "RoleGrant")
    for code in ROLES:
        RoleGrant.objects.get_or_create(code=code)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
