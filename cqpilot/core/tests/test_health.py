"""`/sante/`: 200 when the database, the cache and the worker answer, 503 naming what fails."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from cqpilot.api.webhooks import deliver
from cqpilot.core.health import heartbeat, schedule_heartbeat

pytestmark = pytest.mark.django_db(transaction=True)  # the worker takes tasks in transactions


@pytest.fixture
def database_tasks(settings):
    """Tasks queued in the database, as in production (the tests otherwise run them at once)."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def run_worker() -> None:
    """`cqpilot db_worker --batch`: runs every due task, then stops."""
    Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
        excluded_queue_names=[],
    ).run()


def sante(client, **headers):
    response = client.get(reverse("sante"), headers=headers)
    return response.status_code, response.json()


def test_without_a_task_queue_the_database_and_cache_are_checked(client):
    status, answer = sante(client)
    assert status == 200 and answer["statut"] == "ok" and answer["echecs"] == []
    assert set(answer["verifications"]) == {"base_de_donnees", "cache", "worker", "taches"}


@pytest.mark.usefixtures("database_tasks")
def test_no_worker_heartbeat_yet_is_a_503_naming_the_worker(client):
    status, answer = sante(client)
    assert status == 503 and answer["echecs"] == ["worker"]
    assert "db_worker" in answer["verifications"]["worker"]["detail"]


@pytest.mark.usefixtures("database_tasks")
def test_once_the_worker_beats_the_check_passes_with_the_heartbeat_age(client):
    sante(client)  # starts the heartbeat chain
    run_worker()

    status, answer = sante(client)
    assert status == 200, answer
    assert answer["verifications"]["worker"]["age_secondes"] <= 5
    assert answer["verifications"]["taches"]["age_secondes"] == 0
    # the heartbeat enqueued the next one, a minute later
    waiting = DBTaskResult.objects.filter(task_path=heartbeat.module_path, status="READY")
    assert waiting.get().run_after > timezone.now() + timedelta(seconds=50)


@pytest.mark.usefixtures("database_tasks")
def test_a_stopped_worker_fails_both_the_heartbeat_and_the_waiting_tasks(client):
    sante(client)
    run_worker()
    deliver.enqueue(0)  # a webhook delivery nobody takes

    with time_machine.travel(timezone.now() + timedelta(minutes=20)):
        status, answer = sante(client)

    assert status == 503 and answer["echecs"] == ["worker", "taches"]
    assert answer["verifications"]["worker"]["age_secondes"] >= 20 * 60
    assert answer["verifications"]["taches"]["age_secondes"] >= 20 * 60


@pytest.mark.usefixtures("database_tasks")
def test_one_heartbeat_waits_at_a_time():
    schedule_heartbeat()
    schedule_heartbeat()
    assert DBTaskResult.objects.filter(task_path=heartbeat.module_path).count() == 1


def test_with_a_token_set_the_check_asks_for_it(client, settings):
    settings.HEALTHCHECK_TOKEN = "jeton-de-supervision"

    assert sante(client)[0] == 403
    assert sante(client, X_Healthcheck_Token="mauvais")[0] == 403
    assert sante(client, X_Healthcheck_Token="jeton-de-supervision")[0] == 200
    # Never in the address, where access logs would keep it.
    assert client.get(reverse("sante"), {"jeton": "jeton-de-supervision"}).status_code == 403


def test_the_answer_is_never_cached(client):
    assert "no-store" in client.get(reverse("sante"))["Cache-Control"]
