"""Real `cqpilot db_worker` processes on the test database, for the tests of several workers.

The workers run the production settings against the test run's database (PostgreSQL: the
tests that start them are transactional, so that what they create is committed and visible),
with their files and their cache in the test's temporary folder; the test reads the same cache
to follow a lot's progress as the lot page does.
"""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.db import connection

REPOSITORY = Path(__file__).resolve().parents[3]


def database_url() -> str:
    """The test database, as DATABASE_URL says it."""
    db = connection.settings_dict
    credentials = quote(db["USER"] or "") + (":" + quote(db["PASSWORD"]) if db["PASSWORD"] else "")
    return f"postgres://{credentials}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"


def worker_environment(folder: Path, **extra: str) -> dict[str, str]:
    environment = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("DJANGO_", "DATABASE_", "CACHE_", "TASKS_", "PYTEST_"))
    }
    return environment | {
        "DJANGO_SETTINGS_MODULE": "cqpilot.settings",
        "DEBUG": "0",
        "SECRET_KEY": settings.SECRET_KEY,
        "DATABASE_URL": database_url(),
        "MEDIA_ROOT": str(folder / "media"),
        "CACHE_DIR": str(folder / "cache"),
        "FIELD_ENCRYPTION_KEYS": ",".join(settings.FIELD_ENCRYPTION_KEYS),
        "PUBLIC_URL": settings.PUBLIC_URL,
        "LOG_LEVEL": "INFO",
        **extra,
    }


class WorkerProcess:
    """One `cqpilot db_worker`, its output kept in a file to explain a failure."""

    def __init__(self, name: str, environment: dict[str, str], folder: Path) -> None:
        self.name = name
        self.log = folder / f"{name}.log"
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "cqpilot.cli", "db_worker", "--worker-id", name,
                 "--interval", "0.1", "--no-startup-delay"],
                cwd=REPOSITORY,
                env=environment,
                stdout=log,
                stderr=subprocess.STDOUT,
            )  # fmt: skip

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-3000:]

    def kill(self) -> None:
        """As the kernel's OOM killer or a pulled plug would: no clean-up at all."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


def wait_for(condition: Callable[[], object], what: str, *, seconds: float, workers=()) -> object:
    """Polls `condition` until it holds; a bound on waiting for processes, not a timing test."""
    deadline = time.monotonic() + seconds
    while not (result := condition()):
        if time.monotonic() > deadline:
            logs = "\n".join(f"--- {w.name}\n{w.output()}" for w in workers)
            raise AssertionError(f"{what} : toujours pas après {seconds:.0f} s\n{logs}")
        time.sleep(0.05)
    return result
