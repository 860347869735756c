"""Users: their site roles and their status (suspend / activate).

A change that would leave no owner able to act — removing `owner` from the last one, or
suspending it — is refused by the data layer (`LastOwnerError`) and answered 409.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from uuid import UUID

from fastapi import APIRouter, HTTPException

from authz import Action, RoleIdentifier, assignment, resources, roles
from querier.dbauthz.guards import LastOwnerError
from querier.generated.models import User, UserStatus
from server.context import Ctx
from server.errors import read_or_404
from server.routes.common import PageLimit, UserPath
from server.schemas import RoleResponse, RolesUpdateRequest, UserCreateRequest, UserResponse
from server.settings import AGENTS_EXPERIMENT, Settings

router = APIRouter(prefix="/api/v2/users", tags=["users"])


def listed_site_roles(settings: Settings) -> list[str]:
    """Built-in site roles to offer; `chat-access` only with the agents experiment (or dev)."""
    names = list(roles.site_builtin_role_names())
    if not settings.experiment_enabled(AGENTS_EXPERIMENT):
        names = [name for name in names if name != roles.CHAT_ACCESS]
    return names


@router.get("/roles", responses={403: {"description": "The caller may not read role assignments."}})
async def assignable_site_roles(ctx: Ctx) -> list[RoleResponse]:
    """Site roles, each with whether the caller may assign it."""
    ctx.authorize(Action.READ, resources.ASSIGN_ROLE)
    result = []
    for name in listed_site_roles(ctx.settings):
        role_id = RoleIdentifier(name=name)
        role = roles.role_by_name(role_id)
        result.append(
            RoleResponse(
                name=name,
                display_name=role.display_name if role is not None else name,
                assignable=assignment.can_assign_role(ctx.subject, role_id),
            )
        )
    return result


@router.get("")
async def list_users(
    ctx: Ctx, after_id: UUID | None = None, limit: PageLimit = 25
) -> list[UserResponse]:
    """The users the caller may read, in creation order."""
    async with ctx.statements() as q:
        # An unreadable cursor and a missing one answer alike (404): no existence oracle.
        users = await read_or_404(q.get_users(after_id=after_id, page_limit=limit))
    return [UserResponse.of(u) for u in users]


@router.post("", status_code=201, responses={403: {"description": "The caller may not."}})
async def create_user(ctx: Ctx, body: UserCreateRequest) -> UserResponse:
    """Create an active user with the given site roles (each must be assignable by the caller)."""
    async with ctx.statements() as q:
        user = await q.insert_user(
            id=uuid.uuid4(),
            email=body.email,
            username=body.username,
            rbac_roles=tuple(body.roles),
            status=UserStatus.ACTIVE,
        )
    return UserResponse.of(user)


@router.get("/me")
async def get_me(ctx: Ctx) -> UserResponse:
    return await get_user(ctx, ctx.subject.id)


@router.get("/{user}")
async def get_user(ctx: Ctx, user: UserPath) -> UserResponse:
    user_id = ctx.user_id(user)
    async with ctx.statements() as q:
        return UserResponse.of(await read_or_404(q.get_user_by_id(id=user_id)))


LAST_OWNER_RESPONSE: dict[int | str, dict[str, str]] = {
    409: {"description": "It would leave no active owner."}
}


@contextmanager
def last_owner_is_409() -> Iterator[None]:
    try:
        yield
    except LastOwnerError as exc:
        raise HTTPException(409, str(exc)) from None


@router.put(
    "/{user}/roles",
    responses={
        400: {"description": "An unknown role, or an organization role."},
        403: {"description": "The caller may not assign or unassign one of the roles."},
        **LAST_OWNER_RESPONSE,
    },
)
async def update_user_roles(ctx: Ctx, user: UserPath, body: RolesUpdateRequest) -> UserResponse:
    """Replace the user's site roles; every added or removed role must be assignable."""
    user_id = ctx.user_id(user)
    async with ctx.transaction() as q:
        await read_or_404(q.get_user_by_id(id=user_id))
        with last_owner_is_409():
            updated = await q.update_user_roles(granted_roles=tuple(body.roles), id=user_id)
    return UserResponse.of(updated)


STATUS_RESPONSES: dict[int | str, dict[str, str]] = {
    403: {"description": "The caller may read the user but not change it."},
    **LAST_OWNER_RESPONSE,
}


@router.put("/{user}/status/suspend", responses=STATUS_RESPONSES)
async def suspend_user(ctx: Ctx, user: UserPath) -> UserResponse:
    """Suspend: every token of the user is refused (401) from its next request on.

    Needs `update` on the user (owners, user-admins). The last active owner cannot be suspended.
    """
    return UserResponse.of(await _set_status(ctx, user, UserStatus.SUSPENDED))


@router.put("/{user}/status/activate", responses=STATUS_RESPONSES)
async def activate_user(ctx: Ctx, user: UserPath) -> UserResponse:
    """Make a suspended (or dormant) user active again; its unexpired tokens work again."""
    return UserResponse.of(await _set_status(ctx, user, UserStatus.ACTIVE))


async def _set_status(ctx: Ctx, ref: UUID, status: UserStatus) -> User:
    user_id = ctx.user_id(ref)
    async with ctx.transaction() as q:
        await read_or_404(q.get_user_by_id(id=user_id))
        with last_owner_is_409():
            return await q.update_user_status(status=status, id=user_id)
