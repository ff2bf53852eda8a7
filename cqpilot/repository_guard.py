"""The suite and the benchmarks read nothing beside the repository.

A clone elsewhere has no sibling folder (our machines keep a folder of reference documents
beside the repository; what the code needs of it now lives in `docs/` and in the tests' `data/`
folders): a test that opened one would pass here and fail there. `install()` adds an audit hook that refuses any open() of a path
inside the repository's parent folder but outside the repository itself.
"""

import os
import sys
import tempfile
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent
# A clone inside the temporary folder has every temporary file (test media, pytest's folders,
# benchmark files) beside it: there the check would refuse what is not a sibling at all, and a
# reference folder beside a throw-away clone is not a thing to guard against.
GUARDED = not REPOSITORY.parent.is_relative_to(Path(tempfile.gettempdir()).resolve())
# The interpreter and its packages are never reference documents, even when they sit beside the
# clone (a clone in /root next to /root/.pyenv): a module imported late, as pytest-xdist's
# workers import pdb, must load.
INTERPRETER = tuple(
    {Path(prefix).resolve() for prefix in (sys.prefix, sys.base_prefix, sys.exec_prefix)}
)
_installed = False


def is_beside_repository(path: str | bytes | os.PathLike) -> bool:
    """True for a path in the repository's parent folder that is not in the repository.
    Temporary folders of pytest (`pytest-of-…`) are allowed even when the clone sits in /tmp."""
    try:
        resolved = Path(os.fsdecode(path)).resolve()
    except Exception:  # unreadable path, or the interpreter shutting down: not ours to judge
        return False
    if resolved.is_relative_to(REPOSITORY) or not resolved.is_relative_to(REPOSITORY.parent):
        return False
    if any(resolved.is_relative_to(prefix) for prefix in INTERPRETER):
        return False
    return not any(part.startswith("pytest-of-") for part in resolved.parts)


def _refuse_reads_beside_repository(
    event: str,
    args: tuple,
    # bound now: while the interpreter shuts down, module globals become None
    path_types=(str, bytes, os.PathLike),
    is_beside=is_beside_repository,
    fsdecode=os.fsdecode,
) -> None:
    if event != "open" or not args or not isinstance(args[0], path_types):
        return
    if is_beside(args[0]):
        raise PermissionError(
            f"{fsdecode(args[0])} est hors du dépôt : les tests et les benchmarks ne "
            "lisent que ce que le dépôt contient (docs/, tests/data/)."
        )


def install() -> None:
    global _installed
    if GUARDED and not _installed:  # an audit hook cannot be removed: add it once per process
        sys.addaudithook(_refuse_reads_beside_repository)
        _installed = True
