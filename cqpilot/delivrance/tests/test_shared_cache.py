"""Several servers behind a load balancer: the verification page's limit and a lot's progress
live in the cache, which CACHE_URL makes a Redis they share; a Redis that stops answering
costs the progress bar, never the lot."""

from datetime import UTC, datetime

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from cqpilot.core.tests.accounts import confirm_identity
from cqpilot.core.tests.shared_cache import DEAD_REDIS_URL, cache_settings, server, shared_redis
from cqpilot.delivrance.models import DocumentDelivre, LotDelivrance, LotStatus
from cqpilot.delivrance.services import a_delivrer
from cqpilot.delivrance.tasks import record_progress

from .factories import signed_jury

pytestmark = pytest.mark.django_db

UNKNOWN = reverse("delivrance:verifier", args=["AAAAAAAAAA"])  # a 404 while allowed, then 429
# The clock stands still while a limit is counted: its minute cannot end between two requests.
COUNTING = time_machine.travel(datetime(2026, 3, 2, 10, 0, 0, tzinfo=UTC), tick=False)


@pytest.fixture
def redis_cache(monkeypatch):
    with shared_redis(monkeypatch) as config:
        yield config


@COUNTING
def test_the_verification_limit_counted_on_one_server_holds_on_the_other(redis_cache, settings):
    settings.VERIFICATION_RATE = "3/m"
    visitor = Client(REMOTE_ADDR="203.0.113.7")
    with server(redis_cache):
        assert [visitor.get(UNKNOWN).status_code for _ in range(3)] == [404, 404, 404]
    with server(redis_cache):  # the load balancer sends the fourth request elsewhere
        assert visitor.get(UNKNOWN).status_code == 429
        assert Client(REMOTE_ADDR="203.0.113.8").get(UNKNOWN).status_code == 404


@COUNTING
def test_with_each_servers_own_folder_the_limit_was_per_server(settings, tmp_path):
    """Why several servers need CACHE_URL: today's default counts on each machine apart."""
    settings.VERIFICATION_RATE = "3/m"
    visitor = Client(REMOTE_ADDR="203.0.113.7")
    folder = "django.core.cache.backends.filebased.FileBasedCache"
    with server({"BACKEND": folder, "LOCATION": str(tmp_path / "serveur-a")}):
        assert [visitor.get(UNKNOWN).status_code for _ in range(4)] == [404, 404, 404, 429]
    with server({"BACKEND": folder, "LOCATION": str(tmp_path / "serveur-b")}):
        assert visitor.get(UNKNOWN).status_code == 404


@COUNTING
def test_behind_the_load_balancer_each_visitor_has_their_own_verification_limit(settings):
    """Every request reaches the servers from the balancer's address: the limit counts the
    address it forwards (TRUSTED_PROXY_COUNT), as the login lockouts do."""
    settings.VERIFICATION_RATE = "3/m"
    settings.TRUSTED_PROXY_COUNT = 1

    def through_balancer(visitor_ip: str) -> int:
        balancer = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=visitor_ip)
        return balancer.get(UNKNOWN).status_code

    assert [through_balancer("203.0.113.7") for _ in range(4)] == [404, 404, 404, 429]
    assert through_balancer("198.51.100.20") == 404


def running_lot(s, total: int) -> LotDelivrance:
    return LotDelivrance.objects.create(
        organisation=s.jury.organisation,
        jury=s.jury,
        status=LotStatus.EN_COURS,
        total=total,
        created_by=s.gestionnaire,
    )


def test_a_lots_progress_written_by_the_worker_shows_on_the_web_server(redis_cache, client):
    s = signed_jury()
    lot = running_lot(s, total=2)
    client.force_login(s.gestionnaire)
    with server(redis_cache):  # the worker's process
        record_progress(lot.pk, 3, 6)
    with server(redis_cache):  # a web server the gestionnaire's browser polls
        page = client.get(reverse("delivrance:lot", args=[lot.pk]), headers={"HX-Request": "1"})
    assert '<progress id="progression" max="100" value="50">' in page.text


def test_a_dead_redis_loses_the_progress_bar_not_the_lot(monkeypatch, client, caplog):
    s = signed_jury()
    client.force_login(s.gestionnaire)
    confirm_identity(client)
    expected = len(a_delivrer(s.jury))
    with server(cache_settings(monkeypatch, DEAD_REDIS_URL)):
        # the tests run the task at once, in the request: the worker's side meets the dead Redis
        client.post(reverse("delivrance:jury_documents", args=[s.jury.pk]))
        lot = LotDelivrance.objects.get()
        waiting = running_lot(s, total=2)
        page = client.get(reverse("delivrance:lot", args=[waiting.pk]))

    assert lot.status == LotStatus.TERMINE, lot.erreur
    assert lot.documents.count() == DocumentDelivre.objects.count() == expected == 2
    assert page.status_code == 200 and 'value="0"' in page.text
    # tried once: an unreachable Redis would otherwise cost a timeout at every step of the lot
    assert [r.getMessage() for r in caplog.records if r.name == "cqpilot.delivrance.tasks"] == [
        f"Lot {lot.pk}: progress not recorded (ConnectionError)",
        f"Lot {waiting.pk}: progress unreadable (ConnectionError)",
    ]
