"""CLI: `dbauthz tokens create USER [--scope NAME …] [--allow TYPE:ID …] [--days N]`.

Registered on the `tokens` group of `server.cli_lifecycle` (`server.cli` imports this module
last). It mints through the same data-layer method as the API (`insert_api_key`), acting as the
restricted system — so the scope names and allow-list entries are validated the same way (an
unknown name is one `error:` line naming it), while the no-broadening guard, which compares with
the actor's own scope, never narrows the system (it is unscoped). The token is printed once, on
stdout; what it may do goes to stderr.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

import typer

from authz.token_scopes import DEFAULT_ALLOW_LIST, DEFAULT_SCOPES
from server.cli import DEFAULT_DAYS, fail, resolve_user, status, system_querier
from server.cli_lifecycle import UserRef, tokens_app
from server.settings import MAX_TOKEN_LIFETIME
from server.tokens import LifetimeError, checked_lifetime, mint_token


@tokens_app.command("create")
def tokens_create(
    user: UserRef,
    scope: Annotated[
        list[str] | None,
        typer.Option(
            "--scope",
            "-s",
            help="A scope name, e.g. chat:read or chat:use (repeatable; default: all). "
            "GET /api/v2/auth/scopes lists them.",
        ),
    ] = None,
    allow: Annotated[
        list[str] | None,
        typer.Option(
            "--allow",
            "-a",
            help="TYPE:ID the token may reach, e.g. chat:<uuid> or chat:* (repeatable; "
            "default: *:*, everything its scopes name).",
        ),
    ] = None,
    days: Annotated[
        int, typer.Option(help=f"Lifetime in days (1 to {MAX_TOKEN_LIFETIME.days}).")
    ] = DEFAULT_DAYS,
) -> None:
    """Mint a token for USER, narrowed to the given scopes and allow-list (the token only, on
    stdout, shown this once)."""
    try:
        lifetime = checked_lifetime(timedelta(days=days))
    except (LifetimeError, OverflowError):
        raise fail(f"--days must be between 1 and {MAX_TOKEN_LIFETIME.days}, got {days}") from None
    with system_querier() as q:
        target = resolve_user(q, user)
        token, expires_at = mint_token(
            q, target.id, lifetime, scope or DEFAULT_SCOPES, allow or DEFAULT_ALLOW_LIST
        )
        key = q.get_api_key_by_id(id=token.id)
    status(
        f"token {key.id} for {target.username}: scopes {', '.join(key.scopes)} on "
        f"{', '.join(key.allow_list)}; expires {expires_at:%Y-%m-%d %H:%M} UTC"
    )
    typer.echo(str(token))
