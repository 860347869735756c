"""Alembic driven from code, on a given engine: the CLI, `serve` and the tests share this.

`upgrade` / `downgrade` are the raw operations. `schema_state` and `migrate_to_head` are what an
operator's commands use: a database stamped by a newer program, or a role that may not change the
schema, ends in one `DatabaseConfigError` line instead of an alembic or driver traceback.
"""

from __future__ import annotations

import enum
from pathlib import Path

import psycopg.errors
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError

from querier.db import DatabaseConfigError, first_line

ROOT = Path(__file__).resolve().parents[1]


def alembic_config(connection: Connection | None = None) -> Config:
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    cfg.attributes["configure_logging"] = False
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), revision)


def downgrade(engine: Engine, revision: str) -> None:
    with engine.begin() as conn:
        command.downgrade(alembic_config(conn), revision)


def head_revisions() -> tuple[str, ...]:
    return tuple(ScriptDirectory.from_config(alembic_config()).get_heads())


def current_revisions(engine: Engine) -> tuple[str, ...]:
    with engine.connect() as conn:
        return tuple(MigrationContext.configure(conn).get_current_heads())


def is_at_head(engine: Engine) -> bool:
    return set(current_revisions(engine)) == set(head_revisions())


class SchemaState(enum.Enum):
    AT_HEAD = "at head"
    BEHIND = "behind head"
    NEWER = "newer than this program"


def unknown_revisions(current: tuple[str, ...]) -> tuple[str, ...]:
    """Revisions stamped in the database that this program's migrations do not contain."""
    script = ScriptDirectory.from_config(alembic_config())
    unknown = []
    for rev in current:
        try:
            script.get_revision(rev)
        except CommandError:  # alembic's ResolutionError: no such revision here
            unknown.append(rev)
    return tuple(unknown)


def newer_message(current: tuple[str, ...]) -> str:
    return (
        f"the database is at revision {', '.join(current)}, newer than this program "
        f"(head {', '.join(head_revisions())}); upgrade dbauthz instead of migrating"
    )


def schema_state_of(current: tuple[str, ...]) -> SchemaState:
    if unknown_revisions(current):
        return SchemaState.NEWER
    return SchemaState.AT_HEAD if set(current) == set(head_revisions()) else SchemaState.BEHIND


def schema_state(engine: Engine) -> tuple[SchemaState, tuple[str, ...]]:
    current = current_revisions(engine)
    return schema_state_of(current), current


def stamped_revisions(connection: Connection) -> tuple[str, ...]:
    """The revisions in `alembic_version`, read with plain SQL (no alembic context, no logs)."""
    if connection.execute(sa.text("SELECT to_regclass('alembic_version')")).scalar() is None:
        return ()
    rows = connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalars()
    return tuple(sorted(rows))


def preflight(connection: Connection) -> None:
    """Refuse, in one line and before alembic starts, what would fail halfway through.

    A database newer than this program cannot be migrated by it; a role that may not create
    objects in its schema cannot run a migration that is due (the usual mistake: migrating as
    the runtime role).
    """
    current = stamped_revisions(connection)
    state = schema_state_of(current)
    if state is SchemaState.NEWER:
        raise DatabaseConfigError(newer_message(current))
    if state is SchemaState.BEHIND:
        allowed = connection.execute(
            sa.text("SELECT has_schema_privilege(current_user, current_schema(), 'CREATE')")
        ).scalar()
        if not allowed:
            role = connection.execute(sa.text("SELECT current_user")).scalar()
            raise DatabaseConfigError(
                f"cannot migrate: permission denied for schema public to role {role} (a "
                f"migration to head {', '.join(head_revisions())} is due) — run migrations "
                "as the role that owns the schema (see README, Database)"
            )


def migrate_to_head(engine: Engine) -> bool:
    """Upgrade to head; True if anything ran. Refuses a newer database; errors are one line."""
    with engine.connect() as conn:
        preflight(conn)
    state, _ = schema_state(engine)
    if state is SchemaState.AT_HEAD:
        return False
    try:
        upgrade(engine, "head")
    except DBAPIError as exc:
        raise DatabaseConfigError(migration_failure(exc)) from None
    return True


def migration_failure(exc: DBAPIError) -> str:
    """One line for a migration the database refused (typically: the role lacks the rights)."""
    if isinstance(exc.orig, psycopg.errors.InsufficientPrivilege):
        return (
            f"cannot migrate: {first_line(exc)} — run migrations as the role that owns the "
            "schema (see README, Database)"
        )
    return f"cannot migrate: {first_line(exc)}"
