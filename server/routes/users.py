"""Users and their site roles."""

from __future__ import annotations

import uuid
from uuid import UUID

from fastapi import APIRouter

from authz import Action, RoleIdentifier, resources, roles
from querier.generated.models import UserStatus
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
def assignable_site_roles(ctx: Ctx) -> list[RoleResponse]:
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
                assignable=roles.can_assign_role(ctx.subject, role_id),
            )
        )
    return result


@router.get("")
def list_users(ctx: Ctx, after_id: UUID | None = None, limit: PageLimit = 25) -> list[UserResponse]:
    """The users the caller may read, in creation order."""
    with ctx.transaction() as q:
        # An unreadable cursor and a missing one answer alike (404): no existence oracle.
        users = read_or_404(lambda: q.get_users(after_id=after_id, page_limit=limit))
    return [UserResponse.of(u) for u in users]


@router.post("", status_code=201, responses={403: {"description": "The caller may not."}})
def create_user(ctx: Ctx, body: UserCreateRequest) -> UserResponse:
    """Create an active user with the given site roles (each must be assignable by the caller)."""
    with ctx.transaction() as q:
        user = q.insert_user(
            id=uuid.uuid4(),
            email=body.email,
            username=body.username,
            rbac_roles=tuple(body.roles),
            status=UserStatus.ACTIVE,
        )
    return UserResponse.of(user)


@router.get("/me")
def get_me(ctx: Ctx) -> UserResponse:
    return get_user(ctx, "me")


@router.get("/{user}")
def get_user(ctx: Ctx, user: UserPath) -> UserResponse:
    user_id = ctx.user_id(user)
    with ctx.transaction() as q:
        return UserResponse.of(read_or_404(lambda: q.get_user_by_id(id=user_id)))


@router.put(
    "/{user}/roles",
    responses={
        400: {"description": "An unknown role, or an organization role."},
        403: {"description": "The caller may not assign or unassign one of the roles."},
    },
)
def update_user_roles(ctx: Ctx, user: UserPath, body: RolesUpdateRequest) -> UserResponse:
    """Replace the user's site roles; every added or removed role must be assignable."""
    user_id = ctx.user_id(user)
    with ctx.transaction() as q:
        read_or_404(lambda: q.get_user_by_id(id=user_id))
        updated = q.update_user_roles(granted_roles=tuple(body.roles), id=user_id)
    return UserResponse.of(updated)
