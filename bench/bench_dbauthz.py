"""dbauthz overhead, measured side by side on the embedded PostgreSQL.

    uv run python bench/bench_dbauthz.py [--max-chats 1000000]

0. querier speed: raw ÷ bare psycopg for a PK get (`execute().fetchone()`) and a page of 50
   (the same statement hand-run, `fetchall()`), wrapped ÷ raw on both faces, and SQLAlchemy's
   async engine ÷ psycopg's `AsyncConnection` (why the async face uses psycopg directly);
1. wrapped vs raw `get_chat` (same connection, interleaved batches, median of batches);
2. a `get_chats` page of 50 for a chat-access user at 10k, 100k and 1M chats, with the query
   plan, to show the authorization filter rides an index instead of scanning;
3. a `shared=only` page of 50 ("shared with me") at 10k and at 1M chats, two databases on one
   server measured side by side (interleaved batches), with the plan showing the GIN indexes
   on `user_acl` / `group_acl`. Only this part: `--shared-only` (the short run).

Prints figures and ratios; asserts nothing about time (the machines are shared and noisy).
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import gc
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from psycopg import AsyncConnection
from sqlalchemy.engine import Connection

from authz import Action, Authorizer, Subject
from querier.aio import conninfo
from querier.db import create_engine, ensure_database
from querier.dbauthz import AsyncAuthzQuerier, AuthzQuerier, as_actor
from querier.dbauthz.decide import CHAT_COLUMNS
from querier.embedded import EmbeddedPostgres
from querier.generated.async_sql import AsyncSqlQuerier
from querier.generated.sql import GET_CHAT, GET_CHATS, SqlQuerier, _chat
from querier.migrate import upgrade
from querier.runtime import with_filter

BATCHES, CALLS = 60, 50
MY_CHATS = 2_000
OTHER_USERS = 1_000


def per_call_us(fn: Callable[[], Any], calls: int) -> float:
    start = time.perf_counter()
    for _ in range(calls):
        fn()
    return (time.perf_counter() - start) / calls * 1e6


def interleaved(
    a: Callable[[], Any], b: Callable[[], Any], batches: int, calls: int
) -> tuple[float, float]:
    """Median per-call µs of `a` and `b`, in ABBA order so drift and warm-up hit both alike."""
    ta, tb = [], []
    for i in range(batches):
        if i % 2:
            tb.append(per_call_us(b, calls))
            ta.append(per_call_us(a, calls))
        else:
            ta.append(per_call_us(a, calls))
            tb.append(per_call_us(b, calls))
    return statistics.median(ta), statistics.median(tb)


def seed_base(conn: Connection) -> tuple[uuid.UUID, uuid.UUID, uuid.UUID]:
    me, org_a, org_b = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    conn.execute(
        sa.text("INSERT INTO organizations (id, name) VALUES (:a, 'a'), (:b, 'b')"),
        {"a": org_a, "b": org_b},
    )
    conn.execute(
        sa.text(
            "INSERT INTO users (id, email, username, rbac_roles) "
            "VALUES (:me, 'me@x.io', 'me', '{chat-access}')"
        ),
        {"me": me},
    )
    conn.execute(
        sa.text(
            "INSERT INTO users (email, username) "
            "SELECT 'u' || i || '@x.io', 'u' || i FROM generate_series(1, :n) i"
        ),
        {"n": OTHER_USERS},
    )
    conn.execute(
        sa.text("INSERT INTO organization_members (user_id, organization_id) VALUES (:me, :a)"),
        {"me": me, "a": org_a},
    )
    # My chats: half personal, half in org A, spread over the last year.
    conn.execute(
        sa.text(
            "INSERT INTO chats (owner_id, organization_id, title, created_at) "
            "SELECT :me, CASE WHEN i % 2 = 0 THEN :a END, 'mine ' || i, "
            "now() - make_interval(secs => i * 9000) FROM generate_series(1, :n) i"
        ),
        {"me": me, "a": org_a, "n": MY_CHATS},
    )
    return me, org_a, org_b


def grow_to(conn: Connection, total: int, org_a: uuid.UUID, org_b: uuid.UUID) -> None:
    have = conn.execute(sa.text("SELECT count(*) FROM chats")).scalar_one()
    if have >= total:
        return
    conn.execute(
        sa.text(
            "INSERT INTO chats (owner_id, organization_id, title, created_at) "
            "SELECT u.id, CASE i % 3 WHEN 0 THEN :a WHEN 1 THEN :b END, 'theirs', "
            "now() - make_interval(secs => i) "
            "FROM generate_series(1, :n) i "
            "JOIN (SELECT id, row_number() OVER () - 1 AS k FROM users WHERE username <> 'me') u "
            "  ON u.k = i % :users"
        ),
        {"a": org_a, "b": org_b, "n": total - have, "users": OTHER_USERS},
    )
    conn.execute(sa.text("ANALYZE chats"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--max-chats", type=int, default=1_000_000)
    parser.add_argument(
        "--shared-only", action="store_true", help="Only the shared=only page figure (part 3)."
    )
    args = parser.parse_args()
    sizes = [n for n in (10_000, 100_000, 1_000_000) if n <= args.max_chats]
    gc.freeze()  # keep collector pauses out of the per-call figures

    with tempfile.TemporaryDirectory(prefix="dbauthz-bench-") as tmp:
        server = EmbeddedPostgres(Path(tmp) / "pg")
        info = server.start()
        engine = create_engine(info.sqlalchemy_url("bench"))
        try:
            if not args.shared_only:
                ensure_database(engine.url)
                upgrade(engine, "head")
                with engine.begin() as conn:
                    me, org_a, org_b = seed_base(conn)
                run(engine, me, org_a, org_b, sizes)
            shared_page_figures(info, small=min(sizes), large=max(sizes))
        finally:
            engine.dispose()
            server.stop()


def run(
    engine: sa.Engine, me: uuid.UUID, org_a: uuid.UUID, org_b: uuid.UUID, sizes: list[int]
) -> None:
    subject = Subject(id=me, roles=("member", "chat-access", f"organization-member:{org_a}"))
    authorizer = Authorizer()
    with engine.connect() as conn:
        raw = SqlQuerier(conn)
        wrapped = AuthzQuerier(raw, authorizer)
        chat_id = conn.execute(
            sa.text("SELECT id FROM chats WHERE owner_id = :me LIMIT 1"), {"me": me}
        ).scalar_one()
        conn.commit()
        querier_speed(engine, subject, chat_id)
        print()
        with as_actor(subject):
            for _ in range(200):  # warm both paths: plan caches, decision table
                raw.get_chat(id=chat_id)
                wrapped.get_chat(id=chat_id)
            t_raw, t_wrapped = interleaved(
                lambda: raw.get_chat(id=chat_id), lambda: wrapped.get_chat(id=chat_id), 30, 300
            )
        print("get_chat (one row by primary key), median of 30 interleaved batches of 300 calls")
        print(f"  raw      {t_raw:8.1f} µs/call")
        print(
            f"  wrapped  {t_wrapped:8.1f} µs/call   ratio {t_wrapped / t_raw:.3f}  (target ≤ 1.05)"
        )
        conn.rollback()

    print("\nget_chats page of 50 for a chat-access user (filter compiled into the WHERE clause)")
    pages: dict[int, float] = {}
    for size in sizes:
        with engine.begin() as conn:
            grow_to(conn, size, org_a, org_b)
        with engine.connect() as conn:
            wrapped = AuthzQuerier(SqlQuerier(conn), authorizer)
            with as_actor(subject):
                page = wrapped.get_chats(page_limit=50)
                if len(page) != 50 or any(c.owner_id != me for c in page):
                    raise SystemExit("the seeded page is wrong; the figures would mean nothing")
                for _ in range(20):
                    wrapped.get_chats(page_limit=50)
                page_call = functools.partial(wrapped.get_chats, page_limit=50)
                pages[size] = statistics.median(per_call_us(page_call, 20) for _ in range(7))
            plan = explain_page(conn, subject, authorizer)
            conn.rollback()
        print(f"  {size:>9,} chats  {pages[size]:9.1f} µs/page   plan: {plan}")
    if len(pages) > 1:
        first, last = min(pages), max(pages)
        print(
            f"  ratio {last:,} / {first:,} chats: {pages[last] / pages[first]:.2f}  (target ≤ 1.5)"
        )


def _per_call(fn: Callable[[], Any], calls: int) -> float:
    start = time.perf_counter()
    for _ in range(calls):
        fn()
    return (time.perf_counter() - start) / calls * 1e6


def pair(a: Callable[[], Any], b: Callable[[], Any]) -> tuple[float, float]:
    ta: list[float] = []
    tb: list[float] = []
    for i in range(BATCHES):
        order = ((a, ta), (b, tb)) if i % 2 == 0 else ((b, tb), (a, ta))
        for fn, into in order:
            into.append(_per_call(fn, CALLS))
    return min(ta), min(tb)


async def _aper_call(fn: Callable[[], Awaitable[Any]], calls: int) -> float:
    start = time.perf_counter()
    for _ in range(calls):
        await fn()
    return (time.perf_counter() - start) / calls * 1e6


async def apair(
    a: Callable[[], Awaitable[Any]], b: Callable[[], Awaitable[Any]]
) -> tuple[float, float]:
    ta: list[float] = []
    tb: list[float] = []
    for i in range(BATCHES):
        order = ((a, ta), (b, tb)) if i % 2 == 0 else ((b, tb), (a, ta))
        for fn, into in order:
            into.append(await _aper_call(fn, CALLS))
    return min(ta), min(tb)


def line(label: str, num: float, den: float, target: str = "") -> None:
    suffix = f"  (target {target})" if target else ""
    print(f"  {label:<46} {num:7.1f} / {den:7.1f} µs = {num / den:5.2f}x{suffix}")


def sync_figures(engine: sa.Engine, subject: Subject, chat_id: uuid.UUID) -> None:
    authorizer = Authorizer()
    with engine.connect() as conn:
        raw = SqlQuerier(conn)
        wrapped = AuthzQuerier(raw, authorizer)
        raw.get_chat(id=chat_id)  # begins the transaction every call below runs in
        driver = conn.connection.driver_connection
        assert driver is not None
        expr = authorizer.prepare(subject, Action.READ, "chat").sql_filter(
            owner=CHAT_COLUMNS.owner, org=CHAT_COLUMNS.org, id=CHAT_COLUMNS.id
        )
        page_params = {"owner_id": None, "archived": None, "after_id": None, "page_limit": 50}
        page_sql, page_bound = with_filter(GET_CHATS, page_params, expr, "GetChats")

        def bare_get() -> Any:
            return driver.execute(GET_CHAT, {"id": chat_id}).fetchone()

        def bare_page() -> Any:
            return driver.execute(page_sql, page_bound).fetchall()

        def bare_page_rows() -> Any:
            return [_chat(r) for r in driver.execute(page_sql, page_bound).fetchall()]

        with as_actor(subject):
            for _ in range(300):  # warm: psycopg prepares after 5 executions, plan caches
                bare_get(), raw.get_chat(id=chat_id), wrapped.get_chat(id=chat_id)
                bare_page(), raw.get_chats(page_limit=50, authorize_filter=expr)
            q_get, b_get = pair(lambda: raw.get_chat(id=chat_id), bare_get)
            q_page, b_page = pair(
                lambda: raw.get_chats(page_limit=50, authorize_filter=expr), bare_page
            )
            q_rows, b_rows = pair(
                lambda: raw.get_chats(page_limit=50, authorize_filter=expr), bare_page_rows
            )
            w_get, r_get = pair(
                lambda: wrapped.get_chat(id=chat_id), lambda: raw.get_chat(id=chat_id)
            )
        conn.rollback()
    print("sync face")
    line("raw get_chat ÷ bare psycopg execute().fetchone()", q_get, b_get, "≤ 1.3")
    line("raw page of 50 ÷ hand-run psycopg fetchall()", q_page, b_page, "≤ 1.3")
    line("raw page of 50 ÷ the same + the same row objects", q_rows, b_rows)
    line("wrapped ÷ raw get_chat", w_get, r_get, "≤ 1.05")


async def async_figures(engine: sa.Engine, subject: Subject, chat_id: uuid.UUID) -> None:
    from sqlalchemy.ext.asyncio import create_async_engine

    aconn = await AsyncConnection.connect(conninfo(engine))
    aengine = create_async_engine(engine.url)
    try:
        raw = AsyncSqlQuerier(aconn)
        wrapped = AsyncAuthzQuerier(raw, Authorizer())
        async with aengine.connect() as sa_conn:

            async def bare() -> Any:
                return await (await aconn.execute(GET_CHAT, {"id": chat_id})).fetchone()

            async def via_engine() -> Any:
                return (await sa_conn.exec_driver_sql(GET_CHAT, {"id": chat_id})).fetchone()

            with as_actor(subject):
                for _ in range(300):
                    await bare(), await via_engine(), await wrapped.get_chat(id=chat_id)
                q_get, b_get = await apair(lambda: raw.get_chat(id=chat_id), bare)
                e_get, b2_get = await apair(via_engine, bare)
                w_get, r_get = await apair(
                    lambda: wrapped.get_chat(id=chat_id), lambda: raw.get_chat(id=chat_id)
                )
            await sa_conn.rollback()
        await aconn.rollback()
    finally:
        await aconn.close()
        await aengine.dispose()
    print("async face")
    line("raw get_chat ÷ bare AsyncConnection", q_get, b_get)
    line("SQLAlchemy async engine ÷ bare AsyncConnection", e_get, b2_get)
    line("wrapped ÷ raw get_chat", w_get, r_get, "≤ 1.05")


def querier_speed(engine: sa.Engine, subject: Subject, chat_id: uuid.UUID) -> None:
    # The fastest of the batches: on a shared machine other load only ever adds time, and
    # these paths differ by microseconds.
    print(f"querier speed, fastest of {BATCHES} interleaved batches of {CALLS} calls")
    sync_figures(engine, subject, chat_id)
    asyncio.run(async_figures(engine, subject, chat_id))


def explain_page(conn: Connection, subject: Subject, authorizer: Authorizer) -> str:
    """The scan nodes of the plan PostgreSQL picks for the authorized page query."""
    prepared = authorizer.prepare(subject, Action.READ, "chat")
    expr = prepared.sql_filter(owner=CHAT_COLUMNS.owner, org=CHAT_COLUMNS.org, id=CHAT_COLUMNS.id)
    params = {"owner_id": None, "archived": None, "after_id": None, "page_limit": 50}
    sql, bound = with_filter(GET_CHATS, params, expr, "GetChats")
    rows = conn.exec_driver_sql("EXPLAIN " + sql, bound).scalars().all()
    scans = [r.strip().lstrip("-> ").split("  ")[0] for r in rows if "Scan" in r]
    return "; ".join(scans)


# --- 3. "shared with me" ---------------------------------------------------------------------

SHARED_WITH_ME = 300
"""Chats of others shared with the reader, at every size: half by a user entry, half through
the Everyone group of its org. The page is the same; only the table around it grows."""


def seed_shared(conn: Connection, total: int) -> Subject:
    """One database: the base world, `total` chats, 1% of them shared with other users and 1%
    with org B's Everyone (entries the index holds but the reader must not see), and
    `SHARED_WITH_ME` shared with the reader."""
    me, org_a, org_b = seed_base(conn)
    grow_to(conn, total, org_a, org_b)
    conn.execute(
        sa.text(
            "UPDATE chats c SET user_acl = jsonb_build_object(u.id::text, '[\"read\"]'::jsonb) "
            "FROM (SELECT id, row_number() OVER () AS k FROM users WHERE id <> :me) u "
            "WHERE c.owner_id <> :me AND abs(hashtext(c.id::text)) % 100 = 0 "
            "AND u.k = 1 + abs(hashtext(c.id::text)) % 500"
        ),
        {"me": me},
    )
    conn.execute(
        sa.text(
            "UPDATE chats SET group_acl = jsonb_build_object(CAST(:b AS text), '[\"read\"]'::jsonb) "
            "WHERE organization_id = :b AND abs(hashtext(id::text)) % 100 = 1"
        ),
        {"b": org_b},
    )
    for column, key, where in (
        ("user_acl", me, "organization_id IS NULL OR organization_id = :a"),
        ("group_acl", org_a, "organization_id = :a"),
    ):
        conn.execute(
            sa.text(
                f"UPDATE chats SET {column} = jsonb_build_object(CAST(:key AS text), "
                "'[\"read\"]'::jsonb) WHERE id IN (SELECT id FROM chats WHERE owner_id <> :me "
                f"AND ({where}) AND {column} = '{{}}' ORDER BY id LIMIT :n)"
            ),
            {"key": key, "me": me, "a": org_a, "n": SHARED_WITH_ME // 2},
        )
    return Subject(id=me, roles=("member", "chat-access", f"organization-member:{org_a}"))


def shared_page_figures(info: Any, *, small: int, large: int) -> None:
    """A `shared=only` page of 50 at `small` and `large` chats, interleaved, with the plan."""
    from querier.dbauthz.decide import Decider, SharedMode

    print(f'\nshared=only page of 50 ("shared with me", {SHARED_WITH_ME} such chats)')
    authorizer = Authorizer()
    engines, subjects = {}, {}
    for size in (small, large):
        engines[size] = create_engine(info.sqlalchemy_url(f"bench_shared_{size}"))
        ensure_database(engines[size].url)
        upgrade(engines[size], "head")
        started = time.perf_counter()
        with engines[size].begin() as conn:
            subjects[size] = seed_shared(conn, size)
        # As autovacuum would: GIN's pending list (fast updates) flushed into the index, so a
        # search walks the index rather than a list of every recent ACL change.
        with engines[size].connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("VACUUM ANALYZE chats"))
        print(f"  seeded {size:>9,} chats in {time.perf_counter() - started:.0f} s")
    try:
        with engines[small].connect() as c_small, engines[large].connect() as c_large:
            calls = {}
            for size, conn in ((small, c_small), (large, c_large)):
                q = AuthzQuerier(SqlQuerier(conn), authorizer)
                subject = subjects[size]
                with as_actor(subject):
                    page = q.get_chats_shared(shared=SharedMode.ONLY, page_limit=50)
                if len(page) != 50 or any(c.owner_id == subject.id for c in page):
                    raise SystemExit("the shared page is wrong; the figures would mean nothing")

                def call(q: AuthzQuerier = q, subject: Subject = subject) -> None:
                    with as_actor(subject):
                        q.get_chats_shared(shared=SharedMode.ONLY, page_limit=50)

                for _ in range(20):
                    call()
                calls[size] = call
            t_small, t_large = interleaved(calls[small], calls[large], 20, 20)
            print(f"  {small:>9,} chats  {t_small:9.1f} µs/page")
            print(f"  {large:>9,} chats  {t_large:9.1f} µs/page")
            print(f"  ratio {large:,} / {small:,} chats: {t_large / t_small:.2f}  (target ≤ 1.5)")
            where = Decider(authorizer).chat_list_filter(subjects[large], SharedMode.ONLY, None)
            assert where is not None
            params = {"owner_id": None, "archived": None, "after_id": None, "page_limit": 50}
            sql, bound = with_filter(GET_CHATS, params, where, "GetChats")
            plan = c_large.exec_driver_sql("EXPLAIN " + sql, bound).scalars().all()
            print(f"  plan at {large:,} chats:")
            for row in plan:
                if "Scan" in row or "Limit" in row or "Sort" in row or "BitmapOr" in row:
                    print(f"    {row.strip()}")
    finally:
        for engine in engines.values():
            engine.dispose()


if __name__ == "__main__":
    main()
