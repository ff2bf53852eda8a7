"""Is this cqpilot working? The checks behind `/sante/`, for a monitoring service.

Four checks, each answering in a few milliseconds: the database answers a query, the cache
keeps what it is given, the background worker (`cqpilot db_worker`) ran its heartbeat recently,
and no task has waited too long for it. The answer names the checks and their ages, nothing
about anybody's data.

The worker's heartbeat is itself a task: it runs every minute and enqueues the next one, so its
age says that a worker is alive *and* takes tasks from the queue. The chain starts after each
`migrate`, and again from this check if it was ever lost (a failed or pruned heartbeat).
"""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connection
from django.db.models import Max, Min
from django.utils import timezone
from django_tasks import task
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult, get_date_max

from .mail import prune_sent_messages

HEARTBEAT_INTERVAL = timedelta(minutes=1)
HEARTBEAT_KEPT = timedelta(hours=1)  # older heartbeats are deleted by the next one


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    age_seconds: int | None = None

    def as_json(self) -> dict:
        answer: dict = {"ok": self.ok, "detail": self.detail}
        if self.age_seconds is not None:
            answer["age_secondes"] = self.age_seconds
        return answer


@task()
def heartbeat() -> None:
    """Proves a worker took a task from the queue; schedules the next proof."""
    now = timezone.now()
    DBTaskResult.objects.filter(
        task_path=heartbeat.module_path,
        status=TaskResultStatus.SUCCESSFUL,
        finished_at__lt=now - HEARTBEAT_KEPT,
    ).delete()
    prune_sent_messages()  # their rows hold addresses and texts
    schedule_heartbeat(now + HEARTBEAT_INTERVAL)


def uses_database_tasks() -> bool:
    return isinstance(heartbeat.get_backend(), DatabaseBackend)


def schedule_heartbeat(run_after: datetime | None = None) -> None:
    """Enqueues a heartbeat unless one is already waiting. Two workers may both enqueue one at
    the same moment: the next heartbeat of either then finds the other's waiting and stops, so
    the chains merge back into one."""
    if not uses_database_tasks():
        return  # the tests' immediate backend would run the chain forever
    waiting = DBTaskResult.objects.filter(
        task_path=heartbeat.module_path, status=TaskResultStatus.READY
    )
    if not waiting.exists():
        heartbeat.using(run_after=run_after).enqueue()


def last_heartbeat() -> datetime | None:
    return DBTaskResult.objects.filter(
        task_path=heartbeat.module_path, started_at__isnull=False
    ).aggregate(last=Max("started_at"))["last"]


def oldest_due_since() -> datetime | None:
    """When the task waiting longest became due: its enqueueing, or its deferred start."""
    now, never = timezone.now(), get_date_max()
    ready = DBTaskResult.objects.filter(status=TaskResultStatus.READY)
    undeferred = ready.filter(run_after=never).aggregate(at=Min("enqueued_at"))["at"]
    deferred = ready.filter(run_after__lte=now).aggregate(at=Min("run_after"))["at"]
    return min((at for at in (undeferred, deferred) if at is not None), default=None)


def seconds_since(moment: datetime) -> int:
    return max(0, int((timezone.now() - moment).total_seconds()))


def check_database() -> Check:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as error:
        return Check("base_de_donnees", False, f"la base ne répond pas ({type(error).__name__})")
    return Check("base_de_donnees", True, "la base répond")


def check_cache() -> Check:
    # A key of its own: with several servers on one Redis, a shared key could be overwritten
    # by another server's check between this one's write and its read.
    value = uuid.uuid4().hex
    key = f"sante-{value}"
    try:
        cache.set(key, value, timeout=30)
        kept = cache.get(key) == value
        cache.delete(key)
    # Whatever the engine raises is the answer, not a 500: the folder missing or read-only
    # (OSError), a Redis refusing or not answering in time (redis' ConnectionError, TimeoutError).
    except Exception as error:
        return Check("cache", False, f"cache inutilisable ({type(error).__name__})")
    return Check(
        "cache", kept, "le cache garde les valeurs" if kept else "le cache perd les valeurs"
    )


def check_worker() -> Check:
    if not uses_database_tasks():
        return Check("worker", True, "tâches exécutées sans worker (pas de file en base)")
    try:
        schedule_heartbeat()
        last = last_heartbeat()
    except DatabaseError:
        return Check("worker", False, "la base ne répond pas")
    if last is None:
        return Check("worker", False, "aucun battement : `cqpilot db_worker` est-il lancé ?")
    age = seconds_since(last)
    ok = age <= settings.HEALTHCHECK_WORKER_MAX_AGE
    detail = "dernier battement récent" if ok else "dernier battement trop ancien"
    return Check("worker", ok, detail, age)


def check_tasks() -> Check:
    if not uses_database_tasks():
        return Check("taches", True, "tâches exécutées sans worker (pas de file en base)")
    try:
        since = oldest_due_since()
    except DatabaseError:
        return Check("taches", False, "la base ne répond pas")
    if since is None:
        return Check("taches", True, "aucune tâche en attente", 0)
    age = seconds_since(since)
    ok = age <= settings.HEALTHCHECK_TASK_MAX_WAIT
    detail = "la plus ancienne tâche due attend depuis peu" if ok else "des tâches attendent trop"
    return Check("taches", ok, detail, age)


def run_checks() -> list[Check]:
    return [check_database(), check_cache(), check_worker(), check_tasks()]
