"""The processes rendering a large batch of PDFs end with the process that started them: a
background worker killed in the middle of a délivrance lot leaves none behind, holding memory
and waiting for ever for documents that will never come."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[3]
KILLED_AFTER_THE_FIRST_DOCUMENT = r"""
import multiprocessing, os, signal
import django
django.setup()
from cqpilot.core.pdf import Source, render_all

def progress(n):
    print(" ".join(str(p.pid) for p in multiprocessing.active_children()), flush=True)
    os.kill(os.getpid(), signal.SIGKILL)

render_all([Source("<p>Parchemin</p>")] * 8, workers=2, min_parallel=1, progress=progress)
"""


def running(pid: int) -> bool:
    """Alive, not a zombie waiting for an init that may never reap it (in a container)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def test_the_rendering_processes_end_when_their_parent_is_killed(tmp_path):
    # Files, not pipes: a pipe would stay open in orphans. The error output gets, besides,
    # the resource tracker's warning about the semaphores the killed parent left.
    output, errors = tmp_path / "parent.txt", tmp_path / "parent-errors.txt"
    with output.open("w") as out, errors.open("w") as err:
        parent = subprocess.Popen(
            [sys.executable, "-c", KILLED_AFTER_THE_FIRST_DOCUMENT],
            cwd=REPOSITORY,
            env={"DJANGO_SETTINGS_MODULE": "cqpilot.settings_tests", "PATH": "/usr/bin:/bin"},
            stdout=out,
            stderr=err,
        )
        assert parent.wait(timeout=120) == -9, errors.read_text()
    children = [int(pid) for pid in output.read_text().split()]
    assert len(children) == 2

    deadline = time.monotonic() + 30  # a bound on waiting for them, not a timing test
    while any(running(pid) for pid in children) and time.monotonic() < deadline:
        time.sleep(0.05)
    orphans = [pid for pid in children if running(pid)]
    for pid in orphans:  # not left behind by a failing run
        os.kill(pid, signal.SIGKILL)
    assert not orphans, "processus de rendu orphelins"
