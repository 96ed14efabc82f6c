"""``cakupan.rules`` stays free of Django.

It may import only itself and the Django-free ``cakupan.common.money`` and ``cakupan.common.dates``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

RULES = Path(__file__).resolve().parents[1]
ALLOWED_PROJECT_MODULES = ("cakupan.rules", "cakupan.common.money", "cakupan.common.dates")
# The tests may use pytest and hypothesis; they are checked for Django like the rest.
MODULES = sorted(RULES.rglob("*.py"))


def imported_modules(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                found.append("cakupan.rules")  # relative imports stay inside the package
            elif node.module:
                # ``from a.b import c`` imports a.b.c (a module or a name of a.b): judge that.
                found.extend(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def forbidden(module: str) -> bool:
    if module == "django" or module.startswith("django."):
        return True
    if module == "cakupan" or module.startswith("cakupan."):
        return not any(
            module == allowed or module.startswith(allowed + ".")
            for allowed in ALLOWED_PROJECT_MODULES
        )
    return False


def test_the_walk_sees_every_module() -> None:
    names = {p.relative_to(RULES).as_posix() for p in MODULES}
    assert {"params.py", "contribution.py", "benefits.py", "tests/test_imports.py"} <= names


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.relative_to(RULES).as_posix())
def test_no_django_and_no_other_project_module(path: Path) -> None:
    bad = [m for m in imported_modules(path) if forbidden(m)]
    assert bad == []


@pytest.mark.parametrize(
    ("module", "refused"),
    [
        ("django", True),
        ("django.db.models", True),
        ("cakupan.common.errors", True),
        ("cakupan.registry.models", True),
        ("cakupan.common", True),
        ("cakupan.common.money", False),
        ("cakupan.common.money.round_rupiah", False),
        ("cakupan.rules.params", False),
        ("tomllib", False),
        ("djangoish", False),
    ],
)
def test_the_rule_itself(module: str, refused: bool) -> None:
    assert forbidden(module) is refused


def test_importing_the_package_loads_no_django() -> None:
    """The same rule at run time: a fresh interpreter imports every rules module and the data."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "import cakupan.rules.benefits, cakupan.rules.contribution, cakupan.rules.params\n"
        "cakupan.rules.params.load_parameters()\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'django'))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=RULES.parents[1],
    )
    assert result.stdout.strip() == "[]"
