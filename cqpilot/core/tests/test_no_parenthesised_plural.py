"""No « (s) » in what users read: a count agrees its words (core.french.compte, the |pluriel
filter), « 1 membre », « 2 membres », never « 1 membre(s) ». Templates, e-mails and every string
of the code are read (logs included: they are read too); docstrings and comments are not."""

import ast
import re
from pathlib import Path

import cqpilot

ROOT = Path(cqpilot.__file__).parent
PARENTHESISED_PLURAL = re.compile(r"\w\(s\)")


def _skipped(path: Path) -> bool:
    parts = path.relative_to(ROOT).parts
    return "tests" in parts or "migrations" in parts


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            first = node.body[0] if node.body else None
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def offending_strings(source: str) -> list[tuple[int, str]]:
    tree = ast.parse(source)
    docstrings = _docstrings(tree)
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
        and PARENTHESISED_PLURAL.search(node.value)
    ]


def test_the_scan_finds_a_plural_in_parentheses_and_skips_docstrings_and_code():
    source = '''
def f(s, n):
    """Returns the attempt(s)."""
    label = str(s)
    return f"{n} membre(s)"
'''
    assert offending_strings(source) == [(5, " membre(s)")]


def test_no_template_writes_a_plural_in_parentheses():
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()[:120]}"
        for path in sorted(ROOT.glob("*/templates/**/*"))
        if path.suffix in (".html", ".txt", ".xml") and not _skipped(path)
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if PARENTHESISED_PLURAL.search(line)
    ]
    assert found == [], "Accordez avec |pluriel :\n" + "\n".join(found)


def test_no_string_of_the_code_writes_a_plural_in_parentheses():
    found = [
        f"{path.relative_to(ROOT)}:{number}: {text.strip()[:120]}"
        for path in sorted(ROOT.rglob("*.py"))
        if not _skipped(path)
        for number, text in offending_strings(path.read_text(encoding="utf-8"))
    ]
    assert found == [], "Accordez avec core.french.compte :\n" + "\n".join(found)
