"""Chats, messages, cost, files, model configs and demo seeding: each method's authorization,
stated once.

Async source; the sync twin `sync_chats.py` is generated from it (`querier/gen/unasync.py`).
Every method takes the actor first, so without one nothing runs (`NoActorError`).
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import ColumnElement

from authz import Action, resources
from querier.dbauthz.async_base import AsyncAuthzBase
from querier.dbauthz.context import current_actor
from querier.dbauthz.decide import CHAT_COLUMNS, COST_CHAT_COLUMNS, chat_object
from querier.dbauthz.guards import references_hidden, refuse_usage_from_non_chatd
from querier.generated.models import (
    Chat,
    ChatFile,
    ChatMessage,
    ChatMessageRole,
    ChatModelConfig,
    ChatStatus,
    DemoSeed,
    GetChatCostPerChatRow,
    GetChatCostPerModelRow,
    GetChatCostSummaryRow,
    GetChatFileMetadataRow,
    GetDataPresenceRow,
    JsonValue,
)


class AsyncChatMethods(AsyncAuthzBase):
    __slots__ = ()

    # --- chats ---------------------------------------------------------------------------------

    async def get_chat(self, *, id: UUID) -> Chat:
        actor = current_actor()
        return self._decide.readable(actor, await self._inner.get_chat(id=id))

    async def get_chats(
        self,
        *,
        owner_id: UUID | None = None,
        archived: bool | None = None,
        after_id: UUID | None = None,
        page_limit: int,
        authorize_filter: ColumnElement[bool] | None = None,
    ) -> list[Chat]:
        """What the roles allow (`shared=exclude`); `get_chats_shared` lists shared chats."""
        actor = current_actor()
        if after_id is not None:
            await self.get_chat(id=after_id)  # a cursor must be readable: no existence oracle
        where = self._decide.list_filter(actor, "chat", CHAT_COLUMNS, authorize_filter)
        if where is None:
            return []
        return await self._inner.get_chats(
            owner_id=owner_id,
            archived=archived,
            after_id=after_id,
            page_limit=page_limit,
            authorize_filter=where,
        )

    async def insert_chat(
        self,
        *,
        id: UUID,
        owner_id: UUID,
        organization_id: UUID | None = None,
        title: str,
        status: ChatStatus,
        last_model_config_id: UUID | None = None,
    ) -> Chat:
        self._decide.check(current_actor(), Action.CREATE, chat_object(owner_id, organization_id))
        return await self._inner.insert_chat(
            id=id,
            owner_id=owner_id,
            organization_id=organization_id,
            title=title,
            status=status,
            last_model_config_id=last_model_config_id,
        )

    async def _on_chat(self, action: Action, chat_id: UUID) -> None:
        """The stored chat (raw fetch) decides: for the chat itself and for its messages."""
        actor = current_actor()
        self._decide.allowed_on(actor, action, await self._inner.get_chat(id=chat_id))

    async def update_chat_title(self, *, title: str, id: UUID) -> Chat:
        await self._on_chat(Action.UPDATE, id)
        return await self._inner.update_chat_title(title=title, id=id)

    async def update_chat_status(self, *, status: ChatStatus, id: UUID) -> Chat:
        await self._on_chat(Action.UPDATE, id)
        return await self._inner.update_chat_status(status=status, id=id)

    async def archive_chat(self, *, id: UUID) -> Chat:
        await self._on_chat(Action.UPDATE, id)
        return await self._inner.archive_chat(id=id)

    async def unarchive_chat(self, *, id: UUID) -> Chat:
        await self._on_chat(Action.UPDATE, id)
        return await self._inner.unarchive_chat(id=id)

    async def delete_chat(self, *, id: UUID) -> int:
        await self._on_chat(Action.DELETE, id)
        return await self._inner.delete_chat(id=id)

    # --- messages ------------------------------------------------------------------------------

    async def insert_chat_message(
        self,
        *,
        chat_id: UUID,
        created_by: UUID | None = None,
        role: ChatMessageRole,
        content: JsonValue,
        model_config_id: UUID | None = None,
        input_tokens: int,
        output_tokens: int,
        total_cost_micros: int,
    ) -> ChatMessage:
        """Checked as the chat; only `chatd` records usage; the model config must be usable."""
        actor = current_actor()
        chat = await self._inner.get_chat(id=chat_id)
        self._decide.allowed_on(actor, Action.UPDATE, chat)
        refuse_usage_from_non_chatd(actor, input_tokens, output_tokens, total_cost_micros)
        with references_hidden("InsertChatMessage"):
            if model_config_id is not None:
                # Model configs are readable by whoever may use chats (see `may_use_models`).
                self._decide.check(actor, Action.READ, resources.CHAT.with_owner(actor.id))
            return await self._inner.insert_chat_message(
                chat_id=chat_id,
                created_by=created_by,
                role=role,
                content=content,
                model_config_id=model_config_id,
                input_tokens=input_tokens,
                output_tokens=output_tokens,
                total_cost_micros=total_cost_micros,
            )

    async def get_chat_messages(
        self, *, chat_id: UUID, after_id: int, page_limit: int
    ) -> list[ChatMessage]:
        await self._on_chat(Action.READ, chat_id)
        return await self._inner.get_chat_messages(
            chat_id=chat_id, after_id=after_id, page_limit=page_limit
        )

    async def get_chat_message(self, *, chat_id: UUID, id: int) -> ChatMessage:
        await self._on_chat(Action.READ, chat_id)
        return await self._inner.get_chat_message(chat_id=chat_id, id=id)

    async def soft_delete_chat_message(self, *, chat_id: UUID, id: int) -> int:
        await self._on_chat(Action.UPDATE, chat_id)
        return await self._inner.soft_delete_chat_message(chat_id=chat_id, id=id)

    # --- cost: the owner's chats, then an aggregate over the chats the reader may read ----------

    def _cost_filter(
        self, owner_id: UUID, given: ColumnElement[bool] | None
    ) -> ColumnElement[bool]:
        actor = current_actor()
        self._decide.cost_scope(actor, owner_id)
        return self._decide.aggregate_filter(actor, "chat", COST_CHAT_COLUMNS, given)

    async def get_chat_cost_summary(
        self,
        *,
        owner_id: UUID,
        start_date: datetime,
        end_date: datetime,
        authorize_filter: ColumnElement[bool] | None = None,
    ) -> GetChatCostSummaryRow:
        where = self._cost_filter(owner_id, authorize_filter)
        return await self._inner.get_chat_cost_summary(
            owner_id=owner_id, start_date=start_date, end_date=end_date, authorize_filter=where
        )

    async def get_chat_cost_per_model(
        self,
        *,
        owner_id: UUID,
        start_date: datetime,
        end_date: datetime,
        authorize_filter: ColumnElement[bool] | None = None,
    ) -> list[GetChatCostPerModelRow]:
        where = self._cost_filter(owner_id, authorize_filter)
        return await self._inner.get_chat_cost_per_model(
            owner_id=owner_id, start_date=start_date, end_date=end_date, authorize_filter=where
        )

    async def get_chat_cost_per_chat(
        self,
        *,
        owner_id: UUID,
        start_date: datetime,
        end_date: datetime,
        authorize_filter: ColumnElement[bool] | None = None,
    ) -> list[GetChatCostPerChatRow]:
        where = self._cost_filter(owner_id, authorize_filter)
        return await self._inner.get_chat_cost_per_chat(
            owner_id=owner_id, start_date=start_date, end_date=end_date, authorize_filter=where
        )

    # --- files ---------------------------------------------------------------------------------

    async def insert_chat_file(
        self,
        *,
        id: UUID,
        owner_id: UUID,
        organization_id: UUID | None = None,
        name: str,
        mimetype: str,
        data: bytes,
    ) -> ChatFile:
        self._decide.check(current_actor(), Action.CREATE, chat_object(owner_id, organization_id))
        return await self._inner.insert_chat_file(
            id=id,
            owner_id=owner_id,
            organization_id=organization_id,
            name=name,
            mimetype=mimetype,
            data=data,
        )

    async def get_chat_file(self, *, id: UUID) -> ChatFile:
        """Decided on the metadata; the bytes are loaded only when the read is allowed.

        Fetching the row first would pull the whole blob for every probe: a denied read of a
        large file would be slower than a missing one (an existence and size oracle).
        """
        await self.get_chat_file_metadata(id=id)
        return await self._inner.get_chat_file(id=id)

    async def get_chat_file_metadata(self, *, id: UUID) -> GetChatFileMetadataRow:
        actor = current_actor()
        row = await self._inner.get_chat_file_metadata(id=id)
        self._decide.check(actor, Action.READ, chat_object(row.owner_id, row.organization_id))
        return row

    # --- model configs -------------------------------------------------------------------------

    async def get_default_chat_model_config(self) -> ChatModelConfig:
        self._decide.may_use_models(current_actor())
        return await self._inner.get_default_chat_model_config()

    async def get_chat_model_config(self, *, id: UUID) -> ChatModelConfig:
        self._decide.may_use_models(current_actor())
        return await self._inner.get_chat_model_config(id=id)

    async def get_chat_model_configs(self, *, enabled_only: bool) -> list[ChatModelConfig]:
        self._decide.may_use_models(current_actor())
        return await self._inner.get_chat_model_configs(enabled_only=enabled_only)

    async def insert_chat_model_config(
        self,
        *,
        id: UUID,
        provider: str,
        model: str,
        display_name: str,
        enabled: bool,
        is_default: bool,
        context_limit: int,
    ) -> ChatModelConfig:
        config = resources.CHAT_MODEL_CONFIG.with_id(id)
        self._decide.check(current_actor(), Action.CREATE, config)
        return await self._inner.insert_chat_model_config(
            id=id,
            provider=provider,
            model=model,
            display_name=display_name,
            enabled=enabled,
            is_default=is_default,
            context_limit=context_limit,
        )

    async def update_chat_model_config(
        self,
        *,
        display_name: str,
        enabled: bool,
        is_default: bool,
        context_limit: int,
        id: UUID,
    ) -> ChatModelConfig:
        config = resources.CHAT_MODEL_CONFIG.with_id(id)
        self._decide.check(current_actor(), Action.UPDATE, config)
        return await self._inner.update_chat_model_config(
            display_name=display_name,
            enabled=enabled,
            is_default=is_default,
            context_limit=context_limit,
            id=id,
        )

    async def delete_chat_model_config(self, *, id: UUID) -> int:
        config = resources.CHAT_MODEL_CONFIG.with_id(id)
        self._decide.check(current_actor(), Action.DELETE, config)
        return await self._inner.delete_chat_model_config(id=id)

    async def lock_chat_model_config_writes(self) -> None:
        """Only for those who may change model configs: it makes every other writer wait."""
        self._decide.check(current_actor(), Action.UPDATE, resources.CHAT_MODEL_CONFIG)
        await self._inner.lock_chat_model_config_writes()

    # --- demo seeding (system only: it looks at every table) -----------------------------------

    async def get_demo_seed(self) -> DemoSeed:
        self._decide.check(current_actor(), Action.READ, resources.SYSTEM)
        return await self._inner.get_demo_seed()

    async def insert_demo_seed(self) -> DemoSeed:
        self._decide.check(current_actor(), Action.CREATE, resources.SYSTEM)
        return await self._inner.insert_demo_seed()

    async def get_data_presence(self) -> GetDataPresenceRow:
        self._decide.check(current_actor(), Action.READ, resources.SYSTEM)
        return await self._inner.get_data_presence()
