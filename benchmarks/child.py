"""Running a benchmark's measured part in a fresh Python process, so that its peak RSS is its
own; the child prints one JSON line of figures last. `Targets` prints each figure beside its
target and makes the script exit with 1 when one is missed (`make bench` then fails)."""

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import NoReturn

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
    # The measured users are logged in by force_login, without a second factor to present.
    env.setdefault("MFA_OBLIGATOIRE", "0")
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


class Targets:
    """The promises of one benchmark: each figure printed as « figure / cible », the misses
    counted, and `finish` exits with 1 if there was one."""

    def __init__(self) -> None:
        self.missed: list[str] = []

    def below(self, label: str, figure: float, target: float, unit: str, decimals: int = 0) -> None:
        """`figure` must stay under `target`."""
        self._report(
            f"{label} : {figure:.{decimals}f} {unit} / cible < {target:g} {unit}", figure < target
        )

    def holds(self, label: str, is_met: bool, figure: str, target: str) -> None:
        """A promise that is not a number under a bound (a constant query count, a status)."""
        self._report(f"{label} : {figure} / cible : {target}", is_met)

    def _report(self, line: str, is_met: bool) -> None:
        print(f"{line} — {'atteinte' if is_met else 'MANQUÉE'}")
        if not is_met:
            self.missed.append(line)

    def finish(self) -> NoReturn:
        if hasattr(os, "getloadavg"):  # figures measured on a busy machine are read as such
            load = os.getloadavg()[0]
            print(f"Charge de la machine à la fin : {load:.1f} ({os.cpu_count()} cœurs).")
        if self.missed:
            print(f"CIBLE MANQUÉE ({len(self.missed)}) : " + " ; ".join(self.missed))
            sys.exit(1)
        print("Toutes les cibles sont atteintes.")
        sys.exit(0)
