"""Évaluateurs are intervenants of the new `intervenants` app: same table, state only."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("evaluations", "0002_inscription_from_state"),
        ("intervenants", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="affectation",
                    name="evaluateur",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="affectations",
                        to="intervenants.intervenant",
                    ),
                ),
                migrations.AlterField(
                    model_name="resultat",
                    name="evaluateur",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="intervenants.intervenant",
                    ),
                ),
            ],
            database_operations=[],
        ),
    ]
