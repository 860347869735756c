"""Render the async face: `async_protocol.py` (`AsyncQuerier`) and `async_sql.py`
(`AsyncSqlQuerier`, the same queries on a psycopg `AsyncConnection`).

Same statements, parameters and row converters as the sync face (the converters are imported
from `sql.py`, not copied), so the two faces cannot disagree about what a query sends or returns.
Why psycopg directly and not SQLAlchemy's async engine: the engine runs the sync core inside a
greenlet per call; `bench/bench_dbauthz.py` prints the difference (README "Performance").
"""

from __future__ import annotations

from querier.gen.render import (
    HEADER,
    Model,
    Query,
    docstring,
    model_imports,
    signature,
    snake,
)
from querier.gen.render_sql import convert, dump


def _imports(queries: list[Query], models: list[Model]) -> list[str]:
    used_enums = sorted(
        {c.enum for m in models for c in m.columns if c.enum}
        | {p.enum for q in queries for p in q.params if p.enum}
        | {q.scalar.enum for q in queries if q.scalar is not None and q.scalar.enum}
    )
    out = ["from querier.generated.models import (\n", "    JsonValue,\n"]
    out += [f"    {n},\n" for n in sorted(set(model_imports(queries) + used_enums))]
    out.append(")\n")
    return out


def render_async_protocol(queries: list[Query]) -> str:
    out = [
        HEADER,
        '"""The `AsyncQuerier` Protocol: every query as a typed, keyword-only coroutine method.\n\n'
        "The async twin of `Querier` (same names, parameters and results); `AsyncSqlQuerier` and\n"
        '`AsyncAuthzQuerier` implement it, so mypy proves both faces complete."""\n\n',
        "from __future__ import annotations\n\n",
        "from contextlib import AbstractAsyncContextManager\n",
        "from datetime import date, datetime\n",
        "from decimal import Decimal\n",
        "from typing import Protocol\n",
        "from uuid import UUID\n\n",
        "from sqlalchemy import ColumnElement\n\n",
        *_imports(queries, []),
        "\n\nclass AsyncQuerier(Protocol):\n",
        '    """One coroutine method per query in `querier/queries/*.sql`."""\n\n',
        "    def transaction(self) -> AbstractAsyncContextManager[AsyncQuerier]:\n",
        '        """`async with q.transaction() as tx:` one transaction (nested: a savepoint)."""\n',
        "        ...\n",
    ]
    for q in queries:
        out.append(f"\n    async {signature(q)}:\n")
        out.append(docstring(q, "        "))
        out.append("        ...\n")
    return "".join(out)


def render_async_sql(queries: list[Query], models: list[Model]) -> str:
    out = [
        HEADER,
        '"""`AsyncSqlQuerier`: the `AsyncQuerier` Protocol on a psycopg `AsyncConnection`.\n\n'
        "One `await conn.execute(...)` per call, all rows fetched at once; statements, parameters\n"
        'and row converters are those of `sql.py`."""\n\n',
        "from __future__ import annotations\n\n",
        "from collections.abc import AsyncIterator\n",
        "from contextlib import asynccontextmanager\n",
        "from datetime import date, datetime\n",
        "from decimal import Decimal\n",
        "from typing import Any\n",
        "from uuid import UUID\n\n",
        "from psycopg import AsyncConnection\n",
        "from psycopg.types.json import Jsonb\n",
        "from sqlalchemy import ColumnElement\n\n",
        *_imports(queries, models),
        "from querier.generated import sql as s\n",
        "from querier.runtime import execute_async, row_or_not_found, with_filter\n",
    ]
    out.append("\n\nclass AsyncSqlQuerier:\n")
    out.append('    """Runs queries on one async connection; build one per unit of work."""\n\n')
    out.append('    __slots__ = ("_conn",)\n\n')
    out.append("    def __init__(self, conn: AsyncConnection[Any]) -> None:\n")
    out.append("        self._conn = conn\n\n")
    out.append("    @property\n")
    out.append("    def connection(self) -> AsyncConnection[Any]:\n")
    out.append("        return self._conn\n\n")
    out.append("    @asynccontextmanager\n")
    out.append("    async def transaction(self) -> AsyncIterator[AsyncSqlQuerier]:\n")
    out.append(
        '        """Commit on success, roll back on error; inside a transaction: a savepoint."""\n'
    )
    out.append("        async with self._conn.transaction():\n")
    out.append("            yield self\n")
    for q in queries:
        out.append(f"\n    async {signature(q)}:\n")
        out.append(docstring(q, "        "))
        params = "{" + ", ".join(f'"{p.name}": {dump(p)}' for p in q.params) + "}"
        const = f"s.{q.const}"
        if q.filtered:
            out.append(
                f"        sql, params = with_filter({const}, {params}, authorize_filter, "
                f'"{q.name}")\n'
            )
        else:
            out.append(f"        sql, params = {const}, dict[str, Any]({params})\n")
        run = f'await execute_async(self._conn, sql, params, "{q.name}")'
        if q.cmd == ":one":
            out.append(f"        cur = {run}\n")
            row = f'row_or_not_found(await cur.fetchone(), "{q.name}")'
            if q.scalar is not None:
                out.append(f"        value = {row}[0]\n")
                out.append(
                    f"        result: {q.scalar.annotation} = {convert(q.scalar, 'value', 's.')}\n"
                )
                out.append("        return result\n")
            else:
                out.append(f"        return s._{snake(str(q.row_class))}({row})\n")
        elif q.cmd == ":many":
            out.append(f"        cur = {run}\n")
            if q.scalar is not None:
                out.append(
                    f"        return [{convert(q.scalar, 'r[0]', 's.')} for r in await cur.fetchall()]\n"
                )
            else:
                conv = f"s._{snake(str(q.row_class))}"
                out.append(f"        return [{conv}(r) for r in await cur.fetchall()]\n")
        elif q.cmd == ":execrows":
            out.append(f"        return ({run}).rowcount\n")
        else:
            out.append(f"        {run}\n")
    return "".join(out)
