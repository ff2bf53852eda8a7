"""The withdrawal statuses, and each passage put back where the CDC's answers leave it.

Until now a withdrawal file set its passages « Retiré » as soon as it was built, the CDC's
acceptance of a withdrawal made them « Accepté » (then « À retirer » again) and its refusal
« Rejeté » (then « Retiré »); a document cancelled before reaching the CDC was also « Retiré ».
"""

from django.db import migrations, models

STATUSES = [
    ("a_deposer", "À déposer"),
    ("depose", "Déposé, en attente de l'accusé"),
    ("accepte", "Accepté"),
    ("rejete", "Rejeté"),
    ("a_retirer", "À retirer (document annulé)"),
    ("retrait_depose", "Retrait déposé, en attente de l'accusé"),
    ("retire", "Retiré (retrait accepté)"),
    ("retrait_refuse", "Retrait refusé"),
    ("sans_objet", "Sans objet (document annulé avant d'être à la CDC)"),
]


def replay_withdrawals(apps, schema_editor):
    PassageAccrochage = apps.get_model("accrochage", "PassageAccrochage")
    FichierAccrochage = apps.get_model("accrochage", "FichierAccrochage")
    for fichier in FichierAccrochage.objects.filter(action="SUPPRESSION").iterator():
        rapport = fichier.rapport or {}
        file_errors = rapport.get("file_errors") or []
        accepted = set(rapport.get("accepted") or [])
        rejected = rapport.get("rejected") or {}
        for passage in PassageAccrochage.objects.filter(last_file=fichier).iterator():
            if file_errors:
                status = "retrait_refuse"
                message = f"Fichier rejeté : {' ; '.join(file_errors)}"[:2000]
            elif passage.id_technique in accepted:
                status, message = "retire", ""
            elif passage.id_technique in rejected:
                status, message = "retrait_refuse", rejected[passage.id_technique]
            else:
                status, message = "retrait_depose", ""
            PassageAccrochage.objects.filter(pk=passage.pk).update(
                status=status, message_cdc=message
            )
    # « Retiré » without a withdrawal file: the document was cancelled before its passage
    # reached the CDC, unless the CDC held an earlier version (a correction).
    never_sent = PassageAccrochage.objects.filter(status="retire").exclude(
        last_file__action="SUPPRESSION"
    )
    never_sent.filter(correction=True).update(status="a_retirer")
    never_sent.update(status="sans_objet")


def back_to_old_statuses(apps, schema_editor):
    PassageAccrochage = apps.get_model("accrochage", "PassageAccrochage")
    for new, old in [
        ("retrait_depose", "retire"),
        ("retrait_refuse", "rejete"),
        ("sans_objet", "retire"),
    ]:
        PassageAccrochage.objects.filter(status=new).update(status=old)


class Migration(migrations.Migration):
    dependencies = [("accrochage", "0002_depots")]

    operations = [
        migrations.AlterField(
            model_name="passageaccrochage",
            name="status",
            field=models.CharField(
                choices=STATUSES, default="a_deposer", max_length=16, verbose_name="statut"
            ),
        ),
        migrations.RunPython(replay_withdrawals, back_to_old_statuses),
    ]
