"""CLI: `groups list ORG | create ORG NAME | add ORG GROUP USER… | remove ORG GROUP USER… |
delete ORG GROUP` (#13).

Like every command, through the authorizing querier as the restricted system actor, in one
transaction: `add` adds every user or none (a user who is not a member of ORG refuses the
whole command), `remove` removes them together. GROUP is the group's name or id within ORG;
`everyone` (or ORG's id) is the implicit Everyone group: listed, never changed. Every mistake
is one `error:` line and exit 1. Registered on the app by `server.cli` (imported last).
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

import typer

from querier.dbauthz import AuthzQuerier
from querier.dbauthz.group_objects import (
    EVERYONE_NAME,
    MAX_ROSTER_CHANGE,
    GroupMembersRefusedError,
)
from querier.errors import NotFoundError
from querier.generated.models import Group, Organization
from server.cli import PLAIN_HELP, app, fail, resolve_user, system_querier
from server.validation import check_group_name

groups_app = typer.Typer(
    help="Groups of an organization: list, create, add and remove members, delete.",
    no_args_is_help=True,
    rich_markup_mode=PLAIN_HELP,
)
app.add_typer(groups_app, name="groups")

OrgArg = Annotated[str, typer.Argument(help="Organization id or name.")]
GroupArg = Annotated[str, typer.Argument(help="Group name or id (in ORG).")]
UsersArg = Annotated[list[str], typer.Argument(help="Users: id, username or email (1 or more).")]

EVERYONE_READ_ONLY = (
    "the Everyone group is implicit (every member of the organization is in it) and cannot be "
    "changed or deleted; use `dbauthz orgs members add|remove` instead"
)


def _org(q: AuthzQuerier, ref: str) -> Organization:
    from server.cli_lifecycle import resolve_org

    return resolve_org(q, ref)


def _group(q: AuthzQuerier, org: Organization, ref: str) -> Group:
    """The stored group `ref` (name or id) of `org`; the Everyone group and unknown names fail."""
    if ref == EVERYONE_NAME or ref == str(org.id):
        raise fail(EVERYONE_READ_ONLY)
    try:
        group = q.get_group(id=UUID(ref))
    except ValueError:
        found = [g for g in q.get_groups_by_organization(organization_id=org.id) if g.name == ref]
        if not found:
            raise fail(f"no group {ref!r} in {org.name}") from None
        return found[0]
    except NotFoundError:
        raise fail(f"no group {ref!r} in {org.name}") from None
    if group.organization_id != org.id:
        raise fail(f"no group {ref!r} in {org.name}")
    return group


def _users(q: AuthzQuerier, refs: list[str]) -> tuple[UUID, ...]:
    if len(refs) > MAX_ROSTER_CHANGE:
        raise fail(f"at most {MAX_ROSTER_CHANGE} users at a time, got {len(refs)}")
    return tuple(dict.fromkeys(resolve_user(q, ref).id for ref in refs))


@groups_app.command("list")
def groups_list(org: OrgArg) -> None:
    """ORG's groups: id, name, display name, number of members (the Everyone group first)."""
    with system_querier() as q:
        organization = _org(q, org)
        everyone = len(q.get_organization_members(organization_id=organization.id))
        rows = [
            (g, len(q.get_group_members(group_id=g.id, organization_id=organization.id)))
            for g in q.get_groups_by_organization(organization_id=organization.id)
        ]
    typer.echo(f"{organization.id}  {EVERYONE_NAME}  (implicit: every member)  {everyone} members")
    for group, count in rows:
        typer.echo(f"{group.id}  {group.name}  {group.display_name or '-'}  {count} members")


@groups_app.command("create")
def groups_create(
    org: OrgArg,
    name: Annotated[str, typer.Argument(help="Lowercase letters, digits and '-'.")],
    display_name: Annotated[str, typer.Option("--display-name")] = "",
) -> None:
    """Create a group in ORG (`everyone` is taken by the implicit Everyone group)."""
    import uuid

    try:
        check_group_name(name)
    except ValueError as exc:
        raise fail(str(exc)) from None
    with system_querier() as q:
        organization = _org(q, org)
        row = q.insert_group(
            id=uuid.uuid4(),
            organization_id=organization.id,
            name=name,
            display_name=display_name,
        )
    typer.echo(f"created group {row.name} in {organization.name}: {row.id}")


@groups_app.command("add")
def groups_add(org: OrgArg, group: GroupArg, users: UsersArg) -> None:
    """Add users (each must be a member of ORG; otherwise nothing is added)."""
    with system_querier() as q:
        organization = _org(q, org)
        target = _group(q, organization, group)
        ids = _users(q, users)
        try:
            added = q.insert_group_members(
                group_id=target.id, organization_id=organization.id, user_ids=ids
            )
        except GroupMembersRefusedError as exc:
            raise fail(str(exc)) from None
    skipped = len(ids) - len(added)
    note = f" ({skipped} already in it)" if skipped else ""
    typer.echo(f"added {len(added)} user(s) to {target.name}{note}")


@groups_app.command("remove")
def groups_remove(org: OrgArg, group: GroupArg, users: UsersArg) -> None:
    """Remove users from the group (users not in it are ignored)."""
    with system_querier() as q:
        organization = _org(q, org)
        target = _group(q, organization, group)
        removed = q.delete_group_members(
            group_id=target.id, organization_id=organization.id, user_ids=_users(q, users)
        )
    typer.echo(f"removed {removed} user(s) from {target.name}")


@groups_app.command("delete")
def groups_delete(org: OrgArg, group: GroupArg) -> None:
    """Delete the group and its roster."""
    with system_querier() as q:
        organization = _org(q, org)
        target = _group(q, organization, group)
        q.delete_group(id=target.id)
    typer.echo(f"deleted group {target.name} of {organization.name}")
