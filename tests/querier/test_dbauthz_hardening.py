"""Data rules of the authorizing querier on a real database: usage only from chatd, sums that
cannot overflow, the last owner, and references that are no existence oracle."""

from __future__ import annotations

import contextlib
import threading
import uuid
from collections.abc import Callable, Iterator
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from authz import Authorizer, NotAuthorizedError, Subject
from authz.subjects import SYSTEM_RESTRICTED
from querier.dbauthz import AuthzQuerier, as_actor, as_chatd, as_system_restricted, load_subject
from querier.dbauthz.guards import LastOwnerError, ReferenceNotFoundError, UsageNotAllowedError
from querier.generated.models import ChatMessageRole, User, UserStatus
from querier.generated.sql import SqlQuerier
from tests import factories as f
from tests.conftest import NewDatabase

MAX_BIGINT = 2**63 - 1


def wrapped(conn: Connection) -> AuthzQuerier:
    return AuthzQuerier(SqlQuerier(conn), Authorizer())


def messages_in(conn: Connection, chat_id: uuid.UUID) -> int:
    count = conn.execute(
        sa.text("SELECT count(*) FROM chat_messages WHERE chat_id = :c"), {"c": chat_id}
    ).scalar()
    assert isinstance(count, int)
    return count


# --- usage is recorded by chatd only -----------------------------------------------------------


@pytest.mark.parametrize("usage", [(1, 0, 0), (0, 1, 0), (0, 0, 1)])
@pytest.mark.parametrize("who", ["owner", "chat_owner", "system"])
def test_only_chatd_records_usage(conn: Connection, who: str, usage: tuple[int, int, int]) -> None:
    raw = SqlQuerier(conn)
    alice = f.user(raw, "chat-access")
    chat = f.chat(raw, alice)
    actors = {
        "owner": load_subject(raw, f.user(raw, "owner").id),
        "chat_owner": load_subject(raw, alice.id),
        "system": SYSTEM_RESTRICTED,
    }
    q = wrapped(conn)
    with as_actor(actors[who]), pytest.raises(UsageNotAllowedError):
        q.insert_chat_message(
            chat_id=chat.id,
            role=ChatMessageRole.ASSISTANT,
            content={"text": "x"},
            input_tokens=usage[0],
            output_tokens=usage[1],
            total_cost_micros=usage[2],
        )
    assert messages_in(conn, chat.id) == 0
    with as_chatd():
        q.insert_chat_message(
            chat_id=chat.id,
            role=ChatMessageRole.ASSISTANT,
            content={"text": "x"},
            input_tokens=usage[0],
            output_tokens=usage[1],
            total_cost_micros=usage[2],
        )
    assert messages_in(conn, chat.id) == 1


def test_cost_sums_of_maximal_values_do_not_overflow(conn: Connection) -> None:
    """chatd writes the largest values a column holds, twice; every aggregate still answers."""
    raw = SqlQuerier(conn)
    alice = f.user(raw, "chat-access")
    config = f.model_config(raw, "big")
    chat = f.chat(raw, alice)
    q = wrapped(conn)
    with as_chatd():
        for _ in range(2):
            q.insert_chat_message(
                chat_id=chat.id,
                role=ChatMessageRole.ASSISTANT,
                content={"text": "expensive"},
                model_config_id=config.id,
                input_tokens=MAX_BIGINT,
                output_tokens=MAX_BIGINT,
                total_cost_micros=MAX_BIGINT,
            )
    twice = Decimal(2 * MAX_BIGINT)
    with as_actor(load_subject(raw, alice.id)):
        summary = q.get_chat_cost_summary(owner_id=alice.id, start_date=f.T_MIN, end_date=f.T_MAX)
        per_model = q.get_chat_cost_per_model(
            owner_id=alice.id, start_date=f.T_MIN, end_date=f.T_MAX
        )
        per_chat = q.get_chat_cost_per_chat(owner_id=alice.id, start_date=f.T_MIN, end_date=f.T_MAX)
    assert (summary.total_cost_micros, summary.total_input_tokens) == (twice, twice)
    assert (summary.total_output_tokens, summary.message_count) == (twice, 2)
    assert [(r.model_config_id, r.total_cost_micros) for r in per_model] == [(config.id, twice)]
    assert [(r.chat_id, r.total_output_tokens) for r in per_chat] == [(chat.id, twice)]


# --- the last owner ----------------------------------------------------------------------------


@pytest.fixture
def own_conn(new_database: NewDatabase) -> Iterator[Connection]:
    """A connection on a database of its own (no owner committed by another test), rolled back."""
    with new_database().connect() as connection, connection.begin() as transaction:
        yield connection
        transaction.rollback()


def test_the_last_owner_keeps_the_role_and_stays_active(own_conn: Connection) -> None:
    conn = own_conn
    raw = SqlQuerier(conn)
    only = f.user(raw, "owner", "chat-access")
    f.user(raw, "owner", status=UserStatus.SUSPENDED)  # a suspended owner cannot act: no help
    q = wrapped(conn)
    with as_actor(load_subject(raw, only.id)):
        with pytest.raises(LastOwnerError, match="last active owner"):
            q.update_user_roles(granted_roles=("chat-access",), id=only.id)
        with pytest.raises(LastOwnerError):
            q.update_user_status(status=UserStatus.SUSPENDED, id=only.id)
        # Other changes of the last owner are fine, and so is dormant (its tokens still work).
        assert q.update_user_roles(granted_roles=("owner",), id=only.id).rbac_roles == ("owner",)
        assert q.update_user_status(status=UserStatus.DORMANT, id=only.id).status is (
            UserStatus.DORMANT
        )
    assert raw.get_user_by_id(id=only.id).rbac_roles == ("owner",)


def test_with_a_second_owner_one_may_go(own_conn: Connection) -> None:
    conn = own_conn
    raw = SqlQuerier(conn)
    first, second = f.user(raw, "owner"), f.user(raw, "owner", status=UserStatus.DORMANT)
    q = wrapped(conn)
    with as_system_restricted():
        assert q.update_user_roles(granted_roles=(), id=first.id).rbac_roles == ()
        with pytest.raises(LastOwnerError):
            q.update_user_status(status=UserStatus.SUSPENDED, id=second.id)
        q.update_user_status(status=UserStatus.SUSPENDED, id=first.id)  # no longer an owner


def _demote(engine: Engine, actor: User, target: User, barriers: list[threading.Barrier]) -> str:
    """In its own transaction: actor removes target's owner role; both commit only together."""
    with engine.connect() as conn:
        try:
            with conn.begin():
                q = wrapped(conn)
                subject = load_subject(SqlQuerier(conn), actor.id)
                barriers[0].wait(timeout=10)
                with as_actor(subject):
                    q.update_user_roles(granted_roles=(), id=target.id)
                # Without the owners' locks both demotions get here before either commits;
                # with them the other one is still waiting for our locks: go on alone.
                with contextlib.suppress(threading.BrokenBarrierError):
                    barriers[1].wait(timeout=2)
            return "demoted"
        except LastOwnerError:
            return "refused"


def test_two_owners_demoting_each_other_concurrently_leave_one(
    new_database: NewDatabase,
) -> None:
    engine = new_database()
    with engine.begin() as conn:
        raw = SqlQuerier(conn)
        a, b = f.user(raw, "owner"), f.user(raw, "owner")
    barriers = [threading.Barrier(2), threading.Barrier(2)]
    results: dict[str, str] = {}

    def run(name: str, actor: User, target: User) -> Callable[[], None]:
        return lambda: results.__setitem__(name, _demote(engine, actor, target, barriers))

    threads = [
        threading.Thread(target=run("a", a, b)),
        threading.Thread(target=run("b", b, a)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(results.values()) == ["demoted", "refused"]
    with engine.connect() as conn:
        owners = conn.execute(
            sa.text("SELECT count(*) FROM users WHERE rbac_roles @> ARRAY['owner']")
        ).scalar()
    assert owners == 1


# --- references: unreadable = missing ----------------------------------------------------------


def test_membership_references_are_no_oracle(conn: Connection) -> None:
    raw = SqlQuerier(conn)
    org_a, org_b = f.org(raw), f.org(raw)
    site_owner = f.user(raw, "owner")
    org_admin = f.user(raw)
    f.member(raw, org_admin, org_a, "organization-admin")
    user_admin = f.user(raw, "user-admin")
    q = wrapped(conn)
    errors: list[str] = []
    with as_actor(load_subject(raw, org_admin.id)):
        for target in (site_owner.id, uuid.uuid4()):  # exists but unreadable / missing
            with pytest.raises(ReferenceNotFoundError) as caught, q.transaction() as tx:
                tx.insert_organization_member(user_id=target, organization_id=org_a.id, roles=())
            errors.append(str(caught.value))
    with as_actor(load_subject(raw, user_admin.id)):
        for org_id in (org_b.id, uuid.uuid4()):
            with pytest.raises(ReferenceNotFoundError) as caught, q.transaction() as tx:
                tx.insert_organization_member(
                    user_id=user_admin.id, organization_id=org_id, roles=()
                )
            errors.append(str(caught.value))
    with as_actor(load_subject(raw, site_owner.id)):  # may read any user: the foreign key
        with pytest.raises(ReferenceNotFoundError) as caught, q.transaction() as tx:
            tx.insert_organization_member(user_id=uuid.uuid4(), organization_id=org_a.id, roles=())
        errors.append(str(caught.value))
    assert len(set(errors)) == 1, errors
    assert "fkey" not in errors[0]
    assert raw.get_organization_members(organization_id=org_a.id) == [
        raw.get_organization_member(organization_id=org_a.id, user_id=org_admin.id)
    ]


def test_a_message_model_config_is_no_oracle(conn: Connection) -> None:
    raw = SqlQuerier(conn)
    org = f.org(raw)
    alice, org_admin = f.user(raw, "chat-access"), f.user(raw)
    f.member(raw, alice, org)
    f.member(raw, org_admin, org, "organization-admin")
    chat = f.chat(raw, alice, org)
    config = f.model_config(raw)
    q = wrapped(conn)
    seen: list[str] = []
    with as_actor(load_subject(raw, org_admin.id)):
        for config_id in (config.id, uuid.uuid4()):
            with pytest.raises(ReferenceNotFoundError) as caught, q.transaction() as tx:
                tx.insert_chat_message(
                    chat_id=chat.id,
                    role=ChatMessageRole.USER,
                    content={},
                    model_config_id=config_id,
                    input_tokens=0,
                    output_tokens=0,
                    total_cost_micros=0,
                )
            seen.append(str(caught.value))
    assert seen[0] == seen[1]
    with as_actor(load_subject(raw, alice.id)):
        made = q.insert_chat_message(
            chat_id=chat.id,
            role=ChatMessageRole.USER,
            content={},
            model_config_id=config.id,
            input_tokens=0,
            output_tokens=0,
            total_cost_micros=0,
        )
    assert made.model_config_id == config.id


def test_the_lock_query_is_for_the_system_only(conn: Connection) -> None:
    raw = SqlQuerier(conn)
    owner = f.user(raw, "owner")
    someone = Subject(id=uuid.uuid4(), roles=("member", "user-admin"))
    q = wrapped(conn)
    with as_actor(someone), pytest.raises(NotAuthorizedError):
        q.get_user_and_owners_for_update(id=owner.id)
    with as_system_restricted():
        assert owner.id in [u.id for u in q.get_user_and_owners_for_update(id=owner.id)]
