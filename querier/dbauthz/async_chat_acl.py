"""Chat ACLs (read-only sharing): each method's authorization, stated once.

Async source; the sync twin `sync_chat_acl.py` is generated from it (`querier/gen/unasync.py`).
The rules an ACL change must pass are in `querier/dbauthz/chat_acl.py` (sans I/O).

Reading the ACL needs `read` on the chat; changing it needs `read` (a denial there is the
caller's "not found") and then `share` on the chat as stored, re-read under a row lock
(`GetChatForShare`, FOR NO KEY UPDATE) so that a concurrent change is merged, never lost. The
ACL writes must run inside a transaction (`q.transaction()`) for that lock to hold until the
write. With the kill switch on (`chat_sharing=False`) every ACL write is refused before any
SQL runs.
"""

from __future__ import annotations

from collections.abc import Mapping
from uuid import UUID

from authz import Action
from querier.dbauthz.async_base import AsyncAuthzBase
from querier.dbauthz.chat_acl import (
    AclChange,
    check_targets,
    parse_acl_json,
    parse_change,
    plan_change,
    refuse_when_disabled,
)
from querier.dbauthz.context import current_actor
from querier.dbauthz.decide import SharedMode, chat_object
from querier.generated.models import Chat, GetChatACLRow, GetChatShareTargetsRow, JsonValue


class AsyncChatAclMethods(AsyncAuthzBase):
    __slots__ = ()

    async def get_chats_shared(
        self,
        *,
        shared: SharedMode,
        owner_id: UUID | None = None,
        archived: bool | None = None,
        after_id: UUID | None = None,
        page_limit: int,
    ) -> list[Chat]:
        """`GetChats` in a shared mode (`GET /api/v2/chats?shared=`): `exclude` is exactly
        `get_chats`; `include` adds, `only` keeps just, the chats shared with the actor (see
        `Decider.chat_list_filter`; with the kill switch on every mode is `exclude`)."""
        actor = current_actor()
        if after_id is not None:
            # A cursor must be readable (no existence oracle): a shared chat is, unless the
            # kill switch is on.
            self._decide.readable(actor, await self._inner.get_chat(id=after_id))
        where = self._decide.chat_list_filter(actor, shared, None)
        if where is None:
            return []
        return await self._inner.get_chats(
            owner_id=owner_id,
            archived=archived,
            after_id=after_id,
            page_limit=page_limit,
            authorize_filter=where,
        )

    async def get_chat_acl(self, *, chat_id: UUID) -> list[GetChatACLRow]:
        """Who the chat is shared with: whoever may read the chat may see it (as in Coder)."""
        actor = current_actor()
        self._decide.allowed_on(actor, Action.READ, await self._inner.get_chat(id=chat_id))
        return await self._inner.get_chat_acl(chat_id=chat_id)

    async def get_chat_for_share(self, *, id: UUID) -> Chat:
        """The chat, locked: `read` on it (else the caller's 404), then `share`.

        `read` is checked on an unlocked read first: a caller who may not read the chat never
        takes (or waits for) its lock, so no one can hold a chat it cannot see, and no wait on
        someone else's lock tells that the id exists. Then both checks again on the locked row
        (an ACL entry that gave `read` may have gone meanwhile)."""
        actor = current_actor()
        refuse_when_disabled(self._decide, actor)
        self._decide.allowed_on(actor, Action.READ, await self._inner.get_chat(id=id))
        chat = await self._inner.get_chat_for_share(id=id)
        self._decide.allowed_on(actor, Action.READ, chat)
        self._decide.allowed_on(actor, Action.SHARE, chat)
        return chat

    async def get_chat_share_targets(
        self,
        *,
        user_ids: tuple[UUID, ...],
        organization_id: UUID | None = None,
        group_ids: tuple[UUID, ...],
    ) -> GetChatShareTargetsRow:
        """Who a chat there could be shared with: for whoever may share its own chats there
        (the lookup tells org membership and group ids, nothing else)."""
        actor = current_actor()
        refuse_when_disabled(self._decide, actor)
        self._decide.check(actor, Action.SHARE, chat_object(actor.id, organization_id))
        return await self._inner.get_chat_share_targets(
            user_ids=user_ids, organization_id=organization_id, group_ids=group_ids
        )

    async def update_chat_acl(self, *, user_acl: JsonValue, group_acl: JsonValue, id: UUID) -> Chat:
        """Replace both ACLs (`{"<id>": ["read"]}` maps; `{}` clears): the rules of
        `chat_acl`, on the chat locked by `get_chat_for_share`."""
        change = parse_acl_json(user_acl, group_acl)
        chat = await self.get_chat_for_share(id=id)
        return await self._write_acl(chat, change, replace=True)

    async def change_chat_acl(
        self,
        *,
        id: UUID,
        user_roles: Mapping[UUID, str],
        group_roles: Mapping[UUID, str],
    ) -> Chat:
        """Merge roles into the stored ACLs (`"read"` grants, `""` removes): what a PATCH does.

        Three statements: the locked read, the target check (only when ids are added), the
        write. Not a query of its own, so it has no method-suite case: it is exactly
        `update_chat_acl`'s path with a merge, tested on the database.
        """
        change = parse_change(user_roles, group_roles)
        chat = await self.get_chat_for_share(id=id)
        return await self._write_acl(chat, change, replace=False)

    async def _write_acl(self, chat: Chat, change: AclChange, *, replace: bool) -> Chat:
        plan = plan_change(chat, current_actor(), change, replace=replace)
        if plan.new_users or plan.new_groups:
            found = await self._inner.get_chat_share_targets(
                user_ids=plan.new_users,
                organization_id=chat.organization_id,
                group_ids=plan.new_groups,
            )
            check_targets(self._decide, current_actor(), chat, plan, found)
        return await self._inner.update_chat_acl(
            user_acl=dict(plan.user_acl), group_acl=dict(plan.group_acl), id=chat.id
        )
