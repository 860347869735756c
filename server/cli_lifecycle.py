"""CLI: token, user-status and organization lifecycle (`tokens`, `users suspend|activate`, `orgs`).

Registered on the app by `server.cli` (which imports this module last). Like every command,
each runs as the restricted system actor through the authorizing querier, and every mistake is
one `error:` line and exit 1: `system_querier` turns querier errors (an unknown user, the last
owner, a missing membership) into that line.
"""

from __future__ import annotations

import uuid
from typing import Annotated
from uuid import UUID

import typer

from querier.dbauthz import AuthzQuerier
from querier.errors import NotFoundError
from querier.generated.models import Organization, UserStatus
from server.cli import PLAIN_HELP, app, fail, resolve_user, system_querier, users_app
from server.validation import check_org_name

tokens_app = typer.Typer(
    help="API tokens: create (scoped), list (metadata only) and revoke.",
    no_args_is_help=True,
    rich_markup_mode=PLAIN_HELP,
)
orgs_app = typer.Typer(
    help="Organizations: list, create, members.", no_args_is_help=True, rich_markup_mode=PLAIN_HELP
)
members_app = typer.Typer(
    help="Organization members: add, remove.", no_args_is_help=True, rich_markup_mode=PLAIN_HELP
)
app.add_typer(tokens_app, name="tokens")
app.add_typer(orgs_app, name="orgs")
orgs_app.add_typer(members_app, name="members")

UserRef = Annotated[str, typer.Argument(help="User id, username or email.")]
OrgRef = Annotated[str, typer.Argument(help="Organization id or name.")]
PAGE = 500


# --- tokens --------------------------------------------------------------------------------------


@tokens_app.command("list")
def tokens_list(user: UserRef) -> None:
    """The user's tokens: id, created, expires, last used, scope (never a secret or hash)."""
    with system_querier() as q:
        target = resolve_user(q, user)
        keys = q.get_api_keys_by_user_id(user_id=target.id)
    for key in keys:
        typer.echo(
            f"{key.id}  created {key.created_at:%Y-%m-%d %H:%M}  "
            f"expires {key.expires_at:%Y-%m-%d %H:%M}  last used {key.last_used:%Y-%m-%d %H:%M}"
            f"  scopes {','.join(key.scopes)} on {','.join(key.allow_list)}"
        )


@tokens_app.command("revoke")
def tokens_revoke(
    user: UserRef, key_id: Annotated[str, typer.Argument(help="The token's id.")]
) -> None:
    """Delete one of the user's tokens; it is refused from its next request on."""
    with system_querier() as q:
        target = resolve_user(q, user)
        try:
            key = q.get_api_key_by_id(id=key_id)
        except NotFoundError:
            key = None
        if key is None or key.user_id != target.id:
            raise fail(f"{target.username} has no token {key_id!r}")
        q.delete_api_key(id=key_id)
    typer.echo(f"revoked token {key_id} of {target.username}")


# --- users suspend / activate --------------------------------------------------------------------


@users_app.command("suspend")
def users_suspend(user: UserRef) -> None:
    """Suspend a user: its tokens are refused at once (never the last active owner)."""
    _set_status(user, UserStatus.SUSPENDED)


@users_app.command("activate")
def users_activate(user: UserRef) -> None:
    """Make a suspended (or dormant) user active again."""
    _set_status(user, UserStatus.ACTIVE)


def _set_status(user_ref: str, status: UserStatus) -> None:
    with system_querier() as q:
        target = resolve_user(q, user_ref)
        q.update_user_status(status=status, id=target.id)
    typer.echo(f"{target.username} is {status}")


# --- orgs ----------------------------------------------------------------------------------------


@orgs_app.command("list")
def orgs_list() -> None:
    """Every organization: id, name, display name."""
    with system_querier() as q:
        orgs: list[Organization] = []
        after: str | None = None
        while page := q.get_organizations(after_name=after, page_limit=PAGE):
            orgs.extend(page)
            after = page[-1].name
    for org in orgs:
        default = "  (default)" if org.is_default else ""
        typer.echo(f"{org.id}  {org.name:<24} {org.display_name}{default}")


@orgs_app.command("create")
def orgs_create(
    name: Annotated[str, typer.Argument(help="Lowercase letters, digits and '-'.")],
    display_name: Annotated[str, typer.Option(help="Shown in UIs.")] = "",
) -> None:
    """Create an organization; prints its id."""
    try:
        check_org_name(name)
    except ValueError as exc:
        raise fail(str(exc)) from None
    with system_querier() as q:
        org = q.insert_organization(
            id=uuid.uuid4(), name=name, display_name=display_name, is_default=False
        )
    typer.echo(str(org.id))


def resolve_org(q: AuthzQuerier, ref: str) -> Organization:
    try:
        try:
            return q.get_organization_by_id(id=UUID(ref))
        except ValueError:
            return q.get_organization_by_name(name=ref)
    except NotFoundError:
        raise fail(f"no organization {ref!r}") from None


@members_app.command("add")
def members_add(
    org: OrgRef,
    user: UserRef,
    role: Annotated[
        list[str] | None, typer.Option("--role", "-r", help="Org role (repeatable).")
    ] = None,
) -> None:
    """Add USER to ORG, with org roles if given."""
    with system_querier() as q:
        target_org, target = resolve_org(q, org), resolve_user(q, user)
        try:
            q.get_organization_member(organization_id=target_org.id, user_id=target.id)
        except NotFoundError:
            pass
        else:
            raise fail(f"{target.username} is already a member of {target_org.name}")
        q.insert_organization_member(
            user_id=target.id, organization_id=target_org.id, roles=tuple(role or ())
        )
    typer.echo(f"added {target.username} to {target_org.name}")


@members_app.command("remove")
def members_remove(org: OrgRef, user: UserRef) -> None:
    """Remove USER from ORG (which takes away its org roles there)."""
    with system_querier() as q:
        target_org, target = resolve_org(q, org), resolve_user(q, user)
        try:
            q.delete_organization_member(organization_id=target_org.id, user_id=target.id)
        except NotFoundError:
            raise fail(f"{target.username} is not a member of {target_org.name}") from None
    typer.echo(f"removed {target.username} from {target_org.name}")
