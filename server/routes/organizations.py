"""Organizations and their members."""

from __future__ import annotations

import uuid
from uuid import UUID

from fastapi import APIRouter

from querier.errors import NotFoundError
from server.context import Ctx
from server.errors import read_or_404
from server.routes.common import UserPath
from server.schemas import (
    MemberResponse,
    OrganizationCreateRequest,
    OrganizationResponse,
    RolesUpdateRequest,
)

router = APIRouter(prefix="/api/v2/organizations", tags=["organizations"])


@router.post("", status_code=201, responses={403: {"description": "Only site owners may."}})
def create_organization(ctx: Ctx, body: OrganizationCreateRequest) -> OrganizationResponse:
    with ctx.transaction() as q:
        org = q.insert_organization(
            id=uuid.uuid4(), name=body.name, display_name=body.display_name, is_default=False
        )
    return OrganizationResponse.of(org)


@router.get("/{org_id}")
def get_organization(ctx: Ctx, org_id: UUID) -> OrganizationResponse:
    with ctx.transaction() as q:
        return OrganizationResponse.of(read_or_404(lambda: q.get_organization_by_id(id=org_id)))


@router.get("/{org_id}/members")
def list_members(ctx: Ctx, org_id: UUID) -> list[MemberResponse]:
    with ctx.transaction() as q:
        members = read_or_404(lambda: q.get_organization_members(organization_id=org_id))
    return [MemberResponse.of(m) for m in members]


@router.put(
    "/{org_id}/members/{user}",
    responses={
        400: {"description": "An unknown role, a site role, or no such user/organization."},
        403: {"description": "The caller may not add members or assign one of the roles here."},
    },
)
def put_member(ctx: Ctx, org_id: UUID, user: UserPath, body: RolesUpdateRequest) -> MemberResponse:
    """Add the user to the organization with these org roles, or replace its org roles."""
    user_id = ctx.user_id(user)
    roles = tuple(body.roles)
    with ctx.transaction() as q:
        try:
            q.get_organization_member(organization_id=org_id, user_id=user_id)
        except NotFoundError:
            member = q.insert_organization_member(
                user_id=user_id, organization_id=org_id, roles=roles
            )
        else:
            member = q.update_member_roles(
                granted_roles=roles, organization_id=org_id, user_id=user_id
            )
    return MemberResponse.of(member)
