from django.core.management.base import BaseCommand
from django.db import connections
from django_tasks_db.models import DBTaskResult

from cqpilot.core.french import compte
from cqpilot.workers.leases import reclaim_abandoned, sole_sqlite_worker


class Command(BaseCommand):
    help = (
        "Reprend les tâches de fond abandonnées par un worker arrêté brutalement : remises en "
        "file (un worker les relance), ou marquées en échec après TASKS_MAX_ATTEMPTS essais. "
        "Les workers le font d'eux-mêmes ; utile quand aucun ne tourne."
    )

    def handle(self, *args, **options) -> None:
        database = connections[DBTaskResult.objects.db]
        if database.vendor == "sqlite" and not database.is_in_memory_db():
            # Refused while the one worker runs: the tasks running are then its own.
            with sole_sqlite_worker(database.settings_dict["NAME"]):
                reclaimed = reclaim_abandoned(everything=True)
        else:
            reclaimed = reclaim_abandoned()
        self.stdout.write(
            f"Tâches abandonnées : {compte(len(reclaimed.requeued), 'remise')} en file, "
            f"{compte(len(reclaimed.failed), 'marquée')} en échec."
        )
