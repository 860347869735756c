"""Alembic environment: one way to find the database, shared with the application.

A caller that already holds a connection (the CLI, the tests) passes it in
`config.attributes["connection"]`; otherwise we resolve `DATABASE_URL` or the embedded server
exactly as `querier.db` does, so `alembic upgrade head` from the repo root just works. On that
path every problem an operator can cause — a bad URL, an unreachable server, a role without
rights on the schema, a database newer than these migrations — ends the command with one
`error:` line and exit code 1, never a traceback.
"""

from __future__ import annotations

from logging.config import fileConfig

from alembic import context
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from querier.db import DatabaseConfigError, check_connection, create_engine, resolve_database
from querier.migrate import migration_failure, preflight

config = context.config
if config.config_file_name is not None and config.attributes.get("configure_logging", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)


def _run(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=None, transaction_per_migration=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    given = config.attributes.get("connection")
    if isinstance(given, Connection):
        _run(given)
        return
    try:
        target = resolve_database()
    except DatabaseConfigError as exc:
        raise SystemExit(f"error: {exc}") from None
    engine = create_engine(target.url, poolclass=NullPool)
    try:
        check_connection(engine)
        with engine.connect() as connection:
            preflight(connection)  # plain SQL: no alembic log lines before a refusal
            connection.commit()
            _run(connection)
            connection.commit()
    except DatabaseConfigError as exc:
        raise SystemExit(f"error: {exc}") from None
    except DBAPIError as exc:
        raise SystemExit(f"error: {migration_failure(exc)}") from None
    finally:
        engine.dispose()
        target.close()


if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported; run against a database")
run_migrations_online()
