"""What a user's chats cost over a time window, with per-model and per-chat breakdowns."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi import APIRouter, HTTPException

from authz import Action, resources
from server.context import Ctx
from server.routes.common import UserPath
from server.schemas import CostPerChat, CostPerModel, CostSummaryResponse

router = APIRouter(prefix="/api/v2/chats/cost", tags=["cost"])

DEFAULT_WINDOW = timedelta(days=30)


@router.get(
    "/{user}/summary",
    responses={403: {"description": "The caller may not read this user's chat cost."}},
)
async def cost_summary(
    ctx: Ctx,
    user: UserPath,
    start_date: datetime | None = None,
    end_date: datetime | None = None,
) -> CostSummaryResponse:
    """Assistant-message cost in `[start_date, end_date)` (default: the last 30 days).

    The caller must be allowed to read the user's chats; its own cost, to use chats somewhere
    (create one personally or in one of its orgs — an org admin without `chat-access` may). A
    member without `chat-access` asking for its own cost gets 403 (a comparable system
    answered 500 here).
    """
    owner_id = ctx.user_id(user)
    start, end = _window(start_date, end_date)
    if owner_id == ctx.subject.id:
        ctx.authorize(Action.CREATE, resources.CHAT.with_owner(owner_id).any_org())
    else:
        ctx.authorize(Action.READ, resources.CHAT.with_owner(owner_id))
    async with ctx.transaction() as q:  # three reads of one moment's data, as before
        summary = await q.get_chat_cost_summary(owner_id=owner_id, start_date=start, end_date=end)
        per_model = await q.get_chat_cost_per_model(
            owner_id=owner_id, start_date=start, end_date=end
        )
        per_chat = await q.get_chat_cost_per_chat(owner_id=owner_id, start_date=start, end_date=end)
    return CostSummaryResponse(
        user_id=owner_id,
        start_date=start,
        end_date=end,
        # Sums are exact integers of any size (numeric in SQL): never an overflow on a read.
        total_cost_micros=int(summary.total_cost_micros),
        total_input_tokens=int(summary.total_input_tokens),
        total_output_tokens=int(summary.total_output_tokens),
        message_count=summary.message_count,
        by_model=[CostPerModel.of(row) for row in per_model],
        by_chat=[CostPerChat.of(row) for row in per_chat],
    )


def _window(start: datetime | None, end: datetime | None) -> tuple[datetime, datetime]:
    """Both ends in UTC (naive means UTC); 400 when reversed or out of range."""
    try:
        end = _utc(end) if end is not None else datetime.now(UTC)
        start = _utc(start) if start is not None else end - DEFAULT_WINDOW
    except OverflowError:
        raise HTTPException(400, "Date out of range.") from None
    if start > end:
        raise HTTPException(400, "start_date must not be after end_date.")
    return start, end


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
