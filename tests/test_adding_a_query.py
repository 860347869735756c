"""The README's "Adding a query in four steps", walked through on a temporary copy of the project.

The code blocks are taken from the README (not copied here), applied one step at a time; after
each incomplete step the project must fail with a message that names `count_chats` and the next
step, and after the fourth it must pass: conformance, method suite, statement budget, golden SQL
and mypy.
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
COPIED = ("authz", "querier", "migrations", "server", "alembic.ini", "pyproject.toml", "README.md")
TESTS = (
    "tests/__init__.py",
    "tests/conftest.py",
    "tests/factories.py",
    "tests/querier/__init__.py",
    "tests/querier/test_conformance.py",
    "tests/querier/test_dbauthz_methods.py",
    "tests/querier/method_data.py",
    "tests/querier/method_cases_core.py",
    "tests/querier/method_cases_groups.py",
    "tests/querier/method_cases_sharing.py",
    "tests/querier/method_cases_tokens.py",
    "tests/querier/test_statement_budget.py",
    "tests/querier/test_golden_sql.py",
)


def readme_steps() -> tuple[str, str, str]:
    """The SQL block, the wrapper method and the suite case of the README section."""
    section = README.read_text().split("## Adding a query in four steps", 1)[1].split("\n## ")[0]
    sql = re.findall(r"```sql\n(.*?)```", section, re.DOTALL)
    python = re.findall(r"```python\n(.*?)```", section, re.DOTALL)
    assert len(sql) == 1, "the README section lost its SQL block"
    assert len(python) == 2, "the README section lost the wrapper method or the suite case"
    return sql[0], python[0], python[1]


def copy_project(dest: Path) -> None:
    ignore = shutil.ignore_patterns("__pycache__", ".mypy_cache")
    for name in COPIED:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=ignore)
        else:
            shutil.copy(src, dest / name)
    for name in TESTS:
        (dest / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / name, dest / name)


def run(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "COV_"))}
    env.pop("DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600
    )


def pytest_in(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    # Its own basetemp: pytest's default numbered dirs are rotated, which could delete the
    # outer session's (where the shared embedded server keeps its data).
    basetemp = cwd.parent / f"basetemp-{len(list(cwd.parent.glob('basetemp-*')))}"
    return run(
        cwd,
        *("-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist"),
        f"--basetemp={basetemp}",
        *args,
    )


def add_method(path: Path, method: str, class_name: str) -> None:
    """Put the README's method at the end of class `class_name`, wherever that ends now."""
    lines = path.read_text().splitlines(keepends=True)
    tree = ast.parse("".join(lines))
    cls = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == class_name)
    assert cls.end_lineno is not None
    lines.insert(cls.end_lineno, "\n" + method)
    path.write_text("".join(lines))


@pytest.mark.slow
def test_adding_count_chats_in_four_documented_steps(tmp_path: Path) -> None:
    sql, method, case = readme_steps()
    existing = "".join(p.read_text() for p in (ROOT / "querier/queries").glob("*.sql"))
    if "-- name: CountChats " in existing:
        pytest.skip("this project already has CountChats (the README was followed for real)")
    project = tmp_path / "project"
    copy_project(project)
    checks = (
        "tests/querier/test_conformance.py",
        "tests/querier/test_dbauthz_methods.py",
        "tests/querier/test_statement_budget.py",
        "tests/querier/test_golden_sql.py",
    )

    # 1. the SQL block
    queries = project / "querier/queries/chats.sql"
    queries.write_text(queries.read_text() + "\n" + sql)

    # 2. regenerate: the method exists, returns the number, and the next step is printed
    gen = run(project, "-m", "querier.gen")
    assert gen.returncode == 0, gen.stdout + gen.stderr
    assert (
        "next: AsyncAuthzQuerier has no method count_chats: add it, async, to the class for its "
        "table in querier/dbauthz/async_*.py with the access pattern from "
        "querier/dbauthz/decide.py, then run `uv run python -m querier.gen` "
        "(step 3 of 'Adding a query' in the README)"
    ) in gen.stdout
    protocol = (project / "querier/generated/protocol.py").read_text()
    assert re.search(r"def count_chats\(\s*self, \*, authorize_filter: .*?\) -> int:", protocol)
    assert "(never `NotFoundError`)" in protocol.split("def count_chats", 1)[1].split("...")[0]
    assert "-- name: CountChats :one" in (project / "querier/golden/chats.sql").read_text()

    missing_wrapper = pytest_in(project, checks[0])
    assert missing_wrapper.returncode != 0
    assert (
        "AsyncAuthzQuerier has no method count_chats: add it, async, to the class for its table"
        in missing_wrapper.stdout
    )

    # 3. the authorization, once (async source), then the generated sync face
    add_method(project / "querier/dbauthz/async_chats.py", method, "AsyncChatMethods")
    half_done = pytest_in(project, checks[0])
    assert half_done.returncode != 0
    assert (
        "AuthzQuerier has no method count_chats: the sync face is generated: run "
        "`uv run python -m querier.gen`"
    ) in half_done.stdout
    regen = run(project, "-m", "querier.gen")
    assert regen.returncode == 0, regen.stdout + regen.stderr
    assert "AsyncAuthzQuerier and AuthzQuerier wrap all" in regen.stdout
    assert "def count_chats" in (project / "querier/dbauthz/sync_chats.py").read_text()
    missing_case = pytest_in(project, checks[1])
    assert missing_case.returncode != 0
    assert "methods without a case: count_chats — add a MethodCase" in missing_case.stdout

    # 4. the method-suite case; then everything passes, the type check included
    suite = project / "tests/querier/test_dbauthz_methods.py"
    suite.write_text(suite.read_text() + "\n\n" + case)
    done = pytest_in(project, *checks)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert re.search(
        r"count_chats\[(success|denied|no_actor)\]",
        pytest_in(
            project, "tests/querier/test_dbauthz_methods.py", "--collect-only", "-k", "count_chats"
        ).stdout,
    )
    mypy = run(
        project, "-m", "mypy", "--cache-dir", str(tmp_path / "mypy"), "querier", "tests/querier"
    )
    assert mypy.returncode == 0, mypy.stdout[-3000:]
