"""Users, API keys, organizations and memberships: each method's authorization, stated once.

Async source; the sync twin `sync_users.py` is generated from it (`querier/gen/unasync.py`).
Every method takes the actor first, so without one nothing runs (`NoActorError`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from sqlalchemy import ColumnElement

from authz import Action, CustomRole, resources
from querier.dbauthz.async_base import AsyncAuthzBase
from querier.dbauthz.context import current_actor
from querier.dbauthz.decide import (
    ORGANIZATION_COLUMNS,
    USER_COLUMNS,
    custom_names,
    custom_role_from_row,
    member_object,
    organization_object,
)
from querier.dbauthz.guards import locked_target, references_hidden, refuse_losing_last_owner
from querier.generated.models import (
    ApiKey,
    GetAuthorizationByAPIKeyRow,
    GetAuthorizationUserRolesRow,
    Organization,
    OrganizationMember,
    User,
    UserStatus,
)


class AsyncUserMethods(AsyncAuthzBase):
    __slots__ = ()

    # --- users ---------------------------------------------------------------------------------

    async def get_user_by_id(self, *, id: UUID) -> User:
        actor = current_actor()
        return self._decide.readable(actor, await self._inner.get_user_by_id(id=id))

    async def get_user_by_email_or_username(self, *, email: str, username: str) -> User:
        actor = current_actor()
        row = await self._inner.get_user_by_email_or_username(email=email, username=username)
        return self._decide.readable(actor, row)

    async def get_users(
        self,
        *,
        after_id: UUID | None = None,
        status: UserStatus | None = None,
        page_limit: int,
        authorize_filter: ColumnElement[bool] | None = None,
    ) -> list[User]:
        actor = current_actor()
        if after_id is not None:
            await self.get_user_by_id(id=after_id)  # a readable cursor: no existence oracle
        where = self._decide.list_filter(actor, "user", USER_COLUMNS, authorize_filter)
        if where is None:
            return []
        return await self._inner.get_users(
            after_id=after_id, status=status, page_limit=page_limit, authorize_filter=where
        )

    async def insert_user(
        self,
        *,
        id: UUID,
        email: str,
        username: str,
        rbac_roles: tuple[str, ...],
        status: UserStatus,
    ) -> User:
        actor = current_actor()
        self._decide.check(actor, Action.CREATE, resources.USER)
        stored, _ = self._decide.role_changes(actor, (), rbac_roles, None)
        return await self._inner.insert_user(
            id=id, email=email, username=username, rbac_roles=stored, status=status
        )

    async def update_user_roles(self, *, granted_roles: tuple[str, ...], id: UUID) -> User:
        # The row stays locked until the transaction ends, so the roles the change is computed
        # from cannot be changed by a concurrent request and then silently written back; the
        # owners' rows are locked with it, so the last owner cannot be demoted concurrently.
        actor = current_actor()
        locked, user = await self._lock_user_and_owners(id)
        stored, changed = self._decide.role_changes(actor, user.rbac_roles, granted_roles, None)
        if stored == user.rbac_roles:
            return user  # nothing to write: no write without a decision to make it
        if not changed:
            # Only a clean-up (order, implied or corrupt names): still an edit of the user.
            self._decide.check(actor, Action.UPDATE, user.rbac_object())
        refuse_losing_last_owner(locked, user, new_roles=stored, new_status=user.status)
        return await self._inner.update_user_roles(granted_roles=stored, id=id)

    async def _lock_user_and_owners(self, id: UUID) -> tuple[list[User], User]:
        """Lock the user and every owner able to act (one statement, id order); read the user."""
        actor = current_actor()
        locked = await self._inner.get_user_and_owners_for_update(id=id)
        user = locked_target(locked, id, "GetUserAndOwnersForUpdate")
        return locked, self._decide.readable(actor, user)

    async def get_user_and_owners_for_update(self, *, id: UUID) -> list[User]:
        """Rows of other users (every owner): for the system only; methods use `_inner`."""
        self._decide.check(current_actor(), Action.READ, resources.SYSTEM)
        return await self._inner.get_user_and_owners_for_update(id=id)

    async def get_user_by_id_for_update(self, *, id: UUID) -> User:
        actor = current_actor()
        return self._decide.readable(actor, await self._inner.get_user_by_id_for_update(id=id))

    async def update_user_status(self, *, status: UserStatus, id: UUID) -> User:
        """Needs `update` on the user; never suspends the last owner able to act.

        A user object is determined by its id, so the permission is checked before any row is
        locked: a caller without it cannot hold up the owners' rows even for a moment.
        """
        self._decide.check(current_actor(), Action.UPDATE, resources.user_object(id))
        locked, user = await self._lock_user_and_owners(id)
        if user.status is status:
            return user
        refuse_losing_last_owner(locked, user, new_roles=user.rbac_roles, new_status=status)
        return await self._inner.update_user_status(status=status, id=id)

    async def get_authorization_user_roles(self, *, user_id: UUID) -> GetAuthorizationUserRolesRow:
        self._decide.check(current_actor(), Action.READ, resources.SYSTEM)
        return await self._inner.get_authorization_user_roles(user_id=user_id)

    # --- API keys ------------------------------------------------------------------------------

    async def get_authorization_by_api_key(self, *, id: str) -> GetAuthorizationByAPIKeyRow:
        """A key with its user's subject columns (authentication): for the system only."""
        self._decide.check(current_actor(), Action.READ, resources.SYSTEM)
        return await self._inner.get_authorization_by_api_key(id=id)

    async def insert_api_key(
        self,
        *,
        id: str,
        hashed_secret: bytes,
        user_id: UUID,
        expires_at: datetime,
        scopes: tuple[str, ...],
        allow_list: tuple[str, ...],
    ) -> ApiKey:
        """`create` on the user's `api_key`; then the scope must be valid (`InvalidScopeError`)
        and no broader than the actor's own (`ScopeEscalationError`): it is stored canonical."""
        actor = current_actor()
        self._decide.check(actor, Action.CREATE, resources.API_KEY.with_owner(user_id))
        names, entries = self._decide.mintable_scope(actor, scopes, allow_list)
        return await self._inner.insert_api_key(
            id=id,
            hashed_secret=hashed_secret,
            user_id=user_id,
            expires_at=expires_at,
            scopes=names,
            allow_list=entries,
        )

    async def get_api_key_by_id(self, *, id: str) -> ApiKey:
        actor = current_actor()
        return self._decide.readable(actor, await self._inner.get_api_key_by_id(id=id))

    async def update_api_key_last_used(self, *, last_used: datetime, id: str) -> int:
        actor = current_actor()
        self._decide.allowed_on(actor, Action.UPDATE, await self._inner.get_api_key_by_id(id=id))
        return await self._inner.update_api_key_last_used(last_used=last_used, id=id)

    async def delete_api_key(self, *, id: str) -> int:
        actor = current_actor()
        self._decide.allowed_on(actor, Action.DELETE, await self._inner.get_api_key_by_id(id=id))
        return await self._inner.delete_api_key(id=id)

    async def get_api_keys_by_user_id(self, *, user_id: UUID) -> list[ApiKey]:
        """Every key of one user: read on that user's keys (they all share the owner)."""
        self._decide.check(current_actor(), Action.READ, resources.API_KEY.with_owner(user_id))
        return await self._inner.get_api_keys_by_user_id(user_id=user_id)

    # --- organizations and members -------------------------------------------------------------

    async def insert_organization(
        self, *, id: UUID, name: str, display_name: str, is_default: bool
    ) -> Organization:
        self._decide.check(current_actor(), Action.CREATE, organization_object(id))
        return await self._inner.insert_organization(
            id=id, name=name, display_name=display_name, is_default=is_default
        )

    async def get_organization_by_id(self, *, id: UUID) -> Organization:
        actor = current_actor()
        return self._decide.readable(actor, await self._inner.get_organization_by_id(id=id))

    async def get_default_organization(self) -> Organization:
        actor = current_actor()
        return self._decide.readable(actor, await self._inner.get_default_organization())

    async def get_organization_by_name(self, *, name: str) -> Organization:
        actor = current_actor()
        return self._decide.readable(actor, await self._inner.get_organization_by_name(name=name))

    async def get_organizations(
        self,
        *,
        after_name: str | None = None,
        page_limit: int,
        authorize_filter: ColumnElement[bool] | None = None,
    ) -> list[Organization]:
        actor = current_actor()
        where = self._decide.list_filter(
            actor, "organization", ORGANIZATION_COLUMNS, authorize_filter
        )
        if where is None:
            return []
        return await self._inner.get_organizations(
            after_name=after_name, page_limit=page_limit, authorize_filter=where
        )

    async def insert_organization_member(
        self, *, user_id: UUID, organization_id: UUID, roles: tuple[str, ...]
    ) -> OrganizationMember:
        """Also: the user and the organization must be readable, or they count as missing.

        Both objects are fully determined by their ids, so no fetch is needed to decide; a
        missing row (the foreign key) and an unreadable one give the same error.
        """
        actor = current_actor()
        self._decide.check(actor, Action.CREATE, member_object(organization_id))
        custom = await self._custom_roles(roles, organization_id)
        stored, _ = self._decide.role_changes(actor, (), roles, organization_id, custom)
        with references_hidden("InsertOrganizationMember"):
            self._decide.check(actor, Action.READ, resources.user_object(user_id))
            self._decide.check(actor, Action.READ, organization_object(organization_id))
            return await self._inner.insert_organization_member(
                user_id=user_id, organization_id=organization_id, roles=stored
            )

    async def get_organization_member(
        self, *, organization_id: UUID, user_id: UUID
    ) -> OrganizationMember:
        actor = current_actor()
        member = await self._inner.get_organization_member(
            organization_id=organization_id, user_id=user_id
        )
        self._decide.check(actor, Action.READ, member_object(member.organization_id))
        return member

    async def update_member_roles(
        self, *, granted_roles: tuple[str, ...], organization_id: UUID, user_id: UUID
    ) -> OrganizationMember:
        member = await self._locked_member(Action.UPDATE, organization_id, user_id)
        custom = await self._custom_roles(granted_roles, organization_id)
        stored, _ = self._decide.role_changes(
            current_actor(), member.roles, granted_roles, organization_id, custom
        )
        if stored == member.roles:
            return member
        return await self._inner.update_member_roles(
            granted_roles=stored, organization_id=organization_id, user_id=user_id
        )

    async def get_organization_members(self, *, organization_id: UUID) -> list[OrganizationMember]:
        self._decide.check(current_actor(), Action.READ, member_object(organization_id))
        return await self._inner.get_organization_members(organization_id=organization_id)

    async def get_organization_member_for_update(
        self, *, organization_id: UUID, user_id: UUID
    ) -> OrganizationMember:
        return await self._locked_member(Action.READ, organization_id, user_id)

    async def delete_organization_member(self, *, organization_id: UUID, user_id: UUID) -> int:
        """Removing a member also takes away its org roles: each must be unassignable too."""
        member = await self._locked_member(Action.DELETE, organization_id, user_id)
        self._decide.role_changes(current_actor(), member.roles, (), organization_id)
        return await self._inner.delete_organization_member(
            organization_id=organization_id, user_id=user_id
        )

    async def _custom_roles(
        self, names: Sequence[str], organization_id: UUID
    ) -> dict[str, CustomRole]:
        """The definitions of the custom roles named in `names`, by name, share-locked (a
        concurrent delete then counts this assignment); read only when `names` holds a name no
        built-in role has, so built-in role changes cost no extra statement."""
        wanted = custom_names(names, organization_id)
        if not wanted:
            return {}
        rows = await self._inner.get_custom_roles_for_assignment(
            organization_id=organization_id, names=tuple(wanted)
        )
        return {row.name: custom_role_from_row(row) for row in rows}

    async def _locked_member(
        self, action: Action, organization_id: UUID, user_id: UUID
    ) -> OrganizationMember:
        """The membership, locked until the transaction ends, if `action` on it is allowed."""
        actor = current_actor()
        member = await self._inner.get_organization_member_for_update(
            organization_id=organization_id, user_id=user_id
        )
        self._decide.check(actor, action, member_object(member.organization_id))
        return member
