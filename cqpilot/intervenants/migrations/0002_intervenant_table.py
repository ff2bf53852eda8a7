"""The table takes this app's name: jurys_intervenant becomes intervenants_intervenant, and
its two many-to-many tables follow. Rows and foreign keys are kept (a rename)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("intervenants", "0001_initial"),
        ("jurys", "0004_intervenant_to_its_own_app"),
        ("evaluations", "0003_evaluateur_from_intervenants"),
    ]

    operations = [
        migrations.AlterModelTable(name="intervenant", table=None),
    ]
