"""The rows and the Protocol of this project's own data layer (what a SQL querier implements)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol
from uuid import UUID

from sqlalchemy import ColumnElement

from authz import Object, resources


@dataclass(frozen=True, slots=True)
class Bookmark:
    """A bookmark in a chat; whoever may act on the chat may act on its bookmarks."""

    id: UUID
    chat_id: UUID
    owner_id: UUID
    organization_id: UUID | None
    label: str

    def rbac_object(self) -> Object:
        chat = resources.CHAT.with_id(self.chat_id).with_owner(self.owner_id)
        return chat.in_org(self.organization_id) if self.organization_id else chat


class BookmarkQuerier(Protocol):
    def get_bookmark(self, *, id: UUID) -> Bookmark: ...

    def add_bookmark(
        self, *, chat_id: UUID, owner_id: UUID, organization_id: UUID | None, label: str
    ) -> Bookmark: ...

    def delete_bookmark(self, *, id: UUID) -> int: ...

    def count_bookmarks(self, *, authorize_filter: ColumnElement[bool] | None = None) -> int: ...
