"""`AuthzBookmarks`: this project's authorizing wrapper, deciding before each query runs."""

from __future__ import annotations

from uuid import UUID

import sqlalchemy as sa
from sqlalchemy import ColumnElement

from authz import Action, AuthorizerProtocol, resources
from bookmarks.querier import Bookmark, BookmarkQuerier
from querier.dbauthz import current_actor


class AuthzBookmarks:
    def __init__(self, inner: BookmarkQuerier, authorizer: AuthorizerProtocol) -> None:
        self._inner = inner
        self._authorizer = authorizer

    def get_bookmark(self, *, id: UUID) -> Bookmark:
        actor = current_actor()  # no actor: NoActorError before any query
        row = self._inner.get_bookmark(id=id)
        self._authorizer.authorize(actor, Action.READ, row.rbac_object())
        return row

    def add_bookmark(
        self, *, chat_id: UUID, owner_id: UUID, organization_id: UUID | None, label: str
    ) -> Bookmark:
        chat = resources.CHAT.with_id(chat_id).with_owner(owner_id)
        chat = chat.in_org(organization_id) if organization_id else chat
        self._authorizer.authorize(current_actor(), Action.UPDATE, chat)  # before the write
        return self._inner.add_bookmark(
            chat_id=chat_id, owner_id=owner_id, organization_id=organization_id, label=label
        )

    def delete_bookmark(self, *, id: UUID) -> int:
        actor = current_actor()
        stored = self._inner.get_bookmark(id=id)
        self._authorizer.authorize(actor, Action.UPDATE, stored.rbac_object())
        return self._inner.delete_bookmark(id=id)

    def count_bookmarks(self, *, authorize_filter: ColumnElement[bool] | None = None) -> int:
        if authorize_filter is not None:
            raise TypeError("the filter is derived from the actor")
        prepared = self._authorizer.prepare(current_actor(), Action.READ, "chat")
        column = sa.literal_column
        return self._inner.count_bookmarks(
            authorize_filter=prepared.sql_filter(
                owner=column("b.owner_id", sa.Uuid()),
                org=column("b.organization_id", sa.Uuid()),
                id=column("b.chat_id", sa.Uuid()),
            )
        )
