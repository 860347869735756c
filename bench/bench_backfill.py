"""Benchmark of migration 0002 (chat-access backfill) at scale, on a throwaway embedded server.

    uv run python bench/bench_backfill.py [--users 1000000] [--owners 300000]
                                          [--max-chats 3] [--no-compare]

Seeds `--users` users, of whom `--owners` own 1 to `--max-chats` chats each (one owner in ten
has only archived chats; one user in a hundred already holds `chat-access`, one in fifty holds
`auditor`), then times
`alembic upgrade 0002` and reports the rows it updated, then runs the same UPDATE again and
reports the rows that second run updated (must be 0). With comparison on (the default) it also
prints EXPLAIN ANALYZE of the migration's `IN (SELECT DISTINCT ...)` form against the
`EXISTS (...)` form, on a copy of the seeded database, each in a rolled-back transaction (the
rolled-back rows stay behind as dead tuples, so later rounds run slower than earlier ones).

Figures only; nothing here asserts on time (target: upgrade <= 10 s at 1M users / 300k owners).
"""

from __future__ import annotations

import argparse
import importlib.util
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from sqlalchemy.engine import Connection, Engine

from querier.db import create_engine
from querier.embedded import EmbeddedPostgres, ServerInfo
from querier.migrate import ROOT, alembic_config, current_revisions, upgrade

MIGRATION_PATH = ROOT / "migrations" / "versions" / "0002_chat_access_backfill.py"
BENCH_DB = "bench_backfill"
COMPARE_DB = "bench_backfill_compare"

# The other shape of the same backfill, for the plan comparison.
EXISTS_FORM = """
UPDATE users
SET rbac_roles = array_append(rbac_roles, 'chat-access')
WHERE NOT (rbac_roles @> ARRAY['chat-access']::text[])
  AND EXISTS (SELECT 1 FROM chats c WHERE c.owner_id = users.id)
"""

SEED_USERS = """
INSERT INTO users (id, email, username, rbac_roles, created_at)
SELECT md5(i::text)::uuid,
       'u' || i || '@example.com',
       'u' || i,
       CASE WHEN i % 100 = 0 THEN ARRAY['chat-access']
            WHEN i % 50 = 1 THEN ARRAY['auditor']
            ELSE '{}'::text[] END,
       now() - make_interval(secs => i)
FROM generate_series(1, :users) AS i
"""

# Owner j (0 <= j < owners) is user 1 + j * step, so owners are spread over the table; owner j
# has 1 + j % max_chats chats; every tenth owner has only archived chats, others one chat in five.
SEED_CHATS = """
INSERT INTO chats (owner_id, title, archived, created_at)
SELECT md5((1 + j * :step)::text)::uuid,
       'chat ' || j || '.' || k,
       j % 10 = 0 OR (j + k) % 5 = 0,
       now() - make_interval(secs => j)
FROM generate_series(0, :owners - 1) AS j, generate_series(1, 1 + j % :max_chats) AS k
"""

HOLDERS = "SELECT count(*) FROM users WHERE rbac_roles @> ARRAY['chat-access']::text[]"
TO_GRANT = """
SELECT count(*) FROM users u
WHERE NOT (u.rbac_roles @> ARRAY['chat-access']::text[])
  AND EXISTS (SELECT 1 FROM chats c WHERE c.owner_id = u.id)
"""
USERS_UPDATED_IN_XACT = "SELECT n_tup_upd FROM pg_stat_xact_user_tables WHERE relname = 'users'"


def migration_sql(name: str) -> str:
    """A SQL constant of the migration module, loaded from its file (it is not a package)."""
    spec = importlib.util.spec_from_file_location("migration_0002", MIGRATION_PATH)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    value = getattr(module, name)
    assert isinstance(value, str)
    return value


@contextmanager
def admin(info: ServerInfo) -> Iterator[Connection]:
    engine = create_engine(info.sqlalchemy_url("postgres"), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            yield conn
    finally:
        engine.dispose()


def scalar(engine: Engine, sql: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.text(sql)).scalar_one())


def seed(engine: Engine, users: int, owners: int, max_chats: int) -> None:
    step = max(1, users // owners)
    t0 = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(sa.text(SEED_USERS), {"users": users})
        conn.execute(sa.text(SEED_CHATS), {"step": step, "owners": owners, "max_chats": max_chats})
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text("VACUUM ANALYZE users"))
        conn.execute(sa.text("VACUUM ANALYZE chats"))
    n_users = scalar(engine, "SELECT count(*) FROM users")
    n_chats = scalar(engine, "SELECT count(*) FROM chats")
    n_owners = scalar(engine, "SELECT count(DISTINCT owner_id) FROM chats")
    n_archived_only = scalar(
        engine,
        "SELECT count(*) FROM (SELECT owner_id FROM chats GROUP BY owner_id"
        " HAVING bool_and(archived)) AS t",
    )
    print(
        f"seeded {n_users:,} users, {n_chats:,} chats, {n_owners:,} owners"
        f" ({n_archived_only:,} with only archived chats) in {time.perf_counter() - t0:.1f} s"
    )


def explain_analyze(engine: Engine, label: str, sql: str) -> None:
    with engine.connect() as conn:
        transaction = conn.begin()
        try:
            plan = conn.execute(sa.text("EXPLAIN (ANALYZE, COSTS OFF) " + sql)).all()
        finally:
            transaction.rollback()
    print(f"--- {label}")
    for (line,) in plan:
        if line.strip().startswith(("Buffers:", "Planning:", "Index Searches:", "Heap Fetches:")):
            continue  # PostgreSQL 18 reports buffers by default; keep the plan short
        print(f"    {line}")


def compare_forms(info: ServerInfo) -> None:
    engine = create_engine(info.sqlalchemy_url(COMPARE_DB))
    try:
        scalar(engine, "SELECT count(*) FROM users")  # warm the cache for both forms alike
        scalar(engine, "SELECT count(*) FROM chats")
        for round_ in (1, 2):
            explain_analyze(
                engine,
                f"IN (SELECT DISTINCT ...) (the migration), round {round_}",
                migration_sql("UPGRADE"),
            )
            explain_analyze(engine, f"EXISTS (...), round {round_}", EXISTS_FORM)
    finally:
        engine.dispose()


def run(info: ServerInfo, users: int, owners: int, max_chats: int, compare: bool) -> None:
    with admin(info) as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{BENCH_DB}"'))
    engine = create_engine(info.sqlalchemy_url(BENCH_DB))
    try:
        upgrade(engine, "0001")
        seed(engine, users, owners, max_chats)
        if compare:
            engine.dispose()  # a template must have no connections
            with admin(info) as conn:
                conn.execute(
                    sa.text(
                        f'CREATE DATABASE "{COMPARE_DB}" TEMPLATE "{BENCH_DB}" STRATEGY FILE_COPY'
                    )
                )

        with admin(info) as conn:
            conn.execute(sa.text("CHECKPOINT"))  # the same starting point for every run
        holders_before = scalar(engine, HOLDERS)
        expected = scalar(engine, TO_GRANT)

        # Exactly what querier.migrate.upgrade does, plus reading this transaction's update count.
        t0 = time.perf_counter()
        with engine.begin() as conn:
            command.upgrade(alembic_config(conn), "0002")
            updated = int(conn.execute(sa.text(USERS_UPDATED_IN_XACT)).scalar_one())
        elapsed = time.perf_counter() - t0
        assert current_revisions(engine) == ("0002",)
        holders_after = scalar(engine, HOLDERS)

        t0 = time.perf_counter()
        with engine.begin() as conn:
            second = conn.execute(sa.text(migration_sql("UPGRADE"))).rowcount
        second_elapsed = time.perf_counter() - t0

        print(f"upgrade 0001 -> 0002: {elapsed:.2f} s")
        print(f"rows updated: {updated:,} (expected {expected:,})")
        print(f"holders of chat-access: {holders_before:,} -> {holders_after:,}")
        print(f"second run: {second:,} rows updated in {second_elapsed:.2f} s")
    finally:
        engine.dispose()
    if compare:
        compare_forms(info)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--users", type=int, default=1_000_000)
    parser.add_argument("--owners", type=int, default=300_000)
    parser.add_argument("--max-chats", type=int, default=3)
    parser.add_argument("--no-compare", dest="compare", action="store_false")
    args = parser.parse_args()
    if not 0 < args.owners <= args.users:
        parser.error("need 0 < --owners <= --users")
    if args.max_chats < 1:
        parser.error("need --max-chats >= 1")

    with tempfile.TemporaryDirectory(prefix="bench-backfill-") as tmpdir:
        server = EmbeddedPostgres(Path(tmpdir))
        info = server.start()
        try:
            run(info, args.users, args.owners, args.max_chats, args.compare)
        finally:
            server.stop()


if __name__ == "__main__":
    main()
