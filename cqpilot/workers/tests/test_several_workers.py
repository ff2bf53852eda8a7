"""Several `cqpilot db_worker` processes share one PostgreSQL queue: each task runs once, and a
worker killed in the middle of a délivrance lot loses nothing. The lot is taken up again by
another worker and numbered from the first free number with no gap, or (once its attempts are
spent) reported failed on the lot page, with no number taken and no document half issued."""

import time

import pytest
from django.db import connection
from django.urls import reverse
from django_tasks import task
from django_tasks_db.models import DBTaskResult

from cqpilot.core.tests.accounts import confirm_identity
from cqpilot.delivrance.models import Compteur, DocumentDelivre, LotDelivrance, LotStatus
from cqpilot.delivrance.tasks import issue_lot, progress_of
from cqpilot.delivrance.tests.factories import signed_jury
from cqpilot.workers.models import WorkerLease

from .processes import WorkerProcess, wait_for, worker_environment

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="plusieurs workers demandent PostgreSQL (sur SQLite, un seul worker tourne, et "
        "la base des tests est en mémoire, hors de portée d'un autre processus)",
    ),
]
LEASE_SECONDS = "2"  # how long a silent worker is believed alive; production waits longer


@pytest.fixture
def queue(settings, tmp_path):
    """The lots go to the database queue; the test reads their progress from the workers' cache."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(tmp_path / "cache"),
        }
    }
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def start_worker(queue, tmp_path):
    started: list[WorkerProcess] = []

    def start(name: str, **environment: str) -> WorkerProcess:
        environment = {"TASKS_LEASE_SECONDS": LEASE_SECONDS} | environment
        worker = WorkerProcess(name, worker_environment(tmp_path, **environment), tmp_path)
        started.append(worker)
        return worker

    yield start
    for worker in started:  # before the database is emptied: a worker holds its connection
        worker.stop()


def start_lot(client, s) -> LotDelivrance:
    """The gestionnaire asks for every document of the signed jury, as on its page."""
    client.force_login(s.gestionnaire)
    confirm_identity(client)
    client.post(reverse("delivrance:jury_documents", args=[s.jury.pk]))
    return LotDelivrance.objects.filter(jury=s.jury).latest("created_at")


def lot_task(lot: LotDelivrance) -> DBTaskResult:
    return DBTaskResult.objects.get(task_path=issue_lot.module_path, args_kwargs__args=[lot.pk])


def numbers(s) -> list[str]:
    return sorted(
        DocumentDelivre.objects.filter(organisation=s.branche).values_list("numero", flat=True)
    )


def consecutive(count: int) -> list[str]:
    return [f"CQP-2026-{n:06d}" for n in range(1, count + 1)]


def finished(lot: LotDelivrance) -> bool:
    lot.refresh_from_db()
    return lot.status in (LotStatus.TERMINE, LotStatus.ECHEC)


@task(takes_context=True)
def note_run(context, journal: str) -> None:
    """Writes down which worker ran it; the short pause keeps both workers at the queue."""
    with open(journal, "a") as lines:
        lines.write(f"{context.task_result.id} {context.task_result.worker_ids[-1]}\n")
    time.sleep(0.05)


def test_two_workers_run_each_task_once(start_worker, tmp_path):
    workers = [start_worker("atelier-a"), start_worker("atelier-b")]
    wait_for(
        lambda: WorkerLease.objects.count() == 2, "workers prêts", seconds=120, workers=workers
    )
    journal = tmp_path / "journal.txt"
    queued = {note_run.enqueue(str(journal)).id for _ in range(40)}

    done = DBTaskResult.objects.filter(task_path=note_run.module_path, status="SUCCESSFUL")
    wait_for(lambda: done.count() == 40, "tâches faites", seconds=120, workers=workers)
    runs = [line.split() for line in journal.read_text().splitlines()]
    assert sorted(task_id for task_id, _ in runs) == sorted(queued)  # each once, none twice
    assert {worker for _, worker in runs} == {"atelier-a", "atelier-b"}  # both took some
    assert all(len(result.worker_ids) == 1 for result in done)  # each claimed once


def kill_in_the_middle(worker: WorkerProcess, lot: LotDelivrance) -> None:
    """Waits until the lot has numbered some documents, then kills its worker."""
    wait_for(lambda: progress_of(lot)[0] > 0, "lot commencé", seconds=120, workers=[worker])
    worker.kill()
    lot.refresh_from_db()
    assert lot.status == LotStatus.EN_COURS and progress_of(lot)[0] < progress_of(lot)[1]


def test_a_lot_whose_worker_is_killed_is_finished_by_another_without_a_gap(client, start_worker):
    s = signed_jury(candidats=6)  # five documents to issue
    lot = start_lot(client, s)
    first = start_worker("atelier-a")
    kill_in_the_middle(first, lot)

    # Nothing of the interrupted lot was kept: no number taken, no document.
    assert not DocumentDelivre.objects.exists()
    assert not Compteur.objects.filter(dernier__gt=0).exists()

    second = start_worker("atelier-b")
    wait_for(lambda: finished(lot), "lot repris", seconds=120, workers=[first, second])
    assert (lot.status, lot.refusals) == (LotStatus.TERMINE, [])
    assert lot.documents.count() == 5 and numbers(s) == consecutive(5)
    task = lot_task(lot)
    assert (task.status, task.worker_ids) == ("SUCCESSFUL", ["atelier-a", "atelier-b"])
    page = client.get(reverse("delivrance:lot", args=[lot.pk]))
    assert "5 documents délivrés." in page.text


def test_a_lot_out_of_attempts_is_reported_failed_and_can_be_started_again(client, start_worker):
    s = signed_jury(candidats=6)
    lot = start_lot(client, s)
    first = start_worker("atelier-a", TASKS_MAX_ATTEMPTS="1")  # never taken up again
    kill_in_the_middle(first, lot)

    second = start_worker("atelier-b", TASKS_MAX_ATTEMPTS="1")
    wait_for(lambda: finished(lot), "lot déclaré en échec", seconds=120, workers=[first, second])
    assert lot.status == LotStatus.ECHEC
    assert not DocumentDelivre.objects.exists()
    assert not Compteur.objects.filter(dernier__gt=0).exists()
    assert lot_task(lot).status == "FAILED"
    page = client.get(reverse("delivrance:lot", args=[lot.pk]))
    assert "le traitement a été interrompu" in page.text and "relancez-le" in page.text
    assert reverse("delivrance:jury_documents", args=[s.jury.pk]) in page.text

    again = start_lot(client, s)  # the gestionnaire starts it again from the jury's page
    wait_for(lambda: finished(again), "lot relancé", seconds=120, workers=[second])
    assert again.status == LotStatus.TERMINE and numbers(s) == consecutive(5)
