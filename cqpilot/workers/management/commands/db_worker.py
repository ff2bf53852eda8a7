"""`cqpilot db_worker`: django-tasks-db's worker, safe to run several times over PostgreSQL.

Around django-tasks-db's own loop (which claims each task once), this worker keeps a lease alive
and takes up the tasks that dead workers left « RUNNING » (cqpilot.workers.leases). On SQLite it
refuses to run beside another one, and takes up at once whatever was left running.
"""

import logging
import os
import threading
from contextlib import ExitStack

from django.db import Error as DatabaseError
from django.db import close_old_connections, connections
from django.utils import timezone
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult

from cqpilot.workers import leases

logger = logging.getLogger("cqpilot.workers")


class Housekeeper(threading.Thread):
    """Renews the worker's lease and takes up abandoned tasks, beside the task being run: a
    lot of several minutes keeps its worker visibly alive."""

    def __init__(self, worker_id: str) -> None:
        super().__init__(name="cqpilot-worker-lease", daemon=True)
        self.worker_id = worker_id
        self.started_at = timezone.now()
        self.stopping = threading.Event()

    def beat(self) -> None:
        leases.renew(self.worker_id, started_at=self.started_at)
        leases.reclaim_abandoned()

    def run(self) -> None:
        try:
            while not self.stopping.wait(leases.renewal_interval()):
                try:
                    # this thread's connection, if the database dropped it (a restart), is
                    # replaced rather than reused for ever
                    close_old_connections()
                    self.beat()
                except DatabaseError as error:  # any database error (InterfaceError included)
                    # the database restarting: this thread's connections go, the next beat
                    # opens new ones
                    logger.warning("Worker %s: lease not renewed (%s)", self.worker_id, error)
                    connections.close_all()
        finally:
            connections.close_all()  # this thread's own connections

    def stop(self) -> None:
        self.stopping.set()
        self.join(timeout=10)


class Command(db_worker.Command):
    help = (
        "Exécute les tâches de fond (délivrance par lot, courriels, webhooks). Sur PostgreSQL, "
        "plusieurs workers peuvent tourner (plusieurs serveurs) : chaque tâche ne s'exécute "
        "qu'une fois, et celles d'un worker arrêté brutalement sont reprises par les autres. "
        "Sur SQLite, un seul worker à la fois."
    )

    def handle(self, **options) -> None:
        reloader_parent = (
            options["reload"]
            and not options["batch"]
            and os.environ.get(DJANGO_AUTORELOAD_ENV) != "true"
        )
        if reloader_parent:  # it only restarts its child on code changes; the child works
            return super().handle(**options)
        worker_id = options["worker_id"]
        database = connections[DBTaskResult.objects.db]
        with ExitStack() as stack:
            if database.vendor == "sqlite":
                if not database.is_in_memory_db():
                    stack.enter_context(leases.sole_sqlite_worker(database.settings_dict["NAME"]))
                # The one worker: whatever runs was its killed predecessor's.
                report(leases.reclaim_abandoned(everything=True))
            else:
                leases.renew(worker_id)
                stack.callback(leases.release, worker_id)
                report(leases.reclaim_abandoned(of_worker=worker_id))
                housekeeper = Housekeeper(worker_id)
                housekeeper.start()
                stack.callback(housekeeper.stop)
            super().handle(**options)


def report(reclaimed: leases.Reclaimed) -> None:
    if reclaimed.requeued or reclaimed.failed:
        logger.warning(
            "Abandoned tasks at start: %d queued again, %d failed",
            len(reclaimed.requeued),
            len(reclaimed.failed),
        )
