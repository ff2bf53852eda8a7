"""Tasks abandoned by a dead worker are taken up by the living: queued again while attempts
remain, then failed; a worker alive (its lease renewed) keeps its task. One worker on SQLite."""

import logging
import subprocess
import sys
from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command, get_commands
from django.utils import timezone
from django_tasks import task
from django_tasks_db.models import DBTaskResult

from cqpilot.workers.leases import reclaim_abandoned, renew, sole_sqlite_worker
from cqpilot.workers.management.commands.db_worker import Housekeeper
from cqpilot.workers.models import WorkerLease

from .processes import REPOSITORY, worker_environment

pytestmark = pytest.mark.django_db
LEASE = timedelta(seconds=60)


@task()
def nettoyer() -> None:
    """A task of the queue; never run here."""


@pytest.fixture(autouse=True)
def queue(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.TASKS_LEASE_SECONDS = int(LEASE.total_seconds())
    settings.TASKS_MAX_ATTEMPTS = 3


def claimed_by(*workers: str) -> DBTaskResult:
    """A queued task, claimed by each worker in turn as django-tasks-db claims it."""
    result = DBTaskResult.objects.get(id=nettoyer.enqueue().id)
    for worker in workers:
        result.claim(worker)
    return result


def later(delay: timedelta):
    return time_machine.travel(timezone.now() + delay, tick=False)


def status(result: DBTaskResult) -> str:
    result.refresh_from_db()
    return result.status


def test_the_db_worker_command_is_cqpilot_s():
    assert get_commands()["db_worker"] == "cqpilot.workers"


def test_a_task_of_a_worker_silent_for_a_lease_is_queued_again():
    renew("atelier-a")
    result = claimed_by("atelier-a")

    with later(LEASE + timedelta(seconds=1)):
        reclaimed = reclaim_abandoned()

    assert [r.id for r in reclaimed.requeued] == [result.id] and not reclaimed.failed
    assert status(result) == "READY"
    assert result.worker_ids == ["atelier-a"]  # its first attempt, counted
    assert not WorkerLease.objects.exists()  # the dead worker's lease is gone with it


def test_a_worker_that_renews_its_lease_keeps_its_task():
    renew("atelier-a")
    result = claimed_by("atelier-a")

    with later(LEASE + timedelta(seconds=1)):
        renew("atelier-a")  # its housekeeping thread, beside a long lot
        reclaimed = reclaim_abandoned()

    assert not reclaimed.requeued and status(result) == "RUNNING"


def test_a_task_claimed_less_than_a_lease_ago_is_left_alone():
    result = claimed_by("atelier-sans-bail")

    with later(LEASE - timedelta(seconds=1)):
        reclaim_abandoned()

    assert status(result) == "RUNNING"


def test_a_task_out_of_attempts_is_failed_and_logged(caplog):
    result = claimed_by("atelier-a", "atelier-b", "atelier-c")

    with later(LEASE + timedelta(seconds=1)), caplog.at_level(logging.ERROR, "django_tasks"):
        reclaimed = reclaim_abandoned()

    assert [r.id for r in reclaimed.failed] == [result.id]
    assert status(result) == "FAILED"
    assert result.exception_class_path == "cqpilot.workers.leases.TaskInterrupted"
    assert "interrompue 3 fois (dernier worker : atelier-c)" in result.traceback
    assert f"Task id={result.id}" in caplog.text


def test_a_worker_restarted_under_its_id_takes_up_its_predecessor_s_task():
    renew("atelier-1")
    result = claimed_by("atelier-1")

    with later(LEASE + timedelta(seconds=1)):
        renew("atelier-1")  # the new process, same id: the lease looks alive
        assert not reclaim_abandoned().requeued
        reclaim_abandoned(of_worker="atelier-1")  # what it does as it starts

    assert status(result) == "READY"


def test_a_worker_restarted_at_once_under_its_id_takes_up_a_task_claimed_just_before():
    """Found in review: a predecessor killed seconds after claiming (systemd restarts it within
    the lease) left a task no beat would ever take up: its last worker id is alive."""
    renew("atelier-1")
    result = claimed_by("atelier-1")

    with later(timedelta(seconds=5)):
        renew("atelier-1")
        reclaim_abandoned(of_worker="atelier-1")

    assert status(result) == "READY"


def test_the_one_sqlite_worker_takes_up_everything_left_running_as_it_starts():
    renew("atelier-a")
    result = claimed_by("atelier-a")  # a moment ago, its lease fresh: but it is the only one

    reclaim_abandoned(everything=True)

    assert status(result) == "READY"


def test_the_housekeeper_renews_the_lease_and_takes_up_the_dead_s_tasks():
    renew("atelier-mort")
    result = claimed_by("atelier-mort")
    housekeeper = Housekeeper("atelier-vivant")

    with later(LEASE + timedelta(seconds=1)):
        housekeeper.beat()

    assert status(result) == "READY"
    assert list(WorkerLease.objects.values_list("worker_id", flat=True)) == ["atelier-vivant"]


def test_the_command_takes_up_abandoned_tasks_and_says_what_it_did(capsys):
    claimed_by("atelier-a")
    claimed_by("atelier-a", "atelier-b", "atelier-c")

    with later(LEASE + timedelta(seconds=1)):
        call_command("reprendre_taches")

    assert "Tâches abandonnées : 1 remise en file, 1 marquée en échec." in capsys.readouterr().out


def test_a_second_worker_on_one_sqlite_database_is_refused_in_french(tmp_path):
    database = tmp_path / "cqpilot.sqlite3"
    environment = worker_environment(tmp_path) | {"DATABASE_URL": f"sqlite:///{database}"}

    with sole_sqlite_worker(str(database)):  # the first worker, running
        second = subprocess.run(
            [sys.executable, "-m", "cqpilot.cli", "db_worker", "--no-startup-delay"],
            cwd=REPOSITORY,
            env=environment,
            capture_output=True,
            text=True,
            timeout=60,
        )

    assert second.returncode == 1
    assert "Un autre worker tourne déjà sur cette base SQLite" in second.stderr
    assert "passez à PostgreSQL" in second.stderr
