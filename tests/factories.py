"""Rows for tests, written through the raw querier (no authorization involved)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from uuid import UUID

from querier.generated.models import (
    Chat,
    ChatMessage,
    ChatMessageRole,
    ChatModelConfig,
    ChatStatus,
    Group,
    Organization,
    OrganizationMember,
    User,
    UserStatus,
)
from querier.generated.sql import SqlQuerier

T_MIN = datetime(2000, 1, 1, tzinfo=UTC)
T_MAX = datetime(2100, 1, 1, tzinfo=UTC)


def user(
    q: SqlQuerier, *roles: str, name: str | None = None, status: UserStatus = UserStatus.ACTIVE
) -> User:
    name = name or f"u{uuid.uuid4().hex[:10]}"
    return q.insert_user(
        id=uuid.uuid4(), email=f"{name}@example.com", username=name, rbac_roles=roles, status=status
    )


def org(q: SqlQuerier, name: str | None = None, *, is_default: bool = False) -> Organization:
    name = name or f"o{uuid.uuid4().hex[:10]}"
    return q.insert_organization(
        id=uuid.uuid4(), name=name, display_name=name.title(), is_default=is_default
    )


def member(q: SqlQuerier, u: User, o: Organization, *roles: str) -> OrganizationMember:
    return q.insert_organization_member(user_id=u.id, organization_id=o.id, roles=roles)


def chat(q: SqlQuerier, owner: User, o: Organization | None = None, title: str = "a chat") -> Chat:
    return q.insert_chat(
        id=uuid.uuid4(),
        owner_id=owner.id,
        organization_id=o.id if o else None,
        title=title,
        status=ChatStatus.WAITING,
    )


def model_config(q: SqlQuerier, model: str = "m", *, is_default: bool = False) -> ChatModelConfig:
    return q.insert_chat_model_config(
        id=uuid.uuid4(),
        provider="acme",
        model=model,
        display_name=model.upper(),
        enabled=True,
        is_default=is_default,
        context_limit=8192,
    )


def message(
    q: SqlQuerier,
    c: Chat,
    *,
    role: ChatMessageRole = ChatMessageRole.ASSISTANT,
    cost: int = 0,
    tokens: tuple[int, int] = (0, 0),
    model: ChatModelConfig | None = None,
    by: UUID | None = None,
) -> ChatMessage:
    return q.insert_chat_message(
        chat_id=c.id,
        created_by=by,
        role=role,
        content={"text": "hi"},
        model_config_id=model.id if model else None,
        input_tokens=tokens[0],
        output_tokens=tokens[1],
        total_cost_micros=cost,
    )


def at(q: SqlQuerier, m: ChatMessage, when: datetime) -> None:
    """Back-date a message (tests of time windows)."""
    import sqlalchemy as sa

    q.connection.execute(
        sa.text("UPDATE chat_messages SET created_at = :t WHERE id = :id"), {"t": when, "id": m.id}
    )


def group(q: SqlQuerier, o: Organization, *members: User, name: str | None = None) -> Group:
    """A group of `o` with these users (who must be members of `o`) in it."""
    name = name or f"g{uuid.uuid4().hex[:10]}"
    row = q.insert_group(id=uuid.uuid4(), organization_id=o.id, name=name, display_name="")
    if members:
        q.insert_group_members(
            group_id=row.id, organization_id=o.id, user_ids=tuple(u.id for u in members)
        )
    return row
