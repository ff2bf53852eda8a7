"""The cache from the environment: a folder on this machine unless CACHE_URL names a Redis that
several servers share; the health check says whether that Redis answers."""

from threading import Thread

import pytest
import redis
from django.core.cache import caches
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from ..health import check_cache
from .shared_cache import DEAD_REDIS_URL, TEST_REDIS_URL, cache_settings, server, shared_redis
from .test_deployment_settings import REPOSITORY, load_settings

REDIS_CACHE = "django.core.cache.backends.redis.RedisCache"


@pytest.fixture(autouse=True)
def no_cache_variables(monkeypatch):
    monkeypatch.delenv("CACHE_URL", raising=False)
    monkeypatch.delenv("CACHE_DIR", raising=False)


def test_without_cache_url_the_cache_is_todays_folder(monkeypatch):
    default = load_settings(monkeypatch, DEBUG="1")["CACHES"]["default"]
    assert default == {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(REPOSITORY / "var" / "cache"),
    }
    moved = load_settings(monkeypatch, DEBUG="1", CACHE_DIR="/srv/cqpilot/cache")
    assert moved["CACHES"]["default"]["LOCATION"] == "/srv/cqpilot/cache"


def test_a_redis_url_selects_djangos_redis_cache_with_short_timeouts(monkeypatch):
    default = cache_settings(monkeypatch, "redis://cache.interne:6379/2")
    assert default["BACKEND"] == REDIS_CACHE
    assert default["LOCATION"] == "redis://cache.interne:6379/2"
    assert default["KEY_PREFIX"] == "cqpilot"
    # A Redis that stopped answering costs a request a second or two, never a hang.
    assert default["OPTIONS"]["socket_connect_timeout"] <= 2
    assert default["OPTIONS"]["socket_timeout"] <= 2


def test_rediss_speaks_tls_and_keeps_its_password(monkeypatch):
    url = "rediss://:mot-de-passe@cache.exemple.fr:6380/0"
    default = cache_settings(monkeypatch, url)
    assert (default["BACKEND"], default["LOCATION"]) == (REDIS_CACHE, url)


def test_an_unknown_scheme_is_refused_in_french_without_echoing_the_address(monkeypatch):
    with pytest.raises(ImproperlyConfigured, match="CACHE_URL doit commencer par redis://") as e:
        cache_settings(monkeypatch, "memcached://utilisateur:secret@cache.interne:11211")
    assert "memcached://" in str(e.value) and "secret" not in str(e.value)
    with pytest.raises(ImproperlyConfigured, match="sans schéma") as e:
        cache_settings(monkeypatch, "secret@cache.interne:6379")
    assert "secret" not in str(e.value)


def test_sessions_and_lockouts_stay_in_the_database_that_every_server_shares(monkeypatch):
    loaded = load_settings(monkeypatch, DEBUG="1", CACHE_URL="redis://cache.interne:6379/0")
    assert loaded.get("SESSION_ENGINE", "django.contrib.sessions.backends.db") == (
        "django.contrib.sessions.backends.db"
    )
    assert loaded["AXES_HANDLER"] == "axes.handlers.database.AxesDatabaseHandler"


@pytest.mark.django_db
def test_the_health_check_sees_a_shared_redis_that_answers(client, monkeypatch):
    with shared_redis(monkeypatch) as redis_cache, server(redis_cache):
        assert caches["default"].__class__.__name__ == "RedisCache"
        answer = client.get(reverse("sante")).json()
    assert answer["verifications"]["cache"] == {"ok": True, "detail": "le cache garde les valeurs"}


@pytest.mark.django_db
def test_a_dead_redis_is_a_503_naming_the_cache_not_a_500(client, monkeypatch):
    with server(cache_settings(monkeypatch, DEAD_REDIS_URL)):
        response = client.get(reverse("sante"))
    answer = response.json()
    assert response.status_code == 503 and answer["echecs"] == ["cache"]
    assert answer["verifications"]["cache"] == {
        "ok": False,
        "detail": "cache inutilisable (ConnectionError)",
    }
    assert answer["verifications"]["base_de_donnees"]["ok"]


def test_servers_checking_the_shared_cache_at_once_never_read_each_others_value(monkeypatch):
    """Each check writes a key of its own: with one key for all, a server read the value
    another had just written and reported the cache as losing values."""
    outcomes: list[bool] = []

    def check_repeatedly() -> None:  # a thread builds its own cache connections (caches is local)
        outcomes.extend(check_cache().ok for _ in range(200))

    with shared_redis(monkeypatch) as redis_cache, server(redis_cache):
        servers = [Thread(target=check_repeatedly) for _ in range(4)]
        for thread in servers:
            thread.start()
        for thread in servers:
            thread.join()
        left = redis.Redis.from_url(TEST_REDIS_URL).keys(f"{redis_cache['KEY_PREFIX']}:*")
    assert outcomes.count(True) == 800
    assert left == []  # nor do the checks leave their keys behind
