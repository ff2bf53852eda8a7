from django.core.management.base import BaseCommand

from cqpilot.core.french import compte
from cqpilot.dossiers.access import sync_acces
from cqpilot.dossiers.models import CandidatAcces


class Command(BaseCommand):
    help = "Recalcule qui peut voir chaque candidat (après une modification hors de cqpilot)."

    def handle(self, *args, **options) -> None:
        sync_acces()
        self.stdout.write(
            self.style.SUCCESS(
                f"Accès recalculés : {compte(CandidatAcces.objects.count(), 'autorisation')}."
            )
        )
