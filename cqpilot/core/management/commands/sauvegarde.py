from datetime import datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cqpilot.core.backup import BackupError, create_backup
from cqpilot.core.french import compte


class Command(BaseCommand):
    help = (
        "Sauvegarde la base de données et les fichiers (PDF, PV, pièces, logos ; ceux du "
        "compartiment S3 avec S3_BUCKET) dans une seule archive, avec un manifeste que `cqpilot restauration` vérifie. Les clés "
        "(FIELD_ENCRYPTION_KEYS, SECRET_KEY) n'y sont pas : conservez-les à part."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "-o",
            "--output",
            dest="fichier",
            default="",
            help="archive à écrire (par défaut cqpilot-sauvegarde-AAAAMMJJ-HHMMSS.tar.gz ici)",
        )
        parser.add_argument(
            "--ecraser", action="store_true", help="remplacer l'archive si elle existe déjà"
        )

    def handle(self, *args, **options) -> None:
        name = options["fichier"] or datetime.now().strftime(
            "cqpilot-sauvegarde-%Y%m%d-%H%M%S.tar.gz"
        )
        try:
            result = create_backup(Path(name), overwrite=options["ecraser"])
        except BackupError as error:
            raise CommandError(str(error)) from error
        for warning in result.warnings:
            self.stderr.write(f"Avertissement — {warning}")
        manifest = result.manifest
        self.stdout.write(
            self.style.SUCCESS(f"Sauvegarde écrite : {result.path}")
            + f" ({result.path.stat().st_size / 1024 / 1024:.1f} Mo, lisible par son seul propriétaire)"
        )
        self.stdout.write(
            f"  base {manifest['database']['vendor']} : {len(manifest['tables'])} tables, "
            f"{sum(manifest['tables'].values())} lignes ; {compte(len(manifest['media']), 'fichier')}."
        )
        self.stdout.write(
            "  Elle contient des données personnelles (NIR chiffrés) : stockez-la chiffrée, hors "
            "du serveur. Les clés FIELD_ENCRYPTION_KEYS et SECRET_KEY n'y sont pas : gardez-les "
            "dans un coffre à secrets séparé."
        )
