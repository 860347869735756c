"""The conformance check names a missing or mismatched wrapper method in one line, with the fix."""

from __future__ import annotations

from typing import Protocol

import pytest

from authz.testing.conformance import assert_conforms, conformance_problems, protocol_methods
from querier.dbauthz import conformance


class Notes(Protocol):
    def get_note(self, *, id: int) -> str: ...

    def count_notes(self, *, owner: int, authorize_filter: object | None = None) -> int: ...


class Wrapper:
    def get_note(self, *, id: int) -> str:
        return str(id)


class Mismatched(Wrapper):
    def count_notes(self, *, owner: int) -> int:  # forgot authorize_filter
        return owner


def test_authz_querier_wraps_every_query_method() -> None:
    assert conformance.problems() == []


def test_a_missing_method_is_one_line_naming_the_method_and_the_fix() -> None:
    assert conformance_problems(Notes, Wrapper, fix="add it in notes.py") == [
        "Wrapper has no method count_notes: add it in notes.py"
    ]


def test_a_signature_that_differs_is_named_too() -> None:
    (problem,) = conformance_problems(Notes, Mismatched)
    assert problem.startswith("Mismatched.count_notes(self, *, owner: 'int')")
    assert "does not match Notes.count_notes(" in problem
    assert "authorize_filter" in problem


def test_assert_conforms_fails_with_the_lines() -> None:
    with pytest.raises(AssertionError, match=r"^Wrapper has no method count_notes$"):
        assert_conforms(Notes, Wrapper)
    assert_conforms(Notes, Wrapper, ["get_note"])


def test_protocol_methods_are_the_public_ones() -> None:
    assert protocol_methods(Notes) == ("count_notes", "get_note")
    assert protocol_methods(Notes, exclude=["get_note"]) == ("count_notes",)


def test_the_shipped_fix_names_the_file_and_the_step() -> None:
    assert "querier/dbauthz/async_*.py" in conformance.FIX
    assert "uv run python -m querier.gen" in conformance.FIX
    assert "step 3 of 'Adding a query'" in conformance.FIX
