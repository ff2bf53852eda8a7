"""Intervenant now lives in the `intervenants` app (its 0001 takes over the same table):
members point there, and the model leaves this app's state. No database change."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("jurys", "0003_signatures_and_civilite"),
        ("intervenants", "0001_initial"),
        # Évaluateurs must point to the new model before the old one leaves the state.
        ("evaluations", "0003_evaluateur_from_intervenants"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="jurymembre",
                    name="intervenant",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="intervenants.intervenant",
                    ),
                ),
                migrations.DeleteModel(name="Intervenant"),
            ],
            database_operations=[],
        ),
    ]
