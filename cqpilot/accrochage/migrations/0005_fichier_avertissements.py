from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accrochage", "0004_standalone_history"),
    ]

    operations = [
        migrations.AddField(
            model_name="fichieraccrochage",
            name="avertissements",
            field=models.JSONField(blank=True, default=list),
        ),
    ]
