"""The suite stands alone: nothing beside the repository is read (a clone elsewhere has no
sibling folder)."""

from pathlib import Path

import pytest

from cqpilot import repository_guard
from cqpilot.repository_guard import GUARDED, REPOSITORY, is_beside_repository

BENCHMARKS = REPOSITORY / "benchmarks"


@pytest.mark.skipif(not GUARDED, reason="clone dans le dossier temporaire : rien à côté à garder")
def test_opening_a_file_beside_the_repository_fails():
    with pytest.raises(PermissionError, match="hors du dépôt"):
        (REPOSITORY.parent / "shared" / "reference" / "domain.md").open()


def test_the_repository_the_system_and_pytest_temporary_folders_stay_readable(tmp_path):
    assert not is_beside_repository(REPOSITORY / "docs" / "domaine.md")
    assert not is_beside_repository("/usr/share/fonts")
    assert not is_beside_repository(tmp_path / "fichier.xlsx")
    assert is_beside_repository(REPOSITORY.parent / "shared")


def test_the_interpreter_stays_readable_even_beside_the_repository(monkeypatch):
    """A clone in /root sits beside /root/.pyenv: the standard library must still load."""
    monkeypatch.setattr(repository_guard, "INTERPRETER", (REPOSITORY.parent / ".pyenv",))
    assert not is_beside_repository(REPOSITORY.parent / ".pyenv" / "lib" / "pdb.py")
    assert is_beside_repository(REPOSITORY.parent / "pyenv-like-but-not" / "pdb.py")


def test_every_benchmark_runs_with_the_guard():
    """The benchmarks are scripts, not tests: each goes through child.py, which installs the
    guard in the script and in the measured child process."""
    for script in BENCHMARKS.glob("*.py"):
        if script.name != "child.py":
            assert "from child import" in script.read_text(), script.name
    child = (BENCHMARKS / "child.py").read_text()
    assert child.count("repository_guard.install()") == 2


def test_the_reference_documents_the_code_cites_are_in_the_repository():
    docs = REPOSITORY / "docs"
    for name in ("domaine.md", "rncp.md", "cdc.md"):
        assert (docs / name).is_file()
    outside = "shared" + "/reference"  # spelled in two: this file would match itself
    for source in Path(REPOSITORY / "cqpilot").rglob("*.py"):
        assert outside not in source.read_text(), source
