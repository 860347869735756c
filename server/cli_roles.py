"""CLI: `roles list --org ORG`, `roles create ORG NAME --perm …`, `roles delete ORG NAME`.

Custom organization roles, through the authorizing querier like every CLI command (as the
restricted system actor, which may do everything, so the escalation guard always passes here;
the same methods refuse an API caller who lacks a permission the role would grant). Registered
on the app by `server.cli` (imported last).
"""

from __future__ import annotations

from typing import Annotated

import typer

from querier.generated.models import CustomRole
from server.cli import fail, roles_app, system_querier

OrgArg = Annotated[str, typer.Argument(help="Organization id or name.")]
NameArg = Annotated[str, typer.Argument(help="Role name: lower-case letters, digits, hyphens.")]


def custom_rows(roles: list[CustomRole]) -> list[tuple[str, str, str, str]]:
    """`roles list --org` rows for the organization's custom roles."""
    return [
        (
            "org",
            r.name,
            r.display_name or r.name,
            f"custom v{r.version}: org {','.join(r.org_permissions) or '-'}; "
            f"member {','.join(r.member_permissions) or '-'}",
        )
        for r in roles
    ]


@roles_app.command("create")
def roles_create(
    org: OrgArg,
    name: NameArg,
    perm: Annotated[
        list[str] | None,
        typer.Option("--perm", help="An org-level permission TYPE:ACTION (repeat it)."),
    ] = None,
    member_perm: Annotated[
        list[str] | None,
        typer.Option("--member-perm", help="A permission on the holder's own objects (repeat it)."),
    ] = None,
    display_name: Annotated[str, typer.Option("--display-name")] = "",
) -> None:
    """Define a custom role of ORG (assign it with `users grant-role USER NAME --org ORG`)."""
    from server.cli_lifecycle import resolve_org

    if not perm and not member_perm:
        raise fail("give at least one --perm TYPE:ACTION (or --member-perm)")
    with system_querier() as q:
        organization = resolve_org(q, org)
        row = q.insert_custom_role(
            organization_id=organization.id,
            name=name,
            display_name=display_name,
            org_permissions=tuple(perm or ()),
            member_permissions=tuple(member_perm or ()),
        )
    typer.echo(
        f"created role {row.name} in {organization.name}: "
        f"{', '.join(row.org_permissions) or '-'} "
        f"(member: {', '.join(row.member_permissions) or '-'})"
    )


@roles_app.command("delete")
def roles_delete(org: OrgArg, name: NameArg) -> None:
    """Delete a custom role of ORG; refused while any member holds it."""
    from querier.errors import NotFoundError
    from server.cli_lifecycle import resolve_org

    with system_querier() as q:
        organization = resolve_org(q, org)
        try:
            q.delete_custom_role_if_unused(organization_id=organization.id, name=name)
        except NotFoundError:
            raise fail(f"no custom role {name!r} in {organization.name}") from None
    typer.echo(f"deleted role {name} of {organization.name}")
