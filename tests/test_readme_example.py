"""The README's test-kit example runs as written (extracted from the README, not copied)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def kit_example() -> str:
    section = README.read_text().split("## Testing your own wrapped queries", 1)[1]
    match = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert match, "the README lost its test-kit example"
    return match.group(1)


def test_the_test_kit_example_runs() -> None:
    code = kit_example()
    assert len([line for line in code.splitlines() if line.strip()]) < 20  # the promise
    namespace: dict[str, Any] = {"__name__": "readme_example"}
    exec(compile(code, str(README), "exec"), namespace)  # noqa: S102 - our own README
    suite = namespace["METHOD_SUITE"]
    for case, mode in suite.params():
        namespace["test_method"](case, mode)  # success, denied and no-actor runs all pass
    with pytest.raises(AssertionError, match=r"methods without a case: .*get_users"):
        namespace["test_every_method_has_a_case"]()
