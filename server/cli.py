"""The `dbauthz` command line: serve the API, manage the database, users and roles.

Every command acts as the restricted system actor through the authorizing querier: the CLI is
the operator's tool, but it still goes through the same decisions (and role validation) as the
API. Errors a user can cause end in one line on stderr and exit code 1 — never a traceback.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Annotated
from uuid import UUID

import typer
from sqlalchemy.engine import Engine

from authz import (
    Authorizer,
    InvalidRoleError,
    NotAuthorizedError,
)
from querier.db import DATABASE_URL_ENV, DatabaseConfigError, database_engine, redact_url
from querier.dbauthz import AuthzQuerier, as_system_restricted
from querier.embedded import default_data_dir, embedded_server_running
from querier.errors import (
    ConstraintViolationError,
    NotFoundError,
    QuerierError,
    UniqueViolationError,
)
from querier.generated.models import User
from querier.generated.sql import SqlQuerier
from querier.migrate import (
    SchemaState,
    downgrade,
    head_revisions,
    migrate_to_head,
    newer_message,
    schema_state,
)
from server.cli_db_url import db_url
from server.cli_downgrade import (
    confirmed,
    downgrade_warning,
    first_line_of,
    revisions_between,
)
from server.cli_errors import OneLineErrors, terminate_like_interrupt
from server.settings import (
    DEFAULT_TOKEN_LIFETIME,
    Settings,
    SettingsError,
    chat_sharing_from_env,
    parse_experiments,
)

PLAIN_HELP = None
"""`rich_markup_mode` of every command group: plain help. Typer's rich help shows each flag
(`--dev`, `--demo`, `--yes`) as taking a `<bool>` value that the flag in fact refuses."""

app = typer.Typer(
    cls=OneLineErrors,
    help="dbauthz: authorization in the data layer.",
    no_args_is_help=True,
    rich_markup_mode=PLAIN_HELP,
)
db_app = typer.Typer(
    help="Database schema: migrate, downgrade, status, url.",
    no_args_is_help=True,
    rich_markup_mode=PLAIN_HELP,
)
users_app = typer.Typer(
    help="Users: create, list, grant and revoke roles, mint tokens.",
    no_args_is_help=True,
    rich_markup_mode=PLAIN_HELP,
)
roles_app = typer.Typer(
    help="Built-in and custom organization roles.",
    no_args_is_help=True,
    rich_markup_mode=PLAIN_HELP,
)
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")
app.add_typer(roles_app, name="roles")

DEFAULT_DAYS = DEFAULT_TOKEN_LIFETIME.days


def fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code=1)


def status(message: str) -> None:
    typer.echo(message, err=True)


@contextmanager
def engine_or_exit() -> Iterator[Engine]:
    """The configured database; user-caused problems become one line and exit 1."""
    if embedded():
        if embedded_server_running(default_data_dir()):
            status("attaching to the running embedded database…")
        else:
            status("starting the embedded database…")
    try:
        with database_engine() as engine:
            yield engine
    except (DatabaseConfigError, QuerierError) as exc:
        raise fail(str(exc)) from None


@contextmanager
def system_querier() -> Iterator[AuthzQuerier]:
    """One transaction on the configured database, as the restricted system actor.

    The decisions the querier makes are still the user's to hear about: unknown roles, denials
    and constraint violations become one line each.
    """
    with engine_or_exit() as engine:
        require_head(engine)
        try:
            sharing = chat_sharing_from_env()  # the kill switch holds for the CLI too
        except SettingsError as exc:
            raise fail(str(exc)) from None
        with engine.begin() as conn, as_system_restricted():
            try:
                yield AuthzQuerier(SqlQuerier(conn), Authorizer(), chat_sharing=sharing)
            except InvalidRoleError as exc:
                raise fail(str(exc)) from None
            except NotAuthorizedError as exc:
                raise fail(f"not allowed: {exc}") from None
            except UniqueViolationError as exc:
                raise fail(f"already exists ({exc.constraint or 'unique constraint'})") from None
            except ConstraintViolationError as exc:
                raise fail(f"invalid data ({exc.constraint or exc.detail})") from None


BEHIND_HEAD = "the schema is behind head; run `dbauthz db migrate`"
MIGRATE_ENV = "DBAUTHZ_MIGRATE"


def require_head(engine: Engine, hint: str = "") -> None:
    """Commands that read or write data refuse a schema behind head or newer (one line, exit 1)."""
    state, current = schema_state(engine)
    if state is SchemaState.NEWER:
        raise fail(newer_message(current))
    if state is SchemaState.BEHIND:
        raise fail(BEHIND_HEAD + hint)


def embedded() -> bool:
    """No `DATABASE_URL`: the CLI starts (and stops) the embedded server."""
    return not os.environ.get(DATABASE_URL_ENV)


def migrate_on_start(flag: bool | None) -> bool:
    """`--migrate/--no-migrate`, else `DBAUTHZ_MIGRATE`, else migrate only the embedded database.

    An external database is migrated deliberately (`dbauthz db migrate`, as the role that owns
    the schema); a server started with a least-privilege role could not migrate anyway.
    """
    if flag is not None:
        return flag
    raw = os.environ.get(MIGRATE_ENV, "").strip().lower()
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    if raw:
        raise fail(f"{MIGRATE_ENV} must be 1 or 0, got {raw!r}")
    return embedded()


def resolve_user(q: AuthzQuerier, ref: str) -> User:
    """A user by id, username or email."""
    try:
        try:
            return q.get_user_by_id(id=UUID(ref))
        except ValueError:
            return q.get_user_by_email_or_username(email=ref, username=ref)
    except NotFoundError:
        raise fail(f"no user {ref!r}") from None


def parse_uuid(value: str, what: str) -> UUID:
    try:
        return UUID(value)
    except ValueError:
        raise fail(f"{what} must be a UUID, got {value!r}") from None


# --- serve ---------------------------------------------------------------------------------------


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.", min=0, max=65535)] = 8080,
    experiments: Annotated[
        str, typer.Option(help="Comma-separated experiments to enable, e.g. `agents`.")
    ] = "",
    dev: Annotated[
        bool, typer.Option("--dev", help="Development mode: every experiment on.")
    ] = False,
    demo: Annotated[
        bool, typer.Option("--demo", help="Seed demo users and chats; print their tokens.")
    ] = False,
    migrate: Annotated[
        bool | None,
        typer.Option(
            "--migrate/--no-migrate",
            help="Migrate to head on start, or refuse a schema behind head. Default: "
            f"${MIGRATE_ENV}, else migrate the embedded database only.",
        ),
    ] = None,
    workers: Annotated[
        int,
        typer.Option(
            help="Worker processes (1: serve in this process; use the CPU count in production).",
            min=1,
            max=64,
        ),
    ] = 1,
    access_log: Annotated[
        bool, typer.Option("--access-log", help="Log one line per request.")
    ] = False,
    http_stack: Annotated[
        str, typer.Option(hidden=True, help="fast (uvloop + httptools) or basic (asyncio + h11).")
    ] = "fast",
    disable_chat_sharing: Annotated[
        bool,
        typer.Option(
            "--disable-chat-sharing",
            help="Kill switch: ACL writes answer 403, stored chat ACLs grant nothing, lists "
            "ignore shared=. Default: $DBAUTHZ_DISABLE_CHAT_SHARING.",
        ),
    ] = False,
) -> None:
    """Start the database (embedded unless DATABASE_URL is set), migrate it if allowed, serve."""
    from server.demo import DemoRefusedError, seed_demo
    from server.serving import ServeOptions, closing_all, listen, run_server

    try:
        settings = Settings(experiments=parse_experiments(experiments), dev=dev)
        if disable_chat_sharing:
            settings = replace(settings, chat_sharing=False)
    except SettingsError as exc:  # an unknown experiment, a bad DBAUTHZ_MAX_* value
        raise fail(str(exc)) from None
    try:
        options = ServeOptions.parse(workers, access_log, http_stack)
    except ValueError as exc:
        raise fail(str(exc)) from None
    auto_migrate = migrate_on_start(migrate)
    try:  # before the database: a busy port fails fast
        listeners = listen(host, port, options.workers)
    except OSError as exc:
        raise fail(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    with closing_all(listeners), engine_or_exit() as engine:
        if auto_migrate:
            if migrate_to_head(engine):
                status("migrated to head")
        else:
            require_head(engine, hint=" (as the schema owner), or start with --migrate")
        authorizer = Authorizer()
        if demo:
            status("seeding demo data…")
            try:
                world = seed_demo(engine, authorizer, settings.token_lifetime)
            except DemoRefusedError as exc:
                raise fail(str(exc)) from None
            typer.echo(f"demo organization {world.organization.name} ({world.organization.id})")
            for user in world.users:
                typer.echo(f"  {user.username:<10} {user.token}   # {user.description}")
        bound_port = listeners[0].getsockname()[1]
        typer.echo(f"listening on http://{host}:{bound_port}  (API docs: /docs; Ctrl-C to stop)")
        run_server(listeners, engine, settings, authorizer, options)
        if embedded():
            status("stopping the database…")


# --- db ------------------------------------------------------------------------------------------


@db_app.command("migrate")
def db_migrate() -> None:
    """Upgrade the schema to the latest revision."""
    with engine_or_exit() as engine:
        migrated = migrate_to_head(engine)
        head = ", ".join(head_revisions())
        typer.echo(f"at {head} (head)" + ("" if migrated else "; nothing to do"))


@db_app.command("downgrade")
def db_downgrade(
    revision: Annotated[str, typer.Argument(help="Target revision, e.g. 0003 or base.")],
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="Do not ask: drop what the downgrade drops.")
    ] = False,
) -> None:
    """Downgrade the schema to REVISION; says what is lost and asks first (unless --yes)."""
    with engine_or_exit() as engine:
        state, current = schema_state(engine)
        if state is SchemaState.NEWER:
            raise fail(newer_message(current))
        try:
            undone = revisions_between(current, revision)
        except Exception as exc:  # alembic reports unknown revisions with its own errors
            raise fail(f"cannot downgrade to {revision!r}: {first_line_of(exc)}") from None
        if not undone:
            typer.echo(f"at {', '.join(current) or 'base'}; nothing to do")
            return
        status(downgrade_warning(revision, undone))
        if not yes and not confirmed("Downgrade?"):
            raise fail("not downgraded (nothing changed; --yes skips the question)")
        try:
            downgrade(engine, revision)
        except Exception as exc:
            raise fail(f"cannot downgrade to {revision!r}: {first_line_of(exc)}") from None
        typer.echo(f"at {', '.join(schema_state(engine)[1]) or 'base'}")


@db_app.command("status")
def db_status() -> None:
    """Show the server, the current and head revisions."""
    with engine_or_exit() as engine:
        state, current = schema_state(engine)
        where = "embedded" if embedded() else DATABASE_URL_ENV
        typer.echo(f"server:  {redact_url(engine.url)} ({where})")
        typer.echo(f"current: {', '.join(current) or 'base'}")
        typer.echo(f"head:    {', '.join(head_revisions())}")
    if state is SchemaState.NEWER:
        raise fail(newer_message(current))
    if state is SchemaState.BEHIND:
        raise fail(BEHIND_HEAD)


def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    terminate_like_interrupt()
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)


# Last: these modules add their command groups to `app` and `users_app` defined above.
db_app.command("url")(db_url)  # defined in server/cli_db_url.py
# cli_users first: `users --help` lists its commands before cli_lifecycle's.
from server import cli_users  # noqa: E402, F401, I001

from server import (  # noqa: E402, F401
    cli_groups,
    cli_inspect,
    cli_lifecycle,
    cli_roles,
    cli_sharing,
    cli_tokens,
)
