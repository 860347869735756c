"""Groups and their rosters: each method's authorization, stated once (#13).

Async source; the sync twin `sync_groups.py` is generated from it (`querier/gen/unasync.py`).
The objects are in `querier.dbauthz.group_objects`: a group (and its roster) carries the group
ACL entry `{id: [read]}`, so its members read both; creating, renaming and deleting groups is
`create` / `update` / `delete` on `group`, adding and removing members `create` / `delete` on
the roster (`group_member`). A roster change is one statement per direction, inside the
caller's transaction: all of a request's additions land together or not at all.

Adding users also needs `read` on the organization's memberships, and every user must be a
member of the group's organization; any user that is unknown, unreadable or not a member makes
the whole addition a `GroupMembersRefusedError`, with one text for all three.
"""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import ColumnElement

from authz import Action, NotAuthorizedError
from querier.dbauthz.async_base import AsyncAuthzBase
from querier.dbauthz.context import current_actor
from querier.dbauthz.decide import member_object, organization_object
from querier.dbauthz.group_objects import (
    GroupMembersRefusedError,
    groups_filter,
    new_group_object,
    refuse_everyone_name,
    roster_object,
)
from querier.dbauthz.guards import references_hidden
from querier.errors import ForeignKeyViolationError
from querier.generated.models import Group, GroupMember


class AsyncGroupMethods(AsyncAuthzBase):
    __slots__ = ()

    async def insert_group(
        self, *, id: UUID, organization_id: UUID, name: str, display_name: str
    ) -> Group:
        """`create` on a group of the org; an unreadable organization is a missing one."""
        actor = current_actor()
        self._decide.check(actor, Action.CREATE, new_group_object(organization_id))
        refuse_everyone_name(name, "InsertGroup")
        with references_hidden("InsertGroup"):
            self._decide.check(actor, Action.READ, organization_object(organization_id))
            return await self._inner.insert_group(
                id=id, organization_id=organization_id, name=name, display_name=display_name
            )

    async def get_group(self, *, id: UUID) -> Group:
        actor = current_actor()
        return self._decide.readable(actor, await self._inner.get_group(id=id))

    async def get_group_for_update(self, *, id: UUID) -> Group:
        """Locked until the transaction ends; only for a reader (else it is missing).

        Read and checked unlocked first: a caller who may not read the group never takes (or
        waits for) its lock, so no one can hold a group it cannot see, and no wait on someone
        else's lock tells that the id exists. One statement more, on a write path only."""
        actor = current_actor()
        self._decide.readable(actor, await self._inner.get_group(id=id))
        return self._decide.readable(actor, await self._inner.get_group_for_update(id=id))

    async def get_groups_by_organization(
        self, *, organization_id: UUID, authorize_filter: ColumnElement[bool] | None = None
    ) -> list[Group]:
        """Filtered in SQL: only the groups the actor may read (never post-filtered)."""
        where = groups_filter(self._decide.authorizer, current_actor(), authorize_filter)
        if where is None:
            return []
        return await self._inner.get_groups_by_organization(
            organization_id=organization_id, authorize_filter=where
        )

    async def update_group(
        self, *, name: str | None = None, display_name: str | None = None, id: UUID
    ) -> Group:
        """`update` on the stored group. Decided on an unlocked read (what it is decided on —
        id, organization — never changes; the UPDATE takes the row lock itself), so a caller
        who may not read the group never locks it."""
        actor = current_actor()
        stored = await self._inner.get_group(id=id)
        self._decide.allowed_on(actor, Action.UPDATE, stored)
        refuse_everyone_name(name, "UpdateGroup")
        return await self._inner.update_group(name=name, display_name=display_name, id=id)

    async def delete_group(self, *, id: UUID) -> int:
        """`delete` on the stored group (decided as `update_group`); its roster goes with it."""
        actor = current_actor()
        stored = await self._inner.get_group(id=id)
        self._decide.allowed_on(actor, Action.DELETE, stored)
        return await self._inner.delete_group(id=id)

    async def get_group_members(
        self, *, group_id: UUID, organization_id: UUID
    ) -> list[GroupMember]:
        """`read` on the roster: the group's members, and whoever may read rosters there."""
        self._decide.check(current_actor(), Action.READ, roster_object(group_id, organization_id))
        return await self._inner.get_group_members(
            group_id=group_id, organization_id=organization_id
        )

    async def get_organization_member_ids_for_share(
        self, *, organization_id: UUID, user_ids: tuple[UUID, ...]
    ) -> list[UUID]:
        """Which of these users are members (key-share-locked): `read` on the org's members."""
        self._decide.check(current_actor(), Action.READ, member_object(organization_id))
        return await self._inner.get_organization_member_ids_for_share(
            organization_id=organization_id, user_ids=user_ids
        )

    async def insert_group_members(
        self, *, group_id: UUID, organization_id: UUID, user_ids: tuple[UUID, ...]
    ) -> list[GroupMember]:
        """`create` on the roster (403 first: a refused caller learns nothing about users);
        then every user must be a readable member of the org, else the whole addition is a
        `GroupMembersRefusedError`. The members are key-share-locked before the insert, so a
        user leaving the org concurrently either waits or is refused."""
        actor = current_actor()
        self._decide.check(actor, Action.CREATE, roster_object(group_id, organization_id))
        wanted = tuple(dict.fromkeys(user_ids))
        if not wanted:
            return []
        try:
            self._decide.check(actor, Action.READ, member_object(organization_id))
        except NotAuthorizedError:
            raise GroupMembersRefusedError(wanted) from None
        found = set(
            await self._inner.get_organization_member_ids_for_share(
                organization_id=organization_id, user_ids=wanted
            )
        )
        missing = [u for u in wanted if u not in found]
        if missing:
            raise GroupMembersRefusedError(missing)
        try:
            return await self._inner.insert_group_members(
                group_id=group_id, organization_id=organization_id, user_ids=wanted
            )
        except ForeignKeyViolationError:
            # The group is not of this organization (or vanished): nothing was added.
            raise GroupMembersRefusedError(wanted) from None

    async def delete_group_members(
        self, *, group_id: UUID, organization_id: UUID, user_ids: tuple[UUID, ...]
    ) -> int:
        """`delete` on the roster; users not in the group are ignored (nothing to tell)."""
        self._decide.check(current_actor(), Action.DELETE, roster_object(group_id, organization_id))
        return await self._inner.delete_group_members(
            group_id=group_id, organization_id=organization_id, user_ids=user_ids
        )
