"""Running a benchmark's measured part in a fresh Python process, so that its peak RSS is its
own; the child prints one JSON line of figures last."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def production_env(database_url: str) -> dict[str, str]:
    """Production settings (DEBUG off: Django keeps no query log) on the given database."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "cqpilot.settings", "DEBUG": "0"}
    env.setdefault("SECRET_KEY", "benchmark-only")
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
