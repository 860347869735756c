"""`dbauthz db url`: the URL of the database the other commands use, for psql and scripts.

Registered on the `db` group by `server.cli`. It prints a libpq URI (`postgresql://…`), which
psql takes as is and `DATABASE_URL` accepts too; the password is shown as `***` unless
`--show-password`. For the embedded PostgreSQL the URL works while a dbauthz process (e.g.
`dbauthz serve`) keeps the server running: when none was, this command started it only to
read where it listens, and says so on stderr.
"""

from __future__ import annotations

import os
from typing import Annotated
from urllib.parse import unquote

import psutil
import typer
from sqlalchemy.engine import URL

from querier.db import DATABASE_URL_ENV, DatabaseConfigError, parse_database_url, resolve_database
from querier.embedded import EmbeddedPostgres, default_data_dir


def libpq_url(url: URL, *, show_password: bool) -> str:
    """`postgresql://…`: the form psql and libpq take (no `+psycopg` driver suffix).

    The query part (the embedded server's socket folder) is left readable: libpq takes
    `host=/tmp/…` as well as `host=%2Ftmp%2F…`."""
    text = url.set(drivername="postgresql").render_as_string(hide_password=not show_password)
    base, sep, query = text.partition("?")
    return base + sep + unquote(query)


def embedded_server_running() -> bool:
    """Is a postmaster alive on the default data dir (so the URL will keep working)?"""
    pid_file = EmbeddedPostgres(default_data_dir()).pgdata / "postmaster.pid"
    try:
        pid = int(pid_file.read_text().split("\n", 1)[0])
    except (OSError, ValueError):
        return False
    return psutil.pid_exists(pid)


def db_url(
    show_password: Annotated[
        bool, typer.Option("--show-password", help="Print the password instead of ***.")
    ] = False,
) -> None:
    """Print the database URL (DATABASE_URL, or the embedded PostgreSQL's) for psql and scripts."""
    try:
        raw = os.environ.get(DATABASE_URL_ENV)
        if raw:
            typer.echo(libpq_url(parse_database_url(raw), show_password=show_password))
            return
        was_running = embedded_server_running()
        target = resolve_database()
        try:
            typer.echo(libpq_url(target.url, show_password=show_password))
        finally:
            target.close()
    except DatabaseConfigError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(code=1) from None
    if not was_running:
        typer.echo(
            "note: the embedded PostgreSQL is not running now; the URL works while "
            "`dbauthz serve` (or another dbauthz process) runs",
            err=True,
        )
