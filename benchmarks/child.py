"""Running a benchmark's measured part in a fresh Python process, so that its peak RSS is its
own; the child prints one JSON line of figures last."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from cqpilot import repository_guard  # noqa: E402

# A benchmark reads only what the repository holds, as the suite does.
repository_guard.install()

# How a measured child starts: Django set up on an empty, migrated database.
FRESH_DATABASE = """
from cqpilot import repository_guard
repository_guard.install()
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
call_command("flush", interactive=False, verbosity=0)
"""
# For a child that requests pages with the test client: any host, and plain static storage
# (no collectstatic here, so not the production manifest).
SERVING_PAGES = """
from django.conf import settings
settings.ALLOWED_HOSTS = ["*"]
settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}

import time as _time
from django.db import connection as _connection
from django.test.utils import CaptureQueriesContext as _CaptureQueries

# The page requested once to warm up, then `runs` times: timings (ms), last queries and response.
def time_page(client, url, params=None, runs=5):
    client.get(url, params)
    timings = []
    for _ in range(runs):
        with _CaptureQueries(_connection) as queries:
            start = _time.perf_counter()
            response = client.get(url, params)
            timings.append((_time.perf_counter() - start) * 1000)
    assert response.status_code == 200, response.status_code
    return timings, queries, response
"""


def production_env(database_url: str) -> dict[str, str]:
    """Production settings (DEBUG off: Django keeps no query log) on the given database."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "cqpilot.settings", "DEBUG": "0"}
    env.setdefault("SECRET_KEY", "benchmark-only-" + "x" * 50)
    env.setdefault("SECURE_SSL_REDIRECT", "0")  # the measured test client speaks plain HTTP
    env.setdefault("FIELD_ENCRYPTION_KEYS", "hAXs2YDEjBLHIXTEnb0yAqbjAGPW_NLaKYuUi3CXpvI=")
    env["DATABASE_URL"] = database_url
    return env


def run_child(code: str, *args: str, env: dict[str, str]) -> dict:
    child = subprocess.run(
        [sys.executable, "-c", code, *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if child.returncode:
        sys.exit(child.stderr)
    return json.loads(child.stdout.strip().splitlines()[-1])
