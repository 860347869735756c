"""Golden SQL (SQLAlchemy's `assert_compile` style): every statement `SqlQuerier` sends is
checked in under `querier/golden/`, so a generator or runtime change shows on every query."""

from __future__ import annotations

import difflib
from pathlib import Path

from querier.gen import golden
from querier.gen.render import snake
from querier.generated import sql as generated_sql
from querier.generated.protocol import FILTERED_METHODS, QUERY_METHODS

GOLDEN = Path(__file__).resolve().parents[2] / "querier" / "golden"


def checked_in() -> dict[str, tuple[str, str]]:
    """`query name -> (cmd, statement)` over every golden file."""
    out: dict[str, tuple[str, str]] = {}
    for path in sorted(GOLDEN.glob("*.sql")):
        out.update(golden.parse(path.read_text()))
    return out


def test_every_generated_method_has_a_golden_statement() -> None:
    assert sorted(snake(name) for name in checked_in()) == sorted(QUERY_METHODS)


def test_each_statement_is_exactly_what_the_generated_querier_sends() -> None:
    diffs = []
    for name, (_, statement) in sorted(checked_in().items()):
        method = snake(name)
        sent = golden.sent_statement(
            getattr(generated_sql, method.upper()), method in FILTERED_METHODS, name
        )
        if sent.strip() != statement:
            diffs.append(
                "\n".join(
                    difflib.unified_diff(
                        statement.splitlines(), sent.strip().splitlines(), name, "sent", lineterm=""
                    )
                )
            )
    assert not diffs, "golden SQL differs; regenerate (`uv run python -m querier.gen`):\n" + (
        "\n".join(diffs)
    )


def test_filtered_statements_carry_the_spliced_filter_not_the_marker() -> None:
    statements = checked_in()
    filtered = {n: s for n, (_, s) in statements.items() if snake(n) in FILTERED_METHODS}
    assert filtered
    for name, statement in filtered.items():
        assert "-- @authorize_filter" not in statement, name
        assert "AND (owner_id = %(authz_me)s::UUID)" in statement, name


def test_parse_reads_back_what_render_writes() -> None:
    text = golden.render([("B", ":many", "SELECT 2"), ("A", ":one", "SELECT 1\nFROM x")])
    assert golden.parse(text) == {"A": (":one", "SELECT 1\nFROM x"), "B": (":many", "SELECT 2")}
