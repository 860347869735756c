"""`load_subject` for the async face: the same subject, read as the system."""

from __future__ import annotations

from uuid import UUID

from authz import Subject
from querier.dbauthz.actors import subject_from_row
from querier.dbauthz.context import as_system_restricted
from querier.generated.async_protocol import AsyncQuerier


async def load_subject_async(q: AsyncQuerier, user_id: UUID) -> Subject:
    """The subject of `user_id`, read as the system (a user cannot read its own roles table).

    The system actor is set only around the one query: a ContextVar scope is restored when the
    `with` block ends, even though the block awaits.
    """
    with as_system_restricted():
        row = await q.get_authorization_user_roles(user_id=user_id)
    return subject_from_row(row)
