"""CLI: `roles list` and `explain` — what the policy holds, and why it decides as it does.

Registered on the app by `server.cli` (which imports this module last). `explain` asks the
engine about any resource type: a stored object (`--object TYPE:ID`) is the row's own
authorization object (`rbac_object()`: owner and organization from the row, as the data layer
checks writes and most reads; model-config reads are the exception, decided by `create` on a
chat in any org or `read` on `chat_model_config` in any org) — and an
object that is not stored yet (a create) or has no rows (`assign_role`, `system`…) is built
from `--owner` / `--org`. It exits 1 when the answer is DENIED, so scripts can branch on it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated
from uuid import UUID

import typer

from authz import Action, Authorizer, Object, RoleIdentifier, resources, roles
from authz.registry import CONCRETE_TYPES
from querier.dbauthz import AuthzQuerier
from querier.dbauthz.actors import InactiveUserError, load_subject
from querier.errors import NotFoundError
from server.cli import app, fail, parse_uuid, resolve_user, roles_app, system_querier
from server.cli_format import table

IMPLIED_NOTES = {
    roles.MEMBER: "implied: every user holds it; never stored or granted",
    roles.ORG_MEMBER: "implied: every member of the org holds it; never stored or granted",
}


@roles_app.command("list")
def roles_list(
    org: Annotated[
        str | None,
        typer.Option("--org", help="Also list this organization's custom roles (id or name)."),
    ] = None,
) -> None:
    """The built-in roles, site and organization level (implied ones marked); with --org, also
    that organization's custom roles and their permissions."""
    rows = []
    for level, names in (
        ("site", (*roles.site_builtin_role_names(), roles.MEMBER)),
        ("org", (*roles.org_builtin_role_names(), roles.ORG_MEMBER)),
    ):
        for name in dict.fromkeys(names):
            org_id = UUID(int=0) if level == "org" else None
            role = roles.role_by_name(RoleIdentifier(name=name, org_id=org_id))
            display = role.display_name if role is not None else name
            note = ""
            if name in IMPLIED_NOTES:
                note = IMPLIED_NOTES[name]
            elif name == roles.CHAT_ACCESS:
                note = "the API lists it with --experiments agents or --dev"
            rows.append((level, name, display, note))
    if org is not None:
        from server.cli_lifecycle import resolve_org
        from server.cli_roles import custom_rows

        with system_querier() as q:
            organization = resolve_org(q, org)
            rows += custom_rows(q.get_custom_roles_by_organization(organization_id=organization.id))
    typer.echo(table(("LEVEL", "ROLE", "DISPLAY NAME", "NOTE"), rows))


def _stored_object(q: AuthzQuerier, type_: str, ref: str) -> Object:
    """The object the data layer checks for the stored row `ref` of `type_` (one line if none)."""
    from server.cli_lifecycle import resolve_org

    fetchers: dict[str, Callable[[], Object]] = {
        "chat": lambda: q.get_chat(id=parse_uuid(ref, "a chat id")).rbac_object(),
        "user": lambda: resolve_user(q, ref).rbac_object(),
        "organization": lambda: resolve_org(q, ref).rbac_object(),
        "chat_model_config": lambda: q.get_chat_model_config(
            id=parse_uuid(ref, "a model config id")
        ).rbac_object(),
        "api_key": lambda: q.get_api_key_by_id(id=ref).rbac_object(),
        "organization_member": lambda: _member(q, ref),
        "group": lambda: _group(q, ref, roster=False),
        "group_member": lambda: _group(q, ref, roster=True),
    }
    fetch = fetchers.get(type_)
    if fetch is None:
        raise fail(
            f"{type_} has no stored rows: give --object {type_} without an id "
            f"(and --owner / --org if the check needs them)"
        )
    try:
        return fetch()
    except NotFoundError:
        raise fail(f"no {type_} {ref!r}") from None


def _group(q: AuthzQuerier, ref: str, *, roster: bool) -> Object:
    """A group (or its roster: `group_member:GROUP_ID`) by id; an organization's id is its
    implicit Everyone group (whose roster is the organization's member list)."""
    from querier.dbauthz.decide import member_object
    from querier.dbauthz.group_objects import everyone_object, roster_object

    group_id = parse_uuid(ref, "a group id")
    try:
        group = q.get_group(id=group_id)
    except NotFoundError:
        org = q.get_organization_by_id(id=group_id)  # NotFoundError: "no group …"
        return member_object(org.id) if roster else everyone_object(org.id)
    return roster_object(group.id, group.organization_id) if roster else group.rbac_object()


def _member(q: AuthzQuerier, ref: str) -> Object:
    from server.cli_lifecycle import resolve_org

    org_ref, sep, user_ref = ref.partition("/")
    if not sep:
        raise fail("an organization_member is ORG/USER, e.g. organization_member:acme/ada")
    org, user = resolve_org(q, org_ref), resolve_user(q, user_ref)
    return q.get_organization_member(organization_id=org.id, user_id=user.id).rbac_object()


@app.command()
def explain(
    user: Annotated[str, typer.Option("--user", help="Who asks: user id, username or email.")],
    action: Annotated[str, typer.Option("--action", help="create, read, update, delete…")],
    object_ref: Annotated[
        str | None,
        typer.Option(
            "--object",
            help="TYPE:ID of a stored object (owner and org from its row; users and "
            "organizations also by name, organization_member:ORG/USER), or TYPE alone for one "
            f"not stored yet. Types: {', '.join(CONCRETE_TYPES)}.",
        ),
    ] = None,
    chat: Annotated[str | None, typer.Option("--chat", help="Same as --object chat:ID.")] = None,
    owner: Annotated[
        str | None, typer.Option("--owner", help="Owner of an unstored object (user ref).")
    ] = None,
    org: Annotated[
        str | None, typer.Option("--org", help="Organization of an unstored object (id or name).")
    ] = None,
) -> None:
    """Explain whether USER may do ACTION on an object, and why; exit 1 when DENIED."""
    from server.cli_lifecycle import resolve_org

    if (object_ref is None) == (chat is None):
        raise fail("give the object: --object TYPE[:ID] (or --chat ID)")
    type_, sep, ref = (object_ref or f"chat:{chat}").partition(":")
    if type_ not in CONCRETE_TYPES:
        raise fail(f"unknown resource type {type_!r} (one of: {', '.join(CONCRETE_TYPES)})")
    actions = sorted(a.value for a in resources.REGISTRY[type_] if a is not Action.WILDCARD)
    if action not in actions:
        raise fail(f"{action!r} is not an action on {type_} (one of: {', '.join(actions)})")
    if sep and (owner is not None or org is not None):
        raise fail("--owner and --org are for an unstored object: a stored one has its own")
    authorizer = Authorizer()
    with system_querier() as q:
        target = resolve_user(q, user)
        try:
            subject = load_subject(q, target.id)
        except InactiveUserError:
            raise fail(
                f"{target.username} is suspended: every request it makes is refused"
            ) from None
        if sep:
            obj = _stored_object(q, type_, ref)
        else:
            obj = Object(type=type_)
            if owner is not None:
                obj = obj.with_owner(resolve_user(q, owner).id)
            if org is not None:
                obj = obj.in_org(resolve_org(q, org).id)
        explanation = authorizer.explain(subject, Action(action), obj)
    typer.echo(str(explanation))
    if not explanation.allowed:
        raise typer.Exit(code=1)
