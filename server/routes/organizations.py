"""Organizations and their members.

Who may add whom: adding a member needs `create` on the organization's members, **and** the
organization and the user must both be ones the caller may read — otherwise the answer is the
same 404 as for a missing id, so a member id cannot be used to probe for users or
organizations. Owners add any user to any organization; user-admins add any user to the
organizations they can read (those they belong to); organization admins add only users they can
read (themselves, with the built-in roles) and change the roles of existing members.
"""

from __future__ import annotations

import uuid
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Response

from querier.dbauthz import AsyncAuthzQuerier
from querier.errors import NotFoundError
from querier.generated.models import Organization
from server.context import Ctx
from server.errors import read_or_404
from server.routes.common import PageLimit, UserPath
from server.schemas import (
    MemberResponse,
    OrganizationCreateRequest,
    OrganizationResponse,
    RolesUpdateRequest,
)

router = APIRouter(prefix="/api/v2/organizations", tags=["organizations"])

AfterName = Annotated[
    str | None,
    Query(max_length=64, pattern=r"^[a-z0-9-]*$", description="The last name of the last page."),
]


async def readable_organization(q: AsyncAuthzQuerier, org_id: UUID) -> Organization:
    """The organization, or 404 whether it is missing or merely unreadable."""
    return await read_or_404(q.get_organization_by_id(id=org_id))


@router.get("")
async def list_organizations(
    ctx: Ctx, after_name: AfterName = None, limit: PageLimit = 50
) -> list[OrganizationResponse]:
    """The organizations the caller may read, by name (`after_name`: the last name seen)."""
    async with ctx.statements() as q:
        orgs = await q.get_organizations(after_name=after_name, page_limit=limit)
    return [OrganizationResponse.of(o) for o in orgs]


@router.post("", status_code=201, responses={403: {"description": "Only site owners may."}})
async def create_organization(ctx: Ctx, body: OrganizationCreateRequest) -> OrganizationResponse:
    async with ctx.statements() as q:
        org = await q.insert_organization(
            id=uuid.uuid4(), name=body.name, display_name=body.display_name, is_default=False
        )
    return OrganizationResponse.of(org)


@router.get("/{org_id}")
async def get_organization(ctx: Ctx, org_id: UUID) -> OrganizationResponse:
    async with ctx.statements() as q:
        return OrganizationResponse.of(await readable_organization(q, org_id))


@router.get("/{org_id}/members")
async def list_members(ctx: Ctx, org_id: UUID) -> list[MemberResponse]:
    """404 for an organization the caller may not read, even one whose members it may list
    (a user-admin): otherwise `[]` vs a list would tell which organization ids exist."""
    async with ctx.transaction() as q:
        await readable_organization(q, org_id)
        members = await read_or_404(q.get_organization_members(organization_id=org_id))
    return [MemberResponse.of(m) for m in members]


@router.put(
    "/{org_id}/members/{user}",
    responses={
        400: {"description": "An unknown role or a site role."},
        403: {"description": "The caller may not add members or assign one of the roles here."},
        404: {"description": "No such user or organization, or one the caller may not read."},
    },
)
async def put_member(
    ctx: Ctx, org_id: UUID, user: UserPath, body: RolesUpdateRequest
) -> MemberResponse:
    """Add the user to the organization with these org roles, or replace its org roles."""
    user_id = ctx.user_id(user)
    roles = tuple(body.roles)
    async with ctx.transaction() as q:
        await readable_organization(q, org_id)
        try:
            await q.get_organization_member(organization_id=org_id, user_id=user_id)
        except NotFoundError:
            # The data layer refuses an unreadable (or missing) user with the same 404.
            member = await q.insert_organization_member(
                user_id=user_id, organization_id=org_id, roles=roles
            )
        else:
            member = await q.update_member_roles(
                granted_roles=roles, organization_id=org_id, user_id=user_id
            )
    return MemberResponse.of(member)


@router.delete(
    "/{org_id}/members/{user}",
    status_code=204,
    responses={
        403: {"description": "The caller may see the member but not remove it or its roles."},
        404: {"description": "No such member, or one the caller may not read."},
    },
)
async def remove_member(ctx: Ctx, org_id: UUID, user: UserPath) -> Response:
    """Remove the membership; that unassigns each of its org roles, so each must be revocable."""
    user_id = ctx.user_id(user)
    async with ctx.transaction() as q:
        await readable_organization(q, org_id)
        await read_or_404(q.get_organization_member(organization_id=org_id, user_id=user_id))
        await q.delete_organization_member(organization_id=org_id, user_id=user_id)
    return Response(status_code=204)
