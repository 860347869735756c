"""Render `sql.py`: `SqlQuerier`, the `Querier` Protocol run through a SQLAlchemy `Connection`."""

from __future__ import annotations

from querier.gen.render import (
    HEADER,
    Col,
    Model,
    Query,
    docstring,
    model_imports,
    signature,
    snake,
    to_pyformat,
)


def enum_members(enum: str) -> str:
    """The module constant mapping an enum's values to its members: a dict lookup costs a
    tenth of `Enum(value)`, on every row of every page."""
    return f"_{snake(enum).upper()}_MEMBERS"


def convert(col: Col, expr: str, prefix: str = "") -> str:
    """`expr` (a driver value) as the column's Python value; `prefix`: where `sql.py`'s
    constants are, seen from the module the code goes in."""
    if col.is_array:
        inner = f"{prefix}{enum_members(col.enum)}[v]" if col.enum else "v"
        conv = f"tuple({inner} for v in {expr})" if col.enum else f"tuple({expr})"
        return f"(None if {expr} is None else {conv})" if col.nullable else conv
    if col.enum:
        member = f"{prefix}{enum_members(col.enum)}[{expr}]"
        return f"(None if {expr} is None else {member})" if col.nullable else member
    return expr


def dump(col: Col) -> str:
    """How a parameter goes to psycopg: enums by value, arrays as lists, json wrapped."""
    expr = col.name
    if col.is_array:
        inner = "[str(v) for v in " + expr + "]" if col.enum else f"list({expr})"
        return f"(None if {expr} is None else {inner})" if col.nullable else inner
    if col.enum:
        val = f"{col.enum}({expr}).value"
        return f"(None if {expr} is None else {val})" if col.nullable else val
    if col.json:
        return f"Jsonb({expr})"
    return expr


def render_sql(queries: list[Query], models: list[Model]) -> str:
    out = [
        HEADER,
        '"""`SqlQuerier`: the `Querier` Protocol executed through a SQLAlchemy `Connection`.\n\n'
        "Statements go straight to psycopg (`exec_driver_sql`, pyformat placeholders), so a call\n"
        'costs one round trip and no SQL compilation."""\n\n',
        "from __future__ import annotations\n\n",
        "from collections.abc import Iterator, Sequence\n",
        "from contextlib import contextmanager\n",
        "from datetime import date, datetime\n",
        "from decimal import Decimal\n",
        "from typing import Any\n",
        "from uuid import UUID\n\n",
        "from psycopg.types.json import Jsonb\n",
        "from sqlalchemy import ColumnElement\n",
        "from sqlalchemy.engine import Connection\n\n",
        "from querier.generated.models import (\n",
        "    JsonValue,\n",
    ]
    used_enums = sorted(
        {c.enum for m in models for c in m.columns if c.enum}
        | {p.enum for q in queries for p in q.params if p.enum}
        | {q.scalar.enum for q in queries if q.scalar is not None and q.scalar.enum}
    )
    out += [f"    {n},\n" for n in sorted(set(model_imports(queries) + used_enums))]
    out.append(")\n")
    out.append("from querier.runtime import execute, first_row, with_filter\n\n")
    for q in queries:
        out.append(f"{q.const} = {to_pyformat(q.sql, q.params)!r}\n")
    result_enums = sorted(
        {c.enum for m in models for c in m.columns if c.enum}
        | {q.scalar.enum for q in queries if q.scalar is not None and q.scalar.enum}
    )
    if result_enums:
        out.append("\n")
    for enum in result_enums:
        out.append(f"{enum_members(enum)} = {{m.value: m for m in {enum}}}\n")
    converters = {m.name: m for m in models}
    used_rows = sorted({q.row_class for q in queries if q.row_class})
    for name in used_rows:
        m = converters[name]
        out.append(f"\n\ndef _{snake(name)}(r: Sequence[Any]) -> {name}:\n")
        args = ", ".join(convert(c, f"r[{i}]") for i, c in enumerate(m.columns))
        out.append(f"    return {name}({args})\n")
    out.append("\n\nclass SqlQuerier:\n")
    out.append('    """Runs queries on one connection; build one per unit of work."""\n\n')
    out.append('    __slots__ = ("_conn",)\n\n')
    out.append("    def __init__(self, conn: Connection) -> None:\n")
    out.append("        self._conn = conn\n\n")
    out.append("    @property\n")
    out.append("    def connection(self) -> Connection:\n")
    out.append("        return self._conn\n\n")
    out.append("    @contextmanager\n")
    out.append("    def transaction(self) -> Iterator[SqlQuerier]:\n")
    out.append(
        '        """Commit on success, roll back on error; nested calls use a savepoint."""\n'
    )
    out.append("        if self._conn.in_transaction():\n")
    out.append("            with self._conn.begin_nested():\n")
    out.append("                yield self\n")
    out.append("        else:\n")
    out.append("            with self._conn.begin():\n")
    out.append("                yield self\n")
    for q in queries:
        out.append(f"\n    {signature(q)}:\n")
        out.append(docstring(q, "        "))
        params = "{" + ", ".join(f'"{p.name}": {dump(p)}' for p in q.params) + "}"
        const = q.const
        if q.filtered:
            out.append(
                f"        sql, params = with_filter({const}, {params}, authorize_filter, "
                f'"{q.name}")\n'
            )
        else:
            out.append(f"        sql, params = {const}, dict[str, Any]({params})\n")
        run = f'execute(self._conn, sql, params, "{q.name}")'
        if q.cmd in (":one", ":many"):
            out.append(render_return(q, run))
        elif q.cmd == ":execrows":
            out.append(f"        return {run}.rowcount\n")
        else:
            out.append(f"        {run}\n")
    return "".join(out)


def render_return(q: Query, run: str) -> str:
    """A one-column query returns its value (converted like a row field), others the row."""
    if q.scalar is not None:
        if q.cmd == ":one":
            fetch = f'        value = first_row({run}, "{q.name}")[0]\n'
            typed = f"        result: {q.scalar.annotation} = {convert(q.scalar, 'value')}\n"
            return fetch + typed + "        return result\n"
        return f"        return [{convert(q.scalar, 'r[0]')} for r in {run}.fetchall()]\n"
    conv = f"_{snake(str(q.row_class))}"
    if q.cmd == ":one":
        return f'        return {conv}(first_row({run}, "{q.name}"))\n'
    return f"        return [{conv}(r) for r in {run}.fetchall()]\n"
