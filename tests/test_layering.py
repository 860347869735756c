"""Dependencies point one way: authz <- querier <- server; migrations import no application code."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN = {
    "authz": {"querier", "server", "migrations", "fastapi", "starlette", "psycopg", "typer"},
    "querier": {"server", "fastapi", "starlette", "typer"},
    "migrations": {"authz", "querier", "server"},
}


def imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_imports_point_one_way(package: str) -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(imported_roots(path) & FORBIDDEN[package])
        for path in (ROOT / package).rglob("*.py")
        if package != "migrations" or path.parent.name == "versions"
    }
    assert {p: bad for p, bad in offenders.items() if bad} == {}


def test_the_checker_sees_imports(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("import server.app\nfrom querier.db import x\nfrom . import y\n")
    assert imported_roots(module) == {"server", "querier"}
