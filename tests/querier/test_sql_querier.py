"""The generated querier against real PostgreSQL: results, pagination, constraints, errors."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from querier.errors import (
    CheckViolationError,
    ForeignKeyViolationError,
    MissingAuthorizeFilterError,
    NotFoundError,
    UniqueViolationError,
)
from querier.generated.models import ChatMessageRole, ChatStatus, UserStatus
from querier.generated.sql import SqlQuerier
from tests import factories as f

TRUE = sa.true()
T0 = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
def q(conn: Connection) -> SqlQuerier:
    return SqlQuerier(conn)


def test_round_trip_types(q: SqlQuerier) -> None:
    u = f.user(q, "chat-access", "auditor")
    o = f.org(q)
    c = f.chat(q, u, o, title="100% sure")  # a literal % survives the pyformat conversion
    got = q.get_chat(id=c.id)
    assert got == c
    assert got.status is ChatStatus.WAITING
    assert got.organization_id == o.id
    assert q.get_user_by_id(id=u.id).rbac_roles == ("chat-access", "auditor")
    assert got.created_at.tzinfo is not None


def test_one_raises_not_found(q: SqlQuerier) -> None:
    with pytest.raises(NotFoundError, match="GetChat: no rows"):
        q.get_chat(id=uuid.uuid4())


def test_user_lookup_is_case_insensitive(q: SqlQuerier) -> None:
    u = f.user(q, name="Alice")
    assert q.get_user_by_email_or_username(email="ALICE@example.com", username="").id == u.id
    assert q.get_user_by_email_or_username(email="", username="alice").id == u.id


def test_unique_email_is_a_clear_error(q: SqlQuerier) -> None:
    f.user(q, name="bob")
    with pytest.raises(UniqueViolationError) as info:
        f.user(q, name="BOB")
    assert info.value.constraint == "users_email_key"


def test_negative_cost_is_refused(q: SqlQuerier) -> None:
    c = f.chat(q, f.user(q))
    with pytest.raises(CheckViolationError) as info:
        f.message(q, c, cost=-1)
    assert info.value.constraint == "chat_messages_total_cost_nonnegative"


def test_chat_needs_an_existing_owner(q: SqlQuerier) -> None:
    with pytest.raises(ForeignKeyViolationError):
        q.insert_chat(
            id=uuid.uuid4(),
            owner_id=uuid.uuid4(),
            organization_id=None,
            title="x",
            status=ChatStatus.WAITING,
        )


def test_at_most_one_default_model_config(q: SqlQuerier) -> None:
    first = f.model_config(q, "a", is_default=True)
    # The failed insert runs in a savepoint so the test's transaction stays usable.
    with pytest.raises(UniqueViolationError) as info, q.transaction() as tx:
        f.model_config(tx, "b", is_default=True)
    assert info.value.constraint == "chat_model_configs_single_default"
    assert q.get_default_chat_model_config() == first


def test_deleting_a_chat_cascades_to_messages(q: SqlQuerier) -> None:
    c = f.chat(q, f.user(q))
    m = f.message(q, c)
    assert q.delete_chat(id=c.id) == 1
    with pytest.raises(NotFoundError):
        q.get_chat_message(chat_id=c.id, id=m.id)


def test_deleting_a_model_config_keeps_messages(q: SqlQuerier) -> None:
    c = f.chat(q, f.user(q))
    mc = f.model_config(q)
    m = f.message(q, c, model=mc)
    assert q.delete_chat_model_config(id=mc.id) == 1
    assert q.get_chat_message(chat_id=c.id, id=m.id).model_config_id is None


def test_filtered_query_refuses_to_run_without_a_filter(q: SqlQuerier) -> None:
    with pytest.raises(MissingAuthorizeFilterError):
        q.get_chats(page_limit=10)
    with pytest.raises(MissingAuthorizeFilterError):
        q.get_users(page_limit=10)


def test_filter_is_spliced_with_bound_parameters(q: SqlQuerier) -> None:
    alice, bob = f.user(q), f.user(q)
    mine = f.chat(q, alice)
    f.chat(q, bob)
    only_alice = sa.column("owner_id", sa.Uuid) == alice.id
    assert q.get_chats(page_limit=10, authorize_filter=only_alice) == [mine]
    assert q.get_chats(page_limit=10, authorize_filter=sa.false()) == []


def _chats_newest_first(q: SqlQuerier, n: int) -> list[uuid.UUID]:
    owner = f.user(q)
    ids = []
    for i in range(n):
        c = f.chat(q, owner, title=f"c{i}")
        q.connection.execute(
            sa.text("UPDATE chats SET created_at = :t WHERE id = :id"),
            {"t": T0 + timedelta(minutes=i), "id": c.id},
        )
        ids.append(c.id)
    return list(reversed(ids))


def test_chat_pagination_walks_every_chat_once(q: SqlQuerier) -> None:
    expected = _chats_newest_first(q, 7)
    seen: list[uuid.UUID] = []
    after = None
    while True:
        page = q.get_chats(page_limit=3, after_id=after, authorize_filter=TRUE)
        seen += [c.id for c in page]
        if len(page) < 3:
            break
        after = page[-1].id
    assert seen == expected
    # Exactly at the edge: the last full page is followed by an empty one.
    assert q.get_chats(page_limit=7, authorize_filter=TRUE)[-1].id == expected[-1]
    assert q.get_chats(page_limit=7, after_id=expected[-1], authorize_filter=TRUE) == []


def test_chat_filters_owner_and_archived(q: SqlQuerier) -> None:
    a, b = f.user(q), f.user(q)
    ca, cb = f.chat(q, a), f.chat(q, b)
    q.archive_chat(id=cb.id)
    assert [c.id for c in q.get_chats(owner_id=a.id, page_limit=10, authorize_filter=TRUE)] == [
        ca.id
    ]
    assert [c.id for c in q.get_chats(archived=True, page_limit=10, authorize_filter=TRUE)] == [
        cb.id
    ]
    assert q.unarchive_chat(id=cb.id).archived is False


def test_message_pagination_skips_deleted(q: SqlQuerier) -> None:
    c = f.chat(q, f.user(q))
    ms = [f.message(q, c, role=ChatMessageRole.USER) for _ in range(5)]
    assert q.soft_delete_chat_message(chat_id=c.id, id=ms[1].id) == 1
    assert q.soft_delete_chat_message(chat_id=c.id, id=ms[1].id) == 0  # already deleted
    first = q.get_chat_messages(chat_id=c.id, after_id=0, page_limit=2)
    assert [m.id for m in first] == [ms[0].id, ms[2].id]
    rest = q.get_chat_messages(chat_id=c.id, after_id=first[-1].id, page_limit=10)
    assert [m.id for m in rest] == [ms[3].id, ms[4].id]


def test_cost_aggregates_match_hand_computed_figures(q: SqlQuerier) -> None:
    owner, other = f.user(q), f.user(q)
    gpt, claude = f.model_config(q, "gpt"), f.model_config(q, "claude")
    c1, c2 = f.chat(q, owner, title="one"), f.chat(q, owner, title="two")
    theirs = f.chat(q, other)
    inside = T0 + timedelta(days=1)
    rows = [
        (c1, 100, (10, 20), gpt, inside, ChatMessageRole.ASSISTANT),
        (c1, 250, (5, 5), claude, inside, ChatMessageRole.ASSISTANT),
        (c2, 1000, (1, 2), gpt, T0, ChatMessageRole.ASSISTANT),  # start is inclusive
        (c2, 7, (1, 1), gpt, T0 + timedelta(days=7), ChatMessageRole.ASSISTANT),  # end excluded
        (c2, 9, (1, 1), gpt, inside, ChatMessageRole.USER),  # not an assistant message
        (theirs, 5000, (9, 9), gpt, inside, ChatMessageRole.ASSISTANT),  # someone else's
    ]
    for chat, cost, tokens, model, when, role in rows:
        f.at(q, f.message(q, chat, cost=cost, tokens=tokens, model=model, role=role), when)
    deleted = f.message(q, c1, cost=333, tokens=(3, 3), model=gpt)
    f.at(q, deleted, inside)
    q.soft_delete_chat_message(chat_id=c1.id, id=deleted.id)

    end = T0 + timedelta(days=7)
    summary = q.get_chat_cost_summary(
        owner_id=owner.id, start_date=T0, end_date=end, authorize_filter=TRUE
    )
    assert (
        summary.total_cost_micros,
        summary.total_input_tokens,
        summary.total_output_tokens,
        summary.message_count,
    ) == (Decimal(1350), Decimal(16), Decimal(27), 3)
    per_model = {
        r.model: (r.total_cost_micros, r.message_count)
        for r in q.get_chat_cost_per_model(
            owner_id=owner.id, start_date=T0, end_date=end, authorize_filter=TRUE
        )
    }
    assert per_model == {"gpt": (Decimal(1100), 2), "claude": (Decimal(250), 1)}
    per_chat = [
        (r.title, r.total_cost_micros)
        for r in q.get_chat_cost_per_chat(
            owner_id=owner.id, start_date=T0, end_date=end, authorize_filter=TRUE
        )
    ]
    assert per_chat == [("two", Decimal(1000)), ("one", Decimal(350))]
    empty = q.get_chat_cost_summary(
        owner_id=uuid.uuid4(), start_date=T0, end_date=T0, authorize_filter=TRUE
    )
    assert (empty.total_cost_micros, empty.message_count) == (Decimal(0), 0)


def test_authorization_roles_in_one_query(q: SqlQuerier) -> None:
    u = f.user(q, "chat-access")
    o1, o2 = f.org(q), f.org(q)
    f.member(q, u, o1, "organization-admin")
    f.member(q, u, o2)
    row = q.get_authorization_user_roles(user_id=u.id)
    assert row.rbac_roles == ("chat-access",)
    assert row.status is UserStatus.ACTIVE
    assert sorted(row.org_roles) == sorted(
        [
            f"organization-admin:{o1.id}",
            f"organization-member:{o1.id}",
            f"organization-member:{o2.id}",
        ]
    )


def test_members_roles_and_removal(q: SqlQuerier) -> None:
    u, o = f.user(q), f.org(q)
    f.member(q, u, o)
    updated = q.update_member_roles(
        organization_id=o.id, user_id=u.id, granted_roles=("organization-auditor",)
    )
    assert updated.roles == ("organization-auditor",)
    assert [m.user_id for m in q.get_organization_members(organization_id=o.id)] == [u.id]
    assert q.delete_organization_member(organization_id=o.id, user_id=u.id) == 1
    assert q.get_organization_members(organization_id=o.id) == []


def test_transaction_rolls_back_on_error(q: SqlQuerier) -> None:
    u = f.user(q)

    def create_then_fail() -> None:
        with q.transaction() as tx:
            f.chat(tx, u)
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        create_then_fail()
    assert q.get_chats(owner_id=u.id, page_limit=10, authorize_filter=TRUE) == []
