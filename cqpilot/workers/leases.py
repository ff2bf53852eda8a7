"""Which background tasks were abandoned, and what becomes of them.

django-tasks-db claims a task by marking it « RUNNING » under the worker's id, in a transaction
that skips the rows another worker is claiming (SELECT … FOR UPDATE SKIP LOCKED on PostgreSQL,
an exclusive transaction on SQLite): two workers never take the same task. But a worker killed
while it runs one (OOM killer, `kill -9`, a machine lost) leaves it « RUNNING » for ever, and
nothing would run it again.

So each worker holds a lease (WorkerLease), renewed every quarter of TASKS_LEASE_SECONDS by a
thread of its own, whatever its task is doing. A task « RUNNING » under a worker whose lease has
lapsed for that long was abandoned: the surviving workers queue it again, until it has been
started TASKS_MAX_ATTEMPTS times; then it is marked failed (TaskInterrupted), which the task's
own module turns into a message for its user (delivrance: the lot page).

Queuing again is safe for cqpilot's tasks: a délivrance lot is one transaction, which the killed
worker's database connection rolled back whole (numbers included); an e-mail or a webhook may at
worst leave twice, rather than never.
"""

import fcntl
import logging
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.core.management.base import CommandError
from django.db import transaction
from django.utils import timezone
from django_tasks.signals import task_finished
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from .models import WorkerLease

logger = logging.getLogger(__name__)


class TaskInterrupted(Exception):
    """Recorded on a task whose workers were killed under it once too often."""


def lease_duration() -> timedelta:
    return timedelta(seconds=settings.TASKS_LEASE_SECONDS)


def renewal_interval() -> float:
    """Four renewals per lease: one delayed by a busy database does not make a worker dead."""
    return max(0.25, settings.TASKS_LEASE_SECONDS / 4)


def renew(worker_id: str, *, started_at: datetime | None = None) -> None:
    """Records that the worker is alive (and creates its lease, the first time or after a pause
    long enough for the others to have removed it)."""
    now = timezone.now()
    WorkerLease.objects.update_or_create(
        worker_id=worker_id,
        defaults={"seen_at": now},
        create_defaults={
            "seen_at": now,
            "started_at": started_at or now,
            "hostname": socket.gethostname()[:255],
            "pid": os.getpid(),
        },
    )


def release(worker_id: str) -> None:
    """A worker stopping cleanly (SIGTERM) has finished its task: its lease goes with it."""
    WorkerLease.objects.filter(worker_id=worker_id).delete()


@dataclass
class Reclaimed:
    requeued: list[DBTaskResult] = field(default_factory=list)
    failed: list[DBTaskResult] = field(default_factory=list)


def reclaim_abandoned(*, everything: bool = False, of_worker: str | None = None) -> Reclaimed:
    """Queues again, or fails once out of attempts, the tasks left « RUNNING » by dead workers.

    `everything`: every running task is abandoned (SQLite, where the one worker allowed calls
    this as it starts). `of_worker`: so are those of this worker id (a worker restarting under
    a fixed id: the tasks under that id are its dead predecessor's)."""
    now = timezone.now()
    horizon = now - lease_duration()
    reclaimed = Reclaimed()
    with transaction.atomic():
        alive = set(
            WorkerLease.objects.filter(seen_at__gte=horizon).values_list("worker_id", flat=True)
        )
        running = DBTaskResult.objects.running().select_for_update(skip_locked=True)
        if not everything and of_worker is None:
            # Claimed less than a lease ago: the worker may not have renewed yet.
            running = running.filter(started_at__lt=horizon)
        for result in running.order_by("started_at"):
            last_worker = result.worker_ids[-1] if result.worker_ids else None
            # a worker restarting under its id: its predecessor's tasks, however recent
            predecessor = of_worker is not None and last_worker == of_worker
            if not everything and not predecessor:
                if result.started_at is not None and result.started_at >= horizon:
                    continue  # claimed less than a lease ago
                if last_worker in alive:
                    continue
            if len(result.worker_ids) < settings.TASKS_MAX_ATTEMPTS:
                _requeue(result, last_worker)
                reclaimed.requeued.append(result)
            else:
                _fail(result, last_worker)
                reclaimed.failed.append(result)
        # Leases of dead workers, their tasks now taken care of.
        WorkerLease.objects.filter(seen_at__lt=horizon).delete()
    return reclaimed


def _requeue(result: DBTaskResult, worker: str | None) -> None:
    result.status = TaskResultStatus.READY
    result.save(update_fields=["status"])
    logger.warning(
        "Task id=%s path=%s abandoned by worker %s: queued again (attempt %d of %d)",
        result.id,
        result.task_path,
        worker,
        len(result.worker_ids) + 1,
        settings.TASKS_MAX_ATTEMPTS,
    )


def _fail(result: DBTaskResult, worker: str | None) -> None:
    attempts = len(result.worker_ids)
    result.set_failed(
        TaskInterrupted(
            f"interrompue {attempts} fois (dernier worker : {worker}), abandonnée : "
            "le processus qui l'exécutait a été arrêté sans pouvoir la terminer"
        )
    )
    try:
        backend = type(result.task.get_backend())
    except ImportError:  # a task removed from the code since it was queued
        logger.error("Task id=%s path=%s abandoned for good", result.id, result.task_path)
        return
    # Logged at ERROR by django-tasks; the task's module tells its user (delivrance.apps).
    task_finished.send(sender=backend, task_result=result.task_result)


@contextmanager
def sole_sqlite_worker(database_path: str) -> Iterator[None]:
    """Held by the only worker a SQLite database may have, for as long as it runs.

    SQLite lets one transaction write at a time, and a délivrance lot is one transaction: a
    second worker would only wait for the first (and make the web pages wait longer), and a
    long lot keeps the first from renewing its lease, so that the second would take its task
    for abandoned. The lock is a file lock beside the database, which the kernel releases when
    the process ends, however it ends."""
    with open(f"{database_path}.worker.lock", "a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise CommandError(
                "Un autre worker tourne déjà sur cette base SQLite : avec SQLite, un seul "
                "`cqpilot db_worker` à la fois. Pour en lancer plusieurs (plusieurs serveurs), "
                "passez à PostgreSQL (DATABASE_URL)."
            ) from None
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
