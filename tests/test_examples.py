"""The example project under `examples/bookmarks` stays green with the kit as it is now.

`.ci/run` also runs it in its own environment (its own pyproject and lock); this test runs the
same tests from the main environment, so a change to the kit that breaks a user's own suite
fails here first.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "bookmarks"


def test_the_bookmarks_example_passes(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:xdist", f"--basetemp={tmp_path}"],
        cwd=EXAMPLE,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "15 passed" in proc.stdout  # 4 cases x 3 modes, accounting, conformance, real policy
