"""Schemathesis generates requests from the OpenAPI document (valid and invalid bodies,
parameters, ids) against the real application: no answer may be a server error. Bounded to a
few examples per operation (the suite's profile draws the same ones every run, see conftest.py).
To explore, run it longer with fresh examples: `HYPOTHESIS_PROFILE=explore
CQPILOT_FUZZ_EXAMPLES=200 .venv/bin/python -m pytest cqpilot/api/tests/test_fuzz.py`."""

import os

import pytest
import schemathesis
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings

from .factories import ApiClient, world

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())


@pytest.fixture
def tokens(db):
    """Tokens of the world's users, and connections kept open between requests (as Django's
    test client does): closing one would end the test's transaction on PostgreSQL."""
    cache.clear()  # the rate limit's counts
    w = world()
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield {role: ApiClient(user).key for role, user in w.users.items()}
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=int(os.environ.get("CQPILOT_FUZZ_EXAMPLES", "10")),
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
@pytest.mark.parametrize("role", ["of_a", "gestionnaire"])
def test_no_request_makes_the_api_fail(case, role, tokens):
    response = case.call(headers={"Authorization": f"Bearer {tokens[role]}"})
    assert response.status_code < 500, (case.method, case.path, response.text[:500])
