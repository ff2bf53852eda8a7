from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("delivrance", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="documentdelivre",
            name="avertissement",
            field=models.TextField(
                blank=True,
                help_text="Ce que le document n'imprime pas, et pourquoi (enregistrement au RNCP "
                "échu ou pas encore en vigueur à la date de la décision).",
                verbose_name="avertissement à la délivrance",
            ),
        ),
    ]
