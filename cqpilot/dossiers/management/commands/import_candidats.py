from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cqpilot.core.french import accorde, compte
from cqpilot.core.models import User
from cqpilot.dossiers.candidats_import import import_candidats


class Command(BaseCommand):
    help = "Importe des candidats et leurs dossiers depuis un fichier xlsx ou csv."

    def add_arguments(self, parser) -> None:
        parser.add_argument("fichier", help="classeur .xlsx ou fichier .csv (voir le modèle)")
        parser.add_argument(
            "--utilisateur",
            required=True,
            help="identifiant de l'utilisateur au nom duquel importer (ses droits s'appliquent)",
        )
        parser.add_argument(
            "--lignes-valides", action="store_true", help="importer les lignes valides seulement"
        )
        parser.add_argument(
            "--verifier", action="store_true", help="vérifier le fichier sans rien enregistrer"
        )

    def handle(self, *args, **options) -> None:
        path = Path(options["fichier"])
        if not path.is_file():
            raise CommandError(f"Fichier introuvable : {path}")
        user = User.objects.filter(username=options["utilisateur"], is_active=True).first()
        if user is None:
            raise CommandError(f"Aucun utilisateur actif « {options['utilisateur']} ».")
        with path.open("rb") as file:
            record = import_candidats(
                file,
                path.name,
                by=user,
                valid_rows_only=options["lignes_valides"],
                dry_run=options["verifier"],
            )
        for warning in record.warnings:
            self.stderr.write(f"Avertissement — {warning}")
        for error in record.errors:
            self.stderr.write(self.style.ERROR(f"Erreur — {error}"))
        summary = (
            f"{compte(record.lignes, 'ligne')}, "
            f"{record.lignes_valides} {accorde(record.lignes_valides, 'valide')}, "
            f"{compte(record.error_count, 'erreur')}"
        )
        if options["verifier"]:
            self.stdout.write(f"Vérification : {summary}. Rien n'a été enregistré.")
        elif not record.committed:
            raise CommandError(f"Rien n'a été enregistré : {summary}.")
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Import enregistré : {summary} ; {compte(record.candidats_crees, 'candidat')}"
                    f" et {compte(record.dossiers_crees, 'dossier créé', 'dossiers créés')}, "
                    f"{compte(record.lignes_deja_importees, 'ligne déjà importée', 'lignes déjà importées')}."
                )
            )
