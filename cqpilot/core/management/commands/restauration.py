from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cqpilot.core.backup import BackupError, restore_backup
from cqpilot.core.french import compte


class Command(BaseCommand):
    help = (
        "Restaure une archive de `cqpilot sauvegarde` dans une base de données et un dossier des "
        "médias (ou, avec S3_BUCKET, un compartiment S3) vides, puis vérifie le manifeste (lignes par table, empreintes des fichiers, "
        "version du schéma) et que les clés configurées déchiffrent les données."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("fichier", help="l'archive .tar.gz écrite par `cqpilot sauvegarde`")

    def handle(self, *args, **options) -> None:
        try:
            report = restore_backup(Path(options["fichier"]))
        except BackupError as error:
            raise CommandError(str(error)) from error
        for line in report.summary:
            self.stdout.write(line)
        for warning in report.warnings:
            self.stderr.write(f"Avertissement — {warning}")
        for problem in report.problems:
            self.stderr.write(self.style.ERROR(f"Écart — {problem}"))
        if not report.is_verified:
            raise CommandError(
                "La restauration ne correspond pas à la sauvegarde "
                f"({compte(len(report.problems), 'écart')} ci-dessus)."
            )
        self.stdout.write(self.style.SUCCESS("Restauration terminée et vérifiée."))
