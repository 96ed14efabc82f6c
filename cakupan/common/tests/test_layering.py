"""``common`` is the floor every app stands on: it imports no app.

Two edges are the exception, and only upwards by one step: ``common/web.py`` (the request type and
the acting user, so it knows ``accounts``) and the ``nik`` command (it names kecamatan through
``wilayah``). ``accounts`` in turn imports no ``common.web`` (see ``accounts/tests/test_access.py``).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

COMMON = Path(__file__).resolve().parents[1]
EDGES = {
    "web.py": ("cakupan.common", "cakupan.accounts.audit", "cakupan.accounts.models"),
    "management/commands/nik.py": ("cakupan.common", "cakupan.wilayah"),
}
CODE = sorted(p for p in COMMON.rglob("*.py") if "tests" not in p.relative_to(COMMON).parts)


def project_imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.append(node.module)
    return [m for m in found if m == "cakupan" or m.startswith("cakupan.")]


def test_the_walk_sees_the_modules() -> None:
    names = {p.relative_to(COMMON).as_posix() for p in CODE}
    assert {"money.py", "dates.py", "nik.py", "web.py", "forms.py", *EDGES} <= names


@pytest.mark.parametrize("path", CODE, ids=lambda p: p.relative_to(COMMON).as_posix())
def test_common_imports_no_app(path: Path) -> None:
    allowed = EDGES.get(path.relative_to(COMMON).as_posix(), ("cakupan.common",))
    above = [
        m
        for m in project_imports(path)
        if not any(m == a or m.startswith(f"{a}.") for a in allowed)
    ]
    assert above == []
