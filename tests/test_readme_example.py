"""The README's Python examples run as written (extracted from the README, not copied here)."""

from __future__ import annotations

import contextlib
import io
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from querier.db import DATABASE_URL_ENV
from tests.conftest import NewDatabase

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"


def python_block(heading: str) -> str:
    section = README.read_text().split(f"## {heading}", 1)[1]
    match = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert match, f"the README lost its example under {heading!r}"
    return match.group(1)


def kit_example() -> str:
    return python_block("Testing your own wrapped queries")


def test_the_test_kit_example_runs() -> None:
    code = kit_example()
    assert len([line for line in code.splitlines() if line.strip()]) < 20  # the promise
    namespace: dict[str, Any] = {"__name__": "readme_example"}
    exec(compile(code, str(README), "exec"), namespace)  # noqa: S102 - our own README
    suite = namespace["METHOD_SUITE"]
    for case, mode in suite.params():
        namespace["test_method"](case, mode)  # success, denied and no-actor runs all pass
    namespace["test_every_method_has_a_case"]()  # complete for the methods it names


def test_the_test_kit_example_is_green_when_copied_into_a_test_file(tmp_path: Path) -> None:
    (tmp_path / "test_kit_example.py").write_text(kit_example())
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist",
         f"--rootdir={tmp_path}", f"--basetemp={tmp_path / 'tmp'}", str(tmp_path)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "4 passed" in proc.stdout  # get_chat three ways + the accounting


def test_the_using_the_library_example_runs(
    new_database: NewDatabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = new_database()
    monkeypatch.setenv(DATABASE_URL_ENV, engine.url.render_as_string(hide_password=False))
    out = io.StringIO()
    code = python_block("Using the library")
    with contextlib.redirect_stdout(out):
        exec(compile(code, str(README), "exec"), {"__name__": "readme_library"})  # noqa: S102
    assert out.getvalue() == "hi -> renamed\n"
    with engine.connect() as conn:  # the example commits nothing
        assert conn.exec_driver_sql("SELECT count(*) FROM users").scalar() == 0


def test_the_async_example_runs(new_database: NewDatabase, monkeypatch: pytest.MonkeyPatch) -> None:
    engine = new_database()
    monkeypatch.setenv(DATABASE_URL_ENV, engine.url.render_as_string(hide_password=False))
    out = io.StringIO()
    code = python_block("The async face")
    assert "await " in code
    with contextlib.redirect_stdout(out):
        exec(compile(code, str(README), "exec"), {"__name__": "readme_async"})  # noqa: S102
    assert out.getvalue() == "hi -> renamed\n"
    with engine.connect() as conn:  # the example commits nothing
        assert conn.exec_driver_sql("SELECT count(*) FROM users").scalar() == 0
