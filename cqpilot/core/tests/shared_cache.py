"""Several servers sharing one Redis cache, for the tests: the cache settings are read from
CACHE_URL as in production, and each "server" builds its own cache connections from them.

Redis runs on 127.0.0.1:6379 on the developers' machines and in CI; the tests use its database
9, under a key prefix of their own (two xdist workers never share a key), and delete their keys
afterwards. Without a Redis there they are skipped, with the reason; in CI, which sets
CQPILOT_REDIS_REQUIRED, they fail instead.
"""

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import redis
from django.test import override_settings

from .test_deployment_settings import load_settings

TEST_REDIS_URL = "redis://127.0.0.1:6379/9"
DEAD_REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1: refused at once


def cache_settings(monkeypatch, cache_url: str) -> dict:
    """The default cache as the settings build it from CACHE_URL."""
    return load_settings(monkeypatch, DEBUG="1", CACHE_URL=cache_url)["CACHES"]["default"]


@contextmanager
def shared_redis(monkeypatch) -> Iterator[dict]:
    """The settings of a Redis cache the tests' servers share, under a key prefix of this test."""
    client = redis.Redis.from_url(TEST_REDIS_URL, socket_connect_timeout=1, socket_timeout=2)
    try:
        client.ping()
    except redis.RedisError as error:
        reason = f"Redis ne répond pas sur {TEST_REDIS_URL} ({type(error).__name__})"
        if os.environ.get("CQPILOT_REDIS_REQUIRED"):
            pytest.fail(f"{reason} : CQPILOT_REDIS_REQUIRED le demande")
        pytest.skip(reason)
    config = cache_settings(monkeypatch, TEST_REDIS_URL)
    config["KEY_PREFIX"] = f"{config['KEY_PREFIX']}-test-{uuid.uuid4().hex[:12]}"
    try:
        yield config
    finally:
        for key in client.scan_iter(f"{config['KEY_PREFIX']}:*"):
            client.delete(key)
        client.close()


@contextmanager
def server(cache: dict) -> Iterator[None]:
    """A server process: the cache connections it opens are its own (Django builds the cache
    afresh when CACHES changes, and again when the block ends)."""
    with override_settings(CACHES={"default": cache}):
        yield
