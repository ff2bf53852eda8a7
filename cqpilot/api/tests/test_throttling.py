"""The API's throttles: tokens guessed from one address, and the per-token rate under
concurrent requests."""

import json
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
import time_machine
from django.db import connection
from django.test import Client

from cqpilot.core.tests.factories import UserFactory

from ..tokens import create_token

# the start of a minute: every request of a test falls in the same counting window
WINDOW_START = datetime(2026, 3, 2, 9, 0, 0, tzinfo=UTC)


def api(ip: str, key: str) -> Client:
    return Client(REMOTE_ADDR=ip, HTTP_AUTHORIZATION=f"Bearer {key}")


@pytest.mark.django_db
@time_machine.travel(WINDOW_START, tick=False)
def test_invalid_tokens_from_one_address_are_refused_unread_past_the_limit(settings):
    settings.API_INVALID_TOKEN_RATE = "10/m"
    _jeton, valid = create_token(UserFactory(), "ERP")

    guesses = [
        api("203.0.113.7", f"cqp_devine{n}").get("/api/v1/moi").status_code for n in range(10)
    ]
    refused = api("203.0.113.7", "cqp_devine10").get("/api/v1/moi")
    even_valid = api("203.0.113.7", valid).get("/api/v1/moi")

    assert guesses == [401] * 10
    assert refused.status_code == 429
    assert "Trop de jetons invalides" in refused.json()["detail"]
    assert refused["Retry-After"] == "60"
    assert even_valid.status_code == 429  # the address is refused before reading any token
    assert api("198.51.100.2", valid).get("/api/v1/moi").status_code == 200


@pytest.mark.django_db
def test_invalid_tokens_are_counted_again_in_the_next_window(settings):
    settings.API_INVALID_TOKEN_RATE = "2/m"
    with time_machine.travel(WINDOW_START, tick=False) as clock:
        for n in range(3):
            api("203.0.113.7", f"cqp_devine{n}").get("/api/v1/moi")
        assert api("203.0.113.7", "cqp_x").get("/api/v1/moi").status_code == 429
        clock.shift(60)
        assert api("203.0.113.7", "cqp_x").get("/api/v1/moi").status_code == 401


@pytest.mark.django_db
@time_machine.travel(WINDOW_START, tick=False)
def test_a_token_past_its_rate_is_answered_429_in_french(settings):
    settings.API_RATE = "3/m"
    _jeton, key = create_token(UserFactory(), "ERP")
    client = api("198.51.100.2", key)

    statuses = [client.get("/api/v1/moi").status_code for _ in range(4)]

    assert statuses == [200, 200, 200, 429]
    refused = client.get("/api/v1/moi")
    assert refused.json()["detail"].startswith("Trop de requêtes")
    assert refused["Retry-After"] == "60"


def _hammer(url: str, key: str, requests: int, threads: int) -> Counter:
    def call(_n) -> int:
        request = urllib.request.Request(url, headers={"Authorization": f"Bearer {key}"})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                json.load(response)
                return response.status
        except urllib.error.HTTPError as error:
            error.read()
            return error.code

    with ThreadPoolExecutor(max_workers=threads) as pool:
        return Counter(pool.map(call, range(requests)))


@pytest.mark.django_db(transaction=True)
def test_the_per_token_rate_holds_under_concurrent_requests(live_server, settings, tmp_path):
    """1,500 requests from 16 threads through a 600/min limit: exactly 600 get through, with the
    file cache configured outside the tests (the cache counted 892 on PostgreSQL, 1,500 on
    SQLite)."""
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip(
            "the live server shares the tests' in-memory SQLite connection between its threads: "
            "concurrent requests then race on one connection, which no deployment does "
            "(PostgreSQL runs this test)"
        )
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(tmp_path / "cache"),
        }
    }
    settings.API_RATE = "600/m"
    _jeton, key = create_token(UserFactory(), "ERP")

    with time_machine.travel(WINDOW_START, tick=True):  # a minute ahead: one window
        statuses = _hammer(f"{live_server.url}/api/v1/moi", key, requests=1500, threads=16)

    assert statuses == Counter({200: 600, 429: 900})
