"""Intervenant moves from `jurys` to its own app without touching its rows: the table is still
`jurys_intervenant` here (state only), 0002 renames it once the foreign keys of `jurys` and
`evaluations` point to this app.

Its content type is renamed too, not recreated, so that the journal (auditlog) keeps the
history of the people recorded before the move."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def rename_content_type(apps, schema_editor, old: str, new: str) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    if not ContentType.objects.using(db).filter(app_label=new, model="intervenant").exists():
        ContentType.objects.using(db).filter(app_label=old, model="intervenant").update(
            app_label=new
        )


def forwards(apps, schema_editor) -> None:
    rename_content_type(apps, schema_editor, "jurys", "intervenants")


def backwards(apps, schema_editor) -> None:
    rename_content_type(apps, schema_editor, "intervenants", "jurys")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("core", "0006_rate_counter"),
        ("dossiers", "0006_journal_without_nir"),
        ("jurys", "0003_signatures_and_civilite"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Intervenant",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "civilite",
                            models.CharField(
                                blank=True,
                                choices=[("madame", "Madame"), ("monsieur", "Monsieur")],
                                max_length=8,
                                verbose_name="civilité",
                            ),
                        ),
                        ("nom", models.CharField(max_length=60)),
                        ("prenom", models.CharField(max_length=60, verbose_name="prénom")),
                        (
                            "email",
                            models.EmailField(blank=True, max_length=254, verbose_name="courriel"),
                        ),
                        (
                            "college",
                            models.CharField(
                                choices=[
                                    ("employeurs", "Collège employeurs"),
                                    ("salaries", "Collège salariés"),
                                    ("aucun", "Hors collège (expert, personne qualifiée)"),
                                ],
                                max_length=12,
                                verbose_name="collège",
                            ),
                        ),
                        (
                            "interne_certificateur",
                            models.BooleanField(
                                default=False, verbose_name="salarié ou mandataire du certificateur"
                            ),
                        ),
                        (
                            "employeur_nom",
                            models.CharField(blank=True, max_length=250, verbose_name="employeur"),
                        ),
                        (
                            "employeur_siret",
                            models.CharField(
                                blank=True, max_length=14, verbose_name="SIRET de l'employeur"
                            ),
                        ),
                        (
                            "candidats_suivis",
                            models.ManyToManyField(
                                blank=True,
                                related_name="+",
                                to="dossiers.candidat",
                                verbose_name="candidats formés, tutorés ou accompagnés (VAE)",
                            ),
                        ),
                        (
                            "organisation",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="intervenants",
                                to="core.organisation",
                            ),
                        ),
                        (
                            "organismes",
                            models.ManyToManyField(
                                blank=True,
                                limit_choices_to={"kind": "organisme_formation"},
                                related_name="+",
                                to="core.organisation",
                                verbose_name="organismes de formation pour lesquels il intervient",
                            ),
                        ),
                        (
                            "user",
                            models.OneToOneField(
                                blank=True,
                                help_text="Nécessaire pour signer un PV en tant que président ou "
                                "saisir des résultats.",
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="intervenant",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="compte cqpilot",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "intervenant",
                        "db_table": "jurys_intervenant",
                        "ordering": ["nom", "prenom"],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
