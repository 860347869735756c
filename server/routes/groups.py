"""Groups of an organization (#13), on Coder's paths.

`GET/POST /api/v2/organizations/{org}/groups`, `GET/PATCH/DELETE /api/v2/groups/{group}`.
Every decision is the data layer's (`querier/dbauthz/async_groups.py`, objects in
`querier/dbauthz/group_objects.py`): a group its caller may not read is the 404 of a missing
one; a write it may not do is 403; a PATCH is one transaction (a rename and every addition and
removal land together or not at all). Adding a user who is unknown, not readable or not a
member of the organization is 400, with one text for the three.

The organization's *Everyone* group (id = the organization's id) is never stored: it is listed
first for whoever may read it (every member of the organization), `GET` shows it, and any write
to it is 403 — it is implicit and never editable.
"""

from __future__ import annotations

import uuid
from typing import Any
from uuid import UUID

from fastapi import APIRouter, HTTPException, Response

from authz import Action, NotAuthorizedError
from querier.dbauthz import AsyncAuthzQuerier
from querier.dbauthz.decide import member_object
from querier.dbauthz.group_objects import (
    EVERYONE_DISPLAY_NAME,
    EVERYONE_NAME,
    EveryoneGroupError,
    GroupMembersRefusedError,
    everyone_object,
    roster_object,
)
from querier.errors import NotFoundError
from querier.generated.models import Group, Organization
from server.context import Ctx, RequestContext
from server.errors import ResourceHiddenError, read_or_404
from server.routes.organizations import readable_organization
from server.schemas_groups import GroupCreateRequest, GroupPatchRequest, GroupResponse

router = APIRouter(prefix="/api/v2", tags=["groups"])

NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such group, or one the caller may not read: the same answer."}
}


def _stored(row: Group, members: list[UUID] | None = None) -> GroupResponse:
    return GroupResponse(
        id=row.id,
        organization_id=row.organization_id,
        name=row.name,
        display_name=row.display_name,
        everyone=False,
        created_at=row.created_at,
        members=members,
    )


def _everyone(org: Organization, members: list[UUID] | None = None) -> GroupResponse:
    return GroupResponse(
        id=org.id,
        organization_id=org.id,
        name=EVERYONE_NAME,
        display_name=EVERYONE_DISPLAY_NAME,
        everyone=True,
        created_at=org.created_at,
        members=members,
    )


async def _everyone_group(
    ctx: RequestContext, q: AsyncAuthzQuerier, group_id: UUID
) -> Organization:
    """The organization whose Everyone group `group_id` is, if the caller may read that group;
    otherwise the 404 of a missing group."""
    org = await read_or_404(q.get_organization_by_id(id=group_id))
    if not ctx.may(Action.READ, everyone_object(org.id)):
        raise ResourceHiddenError()
    return org


async def _group_or_everyone(
    ctx: RequestContext, q: AsyncAuthzQuerier, group_id: UUID, *, lock: bool
) -> Group | Organization:
    """The stored group (locked for a write), else the Everyone group's organization."""
    try:
        if lock:
            return await q.get_group_for_update(id=group_id)
        return await q.get_group(id=group_id)
    except NotAuthorizedError:
        # An unknown id goes on to the Everyone lookup below; so does an unreadable group,
        # which no organization's id is: the same statements, the same 404 (no oracle).
        await _everyone_group(ctx, q, group_id)
        raise ResourceHiddenError() from None
    except NotFoundError:
        return await _everyone_group(ctx, q, group_id)


async def _members(
    ctx: RequestContext, q: AsyncAuthzQuerier, group: Group | Organization
) -> list[UUID] | None:
    """The roster, when the caller may read it (else None: the group is shown without it)."""
    if isinstance(group, Group):
        if not ctx.may(Action.READ, roster_object(group.id, group.organization_id)):
            return None
        rows = await q.get_group_members(group_id=group.id, organization_id=group.organization_id)
        return [r.user_id for r in rows]
    if not ctx.may(Action.READ, member_object(group.id)):
        return None
    return [m.user_id for m in await q.get_organization_members(organization_id=group.id)]


def _read_only(ctx: RequestContext, action: Action, org: Organization) -> HTTPException:
    """403 with the reason (the caller can read the group; nobody may change it)."""
    return HTTPException(403, str(EveryoneGroupError(ctx.subject, action, org.id)))


def _response(group: Group | Organization, members: list[UUID] | None) -> GroupResponse:
    return _stored(group, members) if isinstance(group, Group) else _everyone(group, members)


@router.get(
    "/organizations/{org_id}/groups",
    responses={404: {"description": "No such organization, or one the caller may not read."}},
)
async def list_groups(ctx: Ctx, org_id: UUID) -> list[GroupResponse]:
    """The organization's groups the caller may read (filtered in SQL): the Everyone group
    first (for its members and whoever reads every group there), then by name. `members` is
    null here; `GET /groups/{id}` has it."""
    async with ctx.transaction() as q:
        org = await readable_organization(q, org_id)
        rows = await q.get_groups_by_organization(organization_id=org_id)
    everyone = [_everyone(org)] if ctx.may(Action.READ, everyone_object(org_id)) else []
    return everyone + [_stored(r) for r in rows]


@router.post(
    "/organizations/{org_id}/groups",
    status_code=201,
    responses={
        403: {"description": "The caller may not create groups here (organization admins may)."},
        404: {"description": "No such organization, or one the caller may not read."},
        409: {
            "description": "The organization has a group with this name (`everyone` is "
            "always taken, by the implicit Everyone group)."
        },
    },
)
async def create_group(ctx: Ctx, org_id: UUID, body: GroupCreateRequest) -> GroupResponse:
    async with ctx.transaction() as q:
        await readable_organization(q, org_id)
        row = await q.insert_group(
            id=uuid.uuid4(), organization_id=org_id, name=body.name, display_name=body.display_name
        )
    return _stored(row, [])


@router.get("/groups/{group_id}", responses=NOT_FOUND)
async def get_group(ctx: Ctx, group_id: UUID) -> GroupResponse:
    """One group, with its members when the caller may read them."""
    async with ctx.transaction() as q:
        group = await _group_or_everyone(ctx, q, group_id, lock=False)
        return _response(group, await _members(ctx, q, group))


@router.patch(
    "/groups/{group_id}",
    responses={
        400: {
            "description": "A user to add is unknown, not readable or not a member of the "
            "organization (one text for all three), or a user is both added and removed."
        },
        403: {
            "description": "The caller may read the group but not do this (renaming needs "
            "update on the group, adding and removing create / delete on its roster), or "
            "it is the Everyone group, which is never editable."
        },
        **NOT_FOUND,
        409: {"description": "The organization has a group with the new name."},
    },
)
async def patch_group(ctx: Ctx, group_id: UUID, body: GroupPatchRequest) -> GroupResponse:
    """Rename, change the display name, add and remove members: one transaction."""
    both = set(body.add_users) & set(body.remove_users)
    if both:
        raise HTTPException(400, f"{len(both)} user(s) are both in add_users and remove_users")
    async with ctx.transaction() as q:
        group = await _group_or_everyone(ctx, q, group_id, lock=True)
        if not isinstance(group, Group):
            raise _read_only(ctx, Action.UPDATE, group)
        if body.name is not None or body.display_name is not None:
            group = await q.update_group(
                id=group.id, name=body.name, display_name=body.display_name
            )
        if body.add_users:
            try:
                await q.insert_group_members(
                    group_id=group.id,
                    organization_id=group.organization_id,
                    user_ids=tuple(body.add_users),
                )
            except GroupMembersRefusedError as exc:
                raise HTTPException(400, str(exc)) from None
        if body.remove_users:
            await q.delete_group_members(
                group_id=group.id,
                organization_id=group.organization_id,
                user_ids=tuple(body.remove_users),
            )
        return _stored(group, await _members(ctx, q, group))


@router.delete(
    "/groups/{group_id}",
    status_code=204,
    responses={
        403: {
            "description": "The caller may read the group but not delete it, or it is the "
            "Everyone group, which is never deleted."
        },
        **NOT_FOUND,
    },
)
async def delete_group(ctx: Ctx, group_id: UUID) -> Response:
    """Delete the group and its roster (members lose what it gave them from their next
    request on)."""
    async with ctx.transaction() as q:
        group = await _group_or_everyone(ctx, q, group_id, lock=True)
        if not isinstance(group, Group):
            raise _read_only(ctx, Action.DELETE, group)
        await q.delete_group(id=group.id)
    return Response(status_code=204)
