"""Organization roles: the built-in ones and the organization's own (custom) roles.

Coder's paths: `GET /api/v2/organizations/{org}/members/roles` lists both, each with
`assignable` for the caller; `POST` creates and `PUT` updates a custom role there, `DELETE
.../members/roles/{name}` deletes one. Assigning goes through the member endpoint
(`PUT /organizations/{org}/members/{user}`). Every decision is the data layer's
(`querier/dbauthz/async_roles.py`): the action on `assign_org_role` in the org, then the
escalation guard (403 naming the first permission the caller lacks); a role any member holds
cannot be deleted (409 with the count). An organization the caller may not read is 404 first,
so role requests never tell which organization ids exist.

Mounted before the organizations router: `/{org}/members/roles` would otherwise be taken for
a member named `roles`.
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, HTTPException, Response
from pydantic import BaseModel, Field, StringConstraints

from authz import Action, RoleIdentifier, assignment, resources, roles
from authz.escalation import may_grant_role
from querier.dbauthz.decide import custom_role_from_row
from querier.dbauthz.guards import CustomRoleInUseError
from querier.generated.models import CustomRole
from server.context import Ctx, RequestContext
from server.routes.organizations import readable_organization
from server.schemas import MAX_ROLE_NAME_CHARS, DisplayName, RequestBody, Storable

router = APIRouter(prefix="/api/v2/organizations", tags=["roles"])

MAX_PERMISSIONS = 256
PermissionText = Annotated[str, StringConstraints(min_length=1, max_length=64), Storable]
Permissions = Annotated[
    list[PermissionText],
    Field(
        max_length=MAX_PERMISSIONS,
        description="`type:action` pairs of the registry, `*` for either (e.g. `chat:read`).",
    ),
]
CustomRoleName = Annotated[
    str, StringConstraints(min_length=1, max_length=MAX_ROLE_NAME_CHARS), Storable
]


class CustomRoleRequest(RequestBody):
    name: CustomRoleName = Field(
        description="Lower-case letters and digits joined by single hyphens; never a built-in "
        "or retired role name (400)."
    )
    display_name: DisplayName = ""
    org_permissions: Permissions = Field(
        default_factory=list, description="On every object of the organization."
    )
    member_permissions: Permissions = Field(
        default_factory=list, description="On the holder's own objects in the organization."
    )


class OrgRoleResponse(BaseModel):
    name: str
    display_name: str
    organization_id: UUID
    built_in: bool
    org_permissions: list[str] = Field(description="Custom roles only (built-in: empty).")
    member_permissions: list[str] = Field(description="Custom roles only (built-in: empty).")
    version: int = Field(description="Custom roles: bumped on every update; built-in: 0.")
    assignable: bool = Field(description="Whether the caller may assign (and unassign) it.")


GUARD_403: dict[int | str, dict[str, Any]] = {
    403: {
        "description": "The caller may not define roles here, or the role would grant a "
        "permission the caller lacks (the message names it)."
    }
}


def _may(ctx: RequestContext, action: Action, org_id: UUID) -> bool:
    return ctx.may(action, resources.ASSIGN_ORG_ROLE.in_org(org_id))


def _custom(ctx: RequestContext, row: CustomRole, may_assign: bool) -> OrgRoleResponse:
    definition = custom_role_from_row(row)
    return OrgRoleResponse(
        name=row.name,
        display_name=row.display_name,
        organization_id=row.organization_id,
        built_in=False,
        org_permissions=list(row.org_permissions),
        member_permissions=list(row.member_permissions),
        version=row.version,
        assignable=may_assign and may_grant_role(ctx.subject, definition, ctx.authorizer),
    )


@router.get(
    "/{org_id}/members/roles",
    responses={403: {"description": "The caller may not read role assignments here."}},
)
async def list_org_roles(ctx: Ctx, org_id: UUID) -> list[OrgRoleResponse]:
    """Built-in org roles, then the organization's custom roles (by name)."""
    async with ctx.transaction() as q:
        await readable_organization(q, org_id)
        custom = await q.get_custom_roles_by_organization(organization_id=org_id)
    may_assign = _may(ctx, Action.ASSIGN, org_id)
    out = []
    for name in roles.org_builtin_role_names():
        role_id = RoleIdentifier(name, org_id)
        role = roles.role_by_name(role_id)
        out.append(
            OrgRoleResponse(
                name=name,
                display_name=role.display_name if role is not None else name,
                organization_id=org_id,
                built_in=True,
                org_permissions=[],
                member_permissions=[],
                version=0,
                assignable=may_assign and assignment.can_assign_role(ctx.subject, role_id),
            )
        )
    return out + [_custom(ctx, row, may_assign) for row in custom]


@router.post(
    "/{org_id}/members/roles",
    status_code=201,
    responses={
        400: {"description": "A malformed, built-in or retired name, or a bad permission."},
        **GUARD_403,
        409: {"description": "The organization has a role with this name."},
    },
)
async def create_org_role(ctx: Ctx, org_id: UUID, body: CustomRoleRequest) -> OrgRoleResponse:
    async with ctx.transaction() as q:
        await readable_organization(q, org_id)
        row = await q.insert_custom_role(
            organization_id=org_id,
            name=body.name,
            display_name=body.display_name,
            org_permissions=tuple(body.org_permissions),
            member_permissions=tuple(body.member_permissions),
        )
    return _custom(ctx, row, _may(ctx, Action.ASSIGN, org_id))


@router.put(
    "/{org_id}/members/roles",
    responses={
        400: {"description": "A bad permission."},
        **GUARD_403,
        404: {"description": "No such organization or role, or one the caller may not read."},
    },
)
async def update_org_role(ctx: Ctx, org_id: UUID, body: CustomRoleRequest) -> OrgRoleResponse:
    """Replace the permissions and display name of the custom role `name` (bumps its version;
    in force in every server process from its next request)."""
    async with ctx.transaction() as q:
        await readable_organization(q, org_id)
        row = await q.update_custom_role(
            organization_id=org_id,
            name=body.name,
            display_name=body.display_name,
            org_permissions=tuple(body.org_permissions),
            member_permissions=tuple(body.member_permissions),
        )
    return _custom(ctx, row, _may(ctx, Action.ASSIGN, org_id))


@router.delete(
    "/{org_id}/members/roles/{name}",
    status_code=204,
    responses={
        **GUARD_403,
        404: {"description": "No such organization or role, or one the caller may not read."},
        409: {"description": "Members hold the role (the message gives the count)."},
    },
)
async def delete_org_role(ctx: Ctx, org_id: UUID, name: CustomRoleName) -> Response:
    async with ctx.transaction() as q:
        await readable_organization(q, org_id)
        try:
            await q.delete_custom_role_if_unused(organization_id=org_id, name=name)
        except CustomRoleInUseError as exc:
            raise HTTPException(409, str(exc)) from None
    return Response(status_code=204)
