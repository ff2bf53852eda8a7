"""A large workbook is read by a child process, which sends its rows to this one: the two work at
once (reading the XML of a sheet is half the time of the whole), and a workbook that would take
more memory than it should is stopped there, the child's memory being capped."""

import contextlib
import dataclasses
import datetime as datetime_module
import io
import json
import logging
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from cqpilot.core.uploads import UploadRefused

from .limits import UNREADABLE, Limits, SheetRefused
from .xlsx import workbook_rows

logger = logging.getLogger(__name__)
CHILD_THRESHOLD = 1024 * 1024
CHILD_MEMORY = 1536 * 1024 * 1024
ROWS_PER_MESSAGE = 500
CHILD = """
import gc, resource, sys
resource.setrlimit(resource.RLIMIT_AS, ({memory}, {memory}))
gc.set_threshold(70_000, 10, 10)  # its rows are dropped as sent, none in a cycle
from cqpilot.accrochage.autonome.sheet_child import serve_child
serve_child(sys.argv[1], sys.argv[2])
"""
ROOT = Path(__file__).resolve().parents[3]


def serve_child(path: str, limits: str) -> None:
    """The child's side: the rows of the workbook at `path`, pickled on the standard output."""
    output = pickle.Pickler(sys.stdout.buffer, protocol=pickle.HIGHEST_PROTOCOL)
    batch: list = []
    try:
        with open(path, "rb") as file:
            for row in workbook_rows(file, Limits(**json.loads(limits))):
                batch.append(row)
                if len(batch) == ROWS_PER_MESSAGE:
                    output.dump(("rows", batch))
                    output.clear_memo()
                    batch = []
        output.dump(("rows", batch))
        output.dump(("end", None))
    except (SheetRefused, UploadRefused) as refusal:
        output.dump(("refused", str(refusal)))
    except MemoryError:
        output.dump(("refused", f"{UNREADABLE} (il demanderait trop de mémoire)"))
    sys.stdout.buffer.flush()


class _RowsOnly(pickle.Unpickler):
    """What the child sends is rows of plain values and dates: nothing else is rebuilt."""

    def find_class(self, module: str, name: str):
        if module == "datetime" and name in ("date", "datetime"):
            return getattr(datetime_module, name)
        raise pickle.UnpicklingError(f"{module}.{name}")


def rows_from_child(file: BinaryIO, limits: Limits) -> Iterator[tuple[int, list[object]]]:
    with contextlib.ExitStack() as stack:
        path = _path_of(file, stack)
        errors = stack.enter_context(tempfile.TemporaryFile())
        environment = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), *sys.path])}
        child = subprocess.Popen(
            [
                sys.executable,
                "-c",
                CHILD.format(memory=CHILD_MEMORY),
                path,
                json.dumps(dataclasses.asdict(limits)),
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=errors,
            env=environment,
            cwd=ROOT,
        )
        stack.callback(_stop, child)
        while True:
            try:  # one unpickler a message: the child clears its memo after each
                kind, data = _RowsOnly(child.stdout).load()
            except (EOFError, pickle.UnpicklingError, ValueError) as error:
                errors.seek(0)
                logger.warning("Lecture du classeur interrompue : %s", errors.read()[-2000:])
                raise SheetRefused(f"{UNREADABLE} (lecture interrompue)") from error
            if kind == "rows":
                yield from data
            elif kind == "refused":
                raise SheetRefused(data)
            else:
                return


def _stop(child: subprocess.Popen) -> None:
    child.stdout.close()
    if child.poll() is None:
        child.kill()
    child.wait()


def _path_of(file: BinaryIO, stack: contextlib.ExitStack) -> str:
    """A path the child can open: the upload's own file when it has one, else a copy."""
    if hasattr(file, "temporary_file_path"):
        return file.temporary_file_path()
    if isinstance(file, io.BufferedReader | io.FileIO) and isinstance(file.name, str):
        # The file itself, not another one of the same name (an upload's name is the user's).
        path, opened = os.path.abspath(file.name), os.fstat(file.fileno())
        with contextlib.suppress(OSError):
            if os.path.samestat(opened, os.stat(path)):
                return path
    copy = stack.enter_context(tempfile.NamedTemporaryFile(suffix=".xlsx"))  # noqa: SIM115
    file.seek(0)
    shutil.copyfileobj(file, copy)
    copy.flush()
    return copy.name
