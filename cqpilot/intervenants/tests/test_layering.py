"""The people sit below both apps that call on them: `intervenants` imports neither `jurys` nor
`evaluations`, and `evaluations` does not import `jurys` (which reads the évaluations), so no
two of the three import each other."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2]  # cqpilot/


def imported_apps(app: str) -> dict[str, set[str]]:
    """The cqpilot apps each module of `app` imports (tests and migrations left out: a test may
    build its world with any app, and migrations keep the history)."""
    found = {}
    for path in sorted((PACKAGE / app).rglob("*.py")):
        parts = path.relative_to(PACKAGE / app).parts
        if parts[0] in {"tests", "migrations"}:
            continue
        apps = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level:
                apps.add(app)  # relative: its own app (no module climbs above its app)
            elif isinstance(node, ast.ImportFrom) and node.module:
                apps.update(_app_of(node.module))
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    apps.update(_app_of(alias.name))
        found[str(path.relative_to(PACKAGE))] = apps
    return found


def _app_of(module: str) -> set[str]:
    parts = module.split(".")
    return {parts[1]} if parts[0] == "cqpilot" and len(parts) > 1 else set()


@pytest.mark.parametrize(
    ("app", "forbidden"),
    [
        ("intervenants", {"jurys", "evaluations"}),
        ("evaluations", {"jurys"}),
    ],
)
def test_an_app_imports_none_of_the_apps_above_it(app, forbidden):
    modules = imported_apps(app)
    assert modules, f"aucun module trouvé pour {app}"
    offending = {module: apps & forbidden for module, apps in modules.items() if apps & forbidden}
    assert offending == {}


def test_the_jurys_take_the_people_from_their_own_app():
    uses = set().union(*imported_apps("jurys").values())
    assert {"intervenants", "evaluations"} <= uses
