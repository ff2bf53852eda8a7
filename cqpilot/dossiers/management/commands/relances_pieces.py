from django.core.management.base import BaseCommand
from django.utils import timezone

from cqpilot.dossiers.relances import DEFAULT_EVERY_DAYS, send_reminders


class Command(BaseCommand):
    help = (
        "Relance par courriel les organismes de formation et les candidats dont les dossiers "
        "attendent des pièces exigées manquantes ou refusées (à lancer chaque jour)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--jours",
            type=int,
            default=DEFAULT_EVERY_DAYS,
            help=f"Au plus une relance par dossier tous les N jours ({DEFAULT_EVERY_DAYS}).",
        )

    def handle(self, *args, **options) -> None:
        if options["jours"] < 1:
            self.stderr.write("--jours : un nombre de jours d'au moins 1.")
            raise SystemExit(2)
        bilan = send_reminders(today=timezone.localdate(), every_days=options["jours"])
        self.stdout.write(self.style.SUCCESS(f"Pièces exigées : {bilan}."))
