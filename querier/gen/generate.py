"""The whole generation, request in, files out: `models.py`, `protocol.py`, `sql.py` and the
golden SQL files (`<query file>.sql`). Pure: the plugin shell passes in what the database said."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from querier.gen import golden
from querier.gen.render import (
    Query,
    RbacMapping,
    assign_row_classes,
    read_catalog,
    read_queries,
    render_models,
    render_protocol,
    table_columns,
    to_pyformat,
)
from querier.gen.render_async import render_async_protocol, render_async_sql
from querier.gen.render_sql import render_sql


@dataclass(frozen=True)
class Generated:
    files: dict[str, str]
    """Python files (for `querier/generated/`) and golden `.sql` files (for `querier/golden/`)."""


def generate(
    request: dict[str, Any],
    rbac: dict[str, RbacMapping],
    single_row: frozenset[str] = frozenset(),
) -> Generated:
    """`single_row`: names of the `:one` queries PostgreSQL says always return one row."""
    catalog = read_catalog(request)
    tables = table_columns(request, catalog)
    queries = read_queries(request, catalog, single_row)
    table_models, query_models = assign_row_classes(queries, tables)
    for model in table_models:
        model.rbac = rbac.get(model.table or "")
    files = {
        "models.py": render_models(catalog, table_models, query_models),
        "protocol.py": render_protocol(queries),
        "sql.py": render_sql(queries, table_models + query_models),
        "async_protocol.py": render_async_protocol(queries),
        "async_sql.py": render_async_sql(queries, table_models + query_models),
    }
    files.update(golden_files(queries))
    return Generated(files=files)


def golden_files(queries: list[Query]) -> dict[str, str]:
    by_file: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
    for q in queries:
        sent = golden.sent_statement(to_pyformat(q.sql, q.params), q.filtered, q.name)
        by_file[golden.golden_name(q.filename)].append((q.name, q.cmd, sent))
    return {name: golden.render(statements) for name, statements in sorted(by_file.items())}
