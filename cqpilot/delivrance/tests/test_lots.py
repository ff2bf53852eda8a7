"""A délivrance lot is issued once and whole: run again (its worker killed after it had
committed), it leaves what it issued alone; abandoned for good, its page says it failed, with
nothing issued, and how to start it again."""

from datetime import timedelta
from html import unescape

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from cqpilot.core.tests.accounts import confirm_identity
from cqpilot.delivrance.models import DocumentDelivre, LotDelivrance, LotStatus
from cqpilot.delivrance.tasks import issue_lot
from cqpilot.workers.leases import reclaim_abandoned

from .factories import signed_jury

pytestmark = pytest.mark.django_db


def start_lot(client, s) -> LotDelivrance:
    client.force_login(s.gestionnaire)
    confirm_identity(client)
    client.post(reverse("delivrance:jury_documents", args=[s.jury.pk]))
    return LotDelivrance.objects.latest("created_at")


def test_a_lot_run_a_second_time_keeps_what_the_first_run_issued(client):
    s = signed_jury()
    lot = start_lot(client, s)  # run at once by the tests' task backend
    issued = list(lot.documents.order_by("numero").values_list("numero", flat=True))

    issue_lot.call(lot.pk)  # as a worker would, had the first been killed after its commit

    lot.refresh_from_db()
    assert lot.status == LotStatus.TERMINE and lot.refusals == []
    assert list(lot.documents.order_by("numero").values_list("numero", flat=True)) == issued
    assert DocumentDelivre.objects.count() == 2


@pytest.fixture
def database_queue(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.TASKS_LEASE_SECONDS = 60


def killed_while_running(lot: LotDelivrance, *workers: str) -> DBTaskResult:
    """The lot's task as its workers left it, each killed in the middle of the lot: claimed by
    each in turn, the lot « en cours », nothing of it committed."""
    result = DBTaskResult.objects.get(task_path=issue_lot.module_path)
    for worker in workers:
        result.claim(worker)
    LotDelivrance.objects.filter(pk=lot.pk).update(status=LotStatus.EN_COURS)
    return result


def after_the_lease():
    return time_machine.travel(timezone.now() + timedelta(seconds=61), tick=False)


def test_a_lot_interrupted_with_attempts_left_waits_for_another_worker(
    client, database_queue, settings
):
    settings.TASKS_MAX_ATTEMPTS = 3
    lot = start_lot(client, signed_jury())
    result = killed_while_running(lot, "atelier-a")

    with after_the_lease():
        reclaim_abandoned()

    result.refresh_from_db()
    lot.refresh_from_db()
    assert result.status == "READY" and lot.status == LotStatus.EN_COURS


def test_a_lot_interrupted_too_often_is_reported_failed_with_the_way_to_start_again(
    client, database_queue, settings
):
    settings.TASKS_MAX_ATTEMPTS = 2
    s = signed_jury()
    lot = start_lot(client, s)
    killed_while_running(lot, "atelier-a", "atelier-b")

    with after_the_lease():
        reclaim_abandoned()

    lot.refresh_from_db()
    assert lot.status == LotStatus.ECHEC and lot.finished_at is not None
    page = client.get(reverse("delivrance:lot", args=[lot.pk]))
    assert (
        "La délivrance a échoué, aucun document n'a été délivré : le traitement a été "
        "interrompu (arrêt du worker qui l'exécutait), relancez-le." in unescape(page.text)
    )
    assert 'hx-trigger="every 1s"' not in page.text  # nothing more to follow
    relaunch = reverse("delivrance:jury_documents", args=[s.jury.pk])
    assert f'href="{relaunch}">Relancer la délivrance</a>' in page.text
