"""CLI: `users create | token | list | grant-role | revoke-role` — users, their first token and
their roles, as the restricted system actor through the authorizing querier (the same role
validation and escalation checks as the API). Registered on `users_app` by `server.cli`.
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

import typer

from authz import roles
from querier.dbauthz import AuthzQuerier
from querier.errors import NotFoundError
from querier.generated.models import User, UserStatus
from server.cli import (
    DEFAULT_DAYS,
    fail,
    resolve_user,
    status,
    system_querier,
    users_app,
)
from server.cli_format import table


@users_app.command("create")
def users_create(
    email: Annotated[str, typer.Argument(help="Email address.")],
    username: Annotated[str, typer.Argument(help="Username.")],
    role: Annotated[
        list[str] | None, typer.Option("--role", "-r", help="Site role (repeatable).")
    ] = None,
    days: Annotated[int, typer.Option(help="Token lifetime in days.", min=1)] = DEFAULT_DAYS,
) -> None:
    """Create an active user and print a new API token for it (the token only, on stdout)."""
    import uuid
    from datetime import timedelta

    from server.tokens import mint_token
    from server.validation import check_email, check_username

    try:  # the API's own rule and message (server.validation)
        check_email(email)
        check_username(username)
    except ValueError as exc:
        raise fail(str(exc)) from None
    with system_querier() as q:
        user = q.insert_user(
            id=uuid.uuid4(),
            email=email,
            username=username,
            rbac_roles=tuple(role or ()),
            status=UserStatus.ACTIVE,
        )
        token, expires_at = mint_token(q, user.id, timedelta(days=days))
    status(f"created {user.username} ({user.id}); token expires {expires_at:%Y-%m-%d %H:%M} UTC")
    typer.echo(str(token))


@users_app.command("token")
def users_token(
    user: Annotated[str, typer.Argument(help="User id, username or email.")],
    days: Annotated[int, typer.Option(help="Token lifetime in days.", min=1)] = DEFAULT_DAYS,
) -> None:
    """Mint a new API token for an existing user (the token only, on stdout)."""
    from datetime import timedelta

    from server.tokens import mint_token

    with system_querier() as q:
        target = resolve_user(q, user)
        token, expires_at = mint_token(q, target.id, timedelta(days=days))
    status(f"token for {target.username} expires {expires_at:%Y-%m-%d %H:%M} UTC")
    typer.echo(str(token))


@users_app.command("list")
def users_list() -> None:
    """Every user with status and site roles."""
    with system_querier() as q:
        users: list[User] = []
        after: UUID | None = None
        while page := q.get_users(after_id=after, page_limit=500):
            users.extend(page)
            after = page[-1].id
    rows = [
        (str(u.id), u.username, u.email, u.status, ", ".join(u.rbac_roles) or "-") for u in users
    ]
    typer.echo(table(("ID", "USERNAME", "EMAIL", "STATUS", "SITE ROLES"), rows))


@users_app.command("grant-role")
def users_grant_role(
    user: Annotated[str, typer.Argument(help="User id, username or email.")],
    role: Annotated[str, typer.Argument(help="Role name, e.g. chat-access.")],
    org: Annotated[
        str | None,
        typer.Option(help="Organization id or name: grant an org role (adds membership)."),
    ] = None,
) -> None:
    """Grant a site role (or, with --org, an organization role)."""
    _change_role(user, role, org, grant=True)


@users_app.command("revoke-role")
def users_revoke_role(
    user: Annotated[str, typer.Argument(help="User id, username or email.")],
    role: Annotated[str, typer.Argument(help="Role name.")],
    org: Annotated[
        str | None, typer.Option(help="Organization id or name: revoke an org role.")
    ] = None,
) -> None:
    """Revoke a site role (or, with --org, an organization role)."""
    _change_role(user, role, org, grant=False)


def _implied(role: str, user_ref: str, org: str | None, *, grant: bool) -> str | None:
    """What to say instead of granting or revoking an implied role (None: not implied)."""
    if role == roles.MEMBER:
        if grant:
            return f"{role} is implied: every user holds it, so it is never stored; nothing to do"
        raise fail(
            f"{role} is implied for every user and cannot be revoked; to lock a user out: "
            f"dbauthz users suspend {user_ref}"
        )
    if role == roles.ORG_MEMBER:
        where = org or "ORG"
        if grant:
            return (
                f"{role} is implied by membership and never stored: to make {user_ref} a "
                f"member, dbauthz orgs members add {where} {user_ref}"
            )
        raise fail(
            f"{role} is implied by membership and cannot be revoked alone: "
            f"dbauthz orgs members remove {where} {user_ref}"
        )
    return None


def _org_id(q: AuthzQuerier, ref: str) -> UUID:
    from server.cli_lifecycle import resolve_org  # it imports this module

    return resolve_org(q, ref).id


def _change_role(user_ref: str, role: str, org: str | None, *, grant: bool) -> None:
    note = _implied(role, user_ref, org, grant=grant)
    if note is not None:
        typer.echo(note)
        return
    with system_querier() as q:
        target = resolve_user(q, user_ref)
        org_id = None if org is None else _org_id(q, org)
        if org_id is None:
            held = target.rbac_roles
        else:
            try:
                held = q.get_organization_member(organization_id=org_id, user_id=target.id).roles
            except NotFoundError:
                if not grant:
                    raise fail(f"{target.username} is not a member of {org_id}") from None
                q.insert_organization_member(
                    user_id=target.id, organization_id=org_id, roles=(role,)
                )
                typer.echo(f"added {target.username} to {org_id} with {role}")
                return
        if (role in held) == grant:
            typer.echo(f"{target.username} {'already has' if grant else 'does not have'} {role}")
            return
        new = (*held, role) if grant else tuple(r for r in held if r != role)
        if org_id is None:
            q.update_user_roles(granted_roles=new, id=target.id)
        else:
            q.update_member_roles(granted_roles=new, organization_id=org_id, user_id=target.id)
    typer.echo(
        f"{'granted' if grant else 'revoked'} {role} {'to' if grant else 'from'} {target.username}"
    )
