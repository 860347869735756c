"""The checked-in schema dump and generated querier must be what the generator writes now."""

from __future__ import annotations

import pytest

from querier.gen.__main__ import check
from querier.gen.render import Col, GenerateError, to_pyformat


@pytest.mark.slow
def test_generated_code_and_schema_dump_are_fresh() -> None:
    stale = check()
    assert stale == [], f"regenerate with `uv run python -m querier.gen`: {stale}"


def test_placeholders_become_named_and_percent_is_escaped() -> None:
    p = [
        Col("owner_id", "UUID", False, False, None, False),
        Col("q", "str", False, False, None, False),
    ]
    assert to_pyformat("x = $1 AND y LIKE '%a' AND z = $2 AND w = $1", p) == (
        "x = %(owner_id)s AND y LIKE '%%a' AND z = %(q)s AND w = %(owner_id)s"
    )
    with pytest.raises(GenerateError):
        to_pyformat("x = $3", p)
