"""How the `dbauthz` CLI ends when something goes wrong: one `error:` line, exit code 1.

`OneLineErrors` is the command group class of the CLI: it wraps every command (subcommands
included, and under typer's `CliRunner` too), so an error nobody anticipated — a date out of range
from `--days 3000000`, a database that went away mid-command — is still one line, not a
traceback. Usage errors stay click's (exit 2, no traceback). `DBAUTHZ_DEBUG=1` shows the traceback
of an unexpected error for a developer.

`terminate_like_interrupt` makes SIGTERM (what `kill`, docker and systemd send) behave like
Ctrl-C, so the same clean-up runs — above all, stopping the embedded PostgreSQL.
"""

from __future__ import annotations

import os
import signal
import traceback
from types import FrameType
from typing import Any

import typer
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from typer._click.core import Context  # typer 0.29 vendors click; its Context type
from typer.core import TyperGroup
from typer.exceptions import TyperException

from querier.db import DatabaseConfigError, first_line
from querier.errors import QuerierError

DEBUG_ENV = "DBAUTHZ_DEBUG"


def one_line(exc: BaseException) -> str:
    """What went wrong, in one line, without SQL or bound values."""
    if isinstance(exc, DatabaseConfigError | QuerierError):
        text = str(exc)
    elif isinstance(exc, DBAPIError):
        text = f"database error: {first_line(exc)}"
    elif isinstance(exc, SQLAlchemyError):
        text = f"database error: {type(exc).__name__}"
    elif isinstance(exc, OverflowError):
        text = f"a value is out of range ({exc})"
    elif isinstance(exc, ValueError | OSError):
        text = str(exc) or type(exc).__name__
    else:
        text = f"unexpected {type(exc).__name__}: {exc} (set {DEBUG_ENV}=1 for details)"
    lines = text.strip().splitlines()
    return lines[0] if lines else type(exc).__name__


class OneLineErrors(TyperGroup):
    """A typer group whose commands never end in a traceback."""

    def invoke(self, ctx: Context) -> Any:
        try:
            return super().invoke(ctx)
        except (TyperException, typer.Exit, typer.Abort):  # usage errors, exits: typer's own
            raise
        except Exception as exc:
            if os.environ.get(DEBUG_ENV):
                traceback.print_exc()
            typer.echo(f"error: {one_line(exc)}", err=True)
            raise typer.Exit(code=1) from None


def _interrupt(_signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def terminate_like_interrupt() -> None:
    """SIGTERM raises KeyboardInterrupt, as Ctrl-C does (main thread only)."""
    signal.signal(signal.SIGTERM, _interrupt)
