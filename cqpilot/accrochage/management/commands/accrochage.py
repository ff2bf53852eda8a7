from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cqpilot.accrochage.flux import count_passages
from cqpilot.accrochage.schema import SCHEMAS, schema_errors


class Command(BaseCommand):
    help = "Accrochage certificateur : fichiers XML de la Caisse des Dépôts."

    def add_arguments(self, parser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        verifier = actions.add_parser(
            "verifier", help="vérifier un fichier XML contre le schéma officiel de la CDC"
        )
        verifier.add_argument("fichier")
        verifier.add_argument("--schema", default="1.1.2", choices=sorted(SCHEMAS))

    def handle(self, *args, **options) -> None:
        path = Path(options["fichier"])
        if not path.is_file():
            raise CommandError(f"Fichier introuvable : {path}")
        errors = schema_errors(path, options["schema"])
        if errors:
            raise CommandError(" ".join(errors))
        passages = count_passages(path)
        self.stdout.write(
            self.style.SUCCESS(
                f"{path.name} est conforme au schéma {options['schema']} de la Caisse des Dépôts "
                f"({passages} passage(s))."
            )
        )
