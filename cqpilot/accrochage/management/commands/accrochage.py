import io
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cqpilot.accrochage.flux import count_passages
from cqpilot.accrochage.schema import SCHEMAS, schema_errors
from cqpilot.accrochage.standalone import holders_template, holders_to_xml


class Command(BaseCommand):
    help = "Accrochage certificateur : fichiers XML de la Caisse des Dépôts."

    def add_arguments(self, parser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        modele = actions.add_parser("modele", help="écrire le modèle xlsx des titulaires")
        modele.add_argument("-o", "--sortie", default="modele-titulaires.xlsx")
        xml = actions.add_parser("xml", help="produire le fichier XML à partir des titulaires")
        xml.add_argument("titulaires", help="classeur .xlsx ou fichier .csv (voir le modèle)")
        xml.add_argument("--id-client", required=True, help="identifiant client CDC (8 caractères)")
        xml.add_argument("--id-contrat", required=True, help="numéro de contrat CDC")
        xml.add_argument("--id-client-emetteur", default="", help="si un tiers dépose pour vous")
        xml.add_argument("-o", "--sortie", default="flux.xml")
        verifier = actions.add_parser(
            "verifier", help="vérifier un fichier XML contre le schéma officiel de la CDC"
        )
        verifier.add_argument("fichier")
        verifier.add_argument("--schema", default="1.1.2", choices=sorted(SCHEMAS))

    def handle(self, *args, **options) -> None:
        getattr(self, options["action"])(options)

    def modele(self, options) -> None:
        Path(options["sortie"]).write_bytes(holders_template().getvalue())
        self.stdout.write(self.style.SUCCESS(f"Modèle écrit : {options['sortie']}"))

    def xml(self, options) -> None:
        source = Path(options["titulaires"])
        if not source.is_file():
            raise CommandError(f"Fichier introuvable : {source}")
        output = io.BytesIO()
        holders = holders_to_xml(
            io.BytesIO(source.read_bytes()),
            source.name,
            output=output,
            id_client=options["id_client"],
            id_contrat=options["id_contrat"],
            id_client_emetteur=options["id_client_emetteur"],
        )
        for warning in holders.warnings:
            self.stderr.write(f"Avertissement — {warning}")
        if holders.errors:
            for error in holders.errors:
                self.stderr.write(self.style.ERROR(f"Erreur — {error}"))
            raise CommandError(
                f"{len(holders.errors)} erreur(s) : aucun fichier XML n'a été écrit."
            )
        Path(options["sortie"]).write_bytes(output.getvalue())
        self.stdout.write(
            self.style.SUCCESS(
                f"{options['sortie']} écrit : {len(holders.passages)} passage(s), conforme au "
                "schéma de la Caisse des Dépôts."
            )
        )

    def verifier(self, options) -> None:
        path = Path(options["fichier"])
        if not path.is_file():
            raise CommandError(f"Fichier introuvable : {path}")
        errors = schema_errors(path, options["schema"])
        if errors:
            raise CommandError(" ".join(errors))
        self.stdout.write(
            self.style.SUCCESS(
                f"{path.name} est conforme au schéma {options['schema']} de la Caisse des Dépôts "
                f"({count_passages(path)} passage(s))."
            )
        )
