"""The authorizing querier on real PostgreSQL with the real policy engine."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from authz import Authorizer, InvalidRoleError, NoActorError, NotAuthorizedError, Subject
from querier.dbauthz import AuthzQuerier, FilterNotAllowedError, as_actor
from querier.dbauthz.actors import InactiveUserError, load_subject
from querier.errors import NotFoundError
from querier.generated.models import Chat, ChatStatus, Organization, User, UserStatus
from querier.generated.sql import SqlQuerier
from tests import factories as f
from tests.conftest import NewDatabase


@dataclass
class World:
    raw: SqlQuerier
    az: AuthzQuerier
    org_a: Organization
    org_b: Organization
    owner: User
    user_admin: User
    member: User  # no chat-access, member of org A
    chatter: User  # chat-access, member of org A
    other_chatter: User  # chat-access, member of org B
    org_admin: User  # organization-admin of A

    def subject(self, user: User) -> Subject:
        return load_subject(self.raw, user.id)

    @contextmanager
    def acting(self, user: User) -> Iterator[AuthzQuerier]:
        with as_actor(self.subject(user)):
            yield self.az


@pytest.fixture
def world(conn: Connection) -> World:
    raw = SqlQuerier(conn)
    org_a, org_b = f.org(raw, "a"), f.org(raw, "b")
    w = World(
        raw=raw,
        az=AuthzQuerier(raw, Authorizer()),
        org_a=org_a,
        org_b=org_b,
        owner=f.user(raw, "owner"),
        user_admin=f.user(raw, "user-admin"),
        member=f.user(raw),
        chatter=f.user(raw, "chat-access"),
        other_chatter=f.user(raw, "chat-access"),
        org_admin=f.user(raw),
    )
    f.member(raw, w.member, org_a)
    f.member(raw, w.chatter, org_a)
    f.member(raw, w.other_chatter, org_b)
    f.member(raw, w.org_admin, org_a, "organization-admin")
    return w


def new_chat(az: AuthzQuerier, owner: User, org: Organization | None = None) -> Chat:
    return az.insert_chat(
        id=uuid.uuid4(),
        owner_id=owner.id,
        organization_id=org.id if org else None,
        title="mine",
        status=ChatStatus.WAITING,
    )


def visible(az: AuthzQuerier, **kwargs: Any) -> set[uuid.UUID]:
    return {c.id for c in az.get_chats(page_limit=1000, **kwargs)}


def test_member_without_chat_access_sees_nothing_and_creates_nothing(world: World) -> None:
    f.chat(world.raw, world.member)  # a chat from before the role existed
    with world.acting(world.member) as az:
        assert az.get_chats(page_limit=50) == []
        with pytest.raises(NotAuthorizedError):
            new_chat(az, world.member)
        with pytest.raises(NotAuthorizedError):
            new_chat(az, world.member, world.org_a)


def test_chat_access_user_works_on_own_chats_only(world: World) -> None:
    theirs = f.chat(world.raw, world.other_chatter)
    with world.acting(world.chatter) as az:
        personal = new_chat(az, world.chatter)
        in_org = new_chat(az, world.chatter, world.org_a)
        assert az.get_chat(id=personal.id) == personal
        assert az.update_chat_title(title="renamed", id=in_org.id).title == "renamed"
        assert az.archive_chat(id=personal.id).archived
        assert visible(az) == {personal.id, in_org.id}
        with pytest.raises(NotAuthorizedError):
            az.get_chat(id=theirs.id)
        with pytest.raises(NotAuthorizedError):
            az.update_chat_title(title="x", id=theirs.id)
        with pytest.raises(NotAuthorizedError):
            new_chat(az, world.chatter, world.org_b)  # own chat, but not a member of B
        with pytest.raises(NotAuthorizedError):
            new_chat(az, world.other_chatter)  # a chat owned by someone else
        with pytest.raises(NotFoundError):
            az.get_chat(id=uuid.uuid4())  # not-found stays not-found
    assert world.raw.get_chat(id=theirs.id).title == theirs.title


def test_owner_sees_all_and_org_admin_sees_its_org(world: World) -> None:
    a1 = f.chat(world.raw, world.chatter, world.org_a)
    a2 = f.chat(world.raw, world.member, world.org_a)
    b1 = f.chat(world.raw, world.other_chatter, world.org_b)
    personal = f.chat(world.raw, world.chatter)
    with world.acting(world.owner) as az:
        assert {a1.id, a2.id, b1.id, personal.id} <= visible(az)
    with world.acting(world.org_admin) as az:
        assert visible(az) == {a1.id, a2.id}
        with pytest.raises(NotAuthorizedError):
            az.get_chat(id=b1.id)


def test_pages_are_full_under_the_filter(world: World) -> None:
    mine = []
    for i in range(30):
        owner = world.chatter if i % 3 == 0 else world.other_chatter
        c = f.chat(world.raw, owner, title=f"c{i}")
        world.raw.connection.execute(
            sa.text(
                "UPDATE chats SET created_at = now() - make_interval(mins => :i) WHERE id = :id"
            ),
            {"i": i, "id": c.id},
        )
        if owner is world.chatter:
            mine.append(c.id)
    with world.acting(world.chatter) as az:
        pages, after = [], None
        while True:
            page = az.get_chats(page_limit=4, after_id=after)
            pages.append([c.id for c in page])
            if len(page) < 4:
                break
            after = page[-1].id
    assert [len(p) for p in pages] == [4, 4, 2]
    assert [c for p in pages for c in p] == mine


def test_callers_cannot_pass_their_own_filter(world: World) -> None:
    with world.acting(world.chatter) as az, pytest.raises(FilterNotAllowedError):
        az.get_chats(page_limit=10, authorize_filter=sa.true())


def test_no_actor_runs_no_sql(world: World) -> None:
    with pytest.raises(NoActorError):
        world.az.get_chats(page_limit=10)


def test_user_admin_may_grant_chat_access_but_not_owner(world: World) -> None:
    target = world.member
    with world.acting(world.user_admin) as az:
        assert az.update_user_roles(id=target.id, granted_roles=("chat-access",)).rbac_roles == (
            "chat-access",
        )
        with pytest.raises(NotAuthorizedError, match="owner"):
            az.update_user_roles(id=target.id, granted_roles=("chat-access", "owner"))
    assert world.raw.get_user_by_id(id=target.id).rbac_roles == ("chat-access",)


def test_member_may_grant_nothing_not_even_to_itself(world: World) -> None:
    with world.acting(world.member) as az, pytest.raises(NotAuthorizedError):
        az.update_user_roles(id=world.member.id, granted_roles=("chat-access",))
    assert world.raw.get_user_by_id(id=world.member.id).rbac_roles == ()


def test_only_changed_roles_are_checked(world: World) -> None:
    # The user-admin may not assign `owner`, but keeping it while adding chat-access is fine.
    target = f.user(world.raw, "owner")
    with world.acting(world.user_admin) as az:
        updated = az.update_user_roles(id=target.id, granted_roles=("owner", "chat-access"))
    assert updated.rbac_roles == ("owner", "chat-access")


def test_role_levels_and_names_are_validated(world: World) -> None:
    with world.acting(world.owner) as az:
        with pytest.raises(InvalidRoleError):
            az.update_user_roles(id=world.member.id, granted_roles=("organization-admin",))
        with pytest.raises(InvalidRoleError):
            az.update_user_roles(id=world.member.id, granted_roles=("no-such-role",))
        with pytest.raises(InvalidRoleError):
            az.update_member_roles(
                organization_id=world.org_a.id, user_id=world.member.id, granted_roles=("owner",)
            )


def test_org_admin_manages_roles_in_its_org_only(world: World) -> None:
    stranger = f.user(world.raw)
    f.member(world.raw, stranger, world.org_b)
    with world.acting(world.org_admin) as az:
        updated = az.update_member_roles(
            organization_id=world.org_a.id,
            user_id=world.member.id,
            granted_roles=("organization-auditor",),
        )
        assert updated.roles == ("organization-auditor",)
        with pytest.raises(NotAuthorizedError):
            az.update_member_roles(
                organization_id=world.org_b.id,
                user_id=stranger.id,
                granted_roles=("organization-admin",),
            )
    assert (
        world.raw.get_organization_member(organization_id=world.org_b.id, user_id=stranger.id).roles
        == ()
    )


def test_a_failure_inside_a_transaction_leaves_nothing_written(world: World) -> None:
    def create_two() -> None:
        with world.acting(world.chatter) as az, az.transaction() as tx:
            new_chat(tx, world.chatter)  # allowed
            new_chat(tx, world.other_chatter)  # denied: not the owner

    with pytest.raises(NotAuthorizedError):
        create_two()
    with world.acting(world.owner) as az:
        assert az.get_chats(owner_id=world.chatter.id, page_limit=10) == []


def test_transactions_stay_authorized(world: World) -> None:
    with world.acting(world.member) as az, az.transaction() as tx:
        assert isinstance(tx, AuthzQuerier)
        assert tx.get_chats(page_limit=10) == []
        with pytest.raises(NotAuthorizedError):
            new_chat(tx, world.member)


def test_never_double_wraps(world: World) -> None:
    twice = AuthzQuerier(world.az, Authorizer())
    assert twice.inner is world.raw


def test_suspended_users_get_no_subject(world: World) -> None:
    world.raw.update_user_status(status=UserStatus.SUSPENDED, id=world.chatter.id)
    with pytest.raises(InactiveUserError):
        world.subject(world.chatter)


def test_subject_holds_implied_roles(world: World) -> None:
    names = {str(r) for r in world.subject(world.org_admin).roles}
    assert names == {
        "member",
        f"organization-admin:{world.org_a.id}",
        f"organization-member:{world.org_a.id}",
    }


def test_role_changes_lock_the_row_they_are_computed_from(new_database: NewDatabase) -> None:
    """A concurrent change cannot slip between the read and the write (and be written back)."""
    engine = new_database()
    with engine.begin() as setup:
        raw = SqlQuerier(setup)
        admin_id, target_id = f.user(raw, "user-admin").id, f.user(raw).id
    with engine.connect() as first, engine.connect() as second:
        admin = load_subject(SqlQuerier(first), admin_id)
        first.commit()
        second.exec_driver_sql("SET lock_timeout = '200ms'")
        second.commit()
        with as_actor(admin):
            AuthzQuerier(SqlQuerier(first), Authorizer()).update_user_roles(
                id=target_id, granted_roles=("chat-access",)
            )
            # `first` has not committed: a second change of the same user must wait for it.
            with pytest.raises(sa.exc.OperationalError, match="lock timeout"):
                AuthzQuerier(SqlQuerier(second), Authorizer()).update_user_roles(
                    id=target_id, granted_roles=("user-admin",)
                )
        second.rollback()
        first.commit()
    with engine.connect() as check:
        assert SqlQuerier(check).get_user_by_id(id=target_id).rbac_roles == ("chat-access",)


def test_removing_a_member_needs_the_right_to_unassign_its_roles(world: World) -> None:
    boss = f.user(world.raw)
    f.member(world.raw, boss, world.org_a, "organization-admin")
    with world.acting(world.user_admin) as az:
        # user-admin may delete memberships, but may not take organization-admin away.
        with pytest.raises(NotAuthorizedError, match="organization-admin"):
            az.delete_organization_member(organization_id=world.org_a.id, user_id=boss.id)
        assert (
            az.delete_organization_member(organization_id=world.org_a.id, user_id=world.member.id)
            == 1
        )
    assert world.raw.get_organization_member(organization_id=world.org_a.id, user_id=boss.id)


def test_saving_unchanged_roles_writes_nothing(world: World) -> None:
    auditor = f.user(world.raw, "auditor")
    before = world.raw.get_user_by_id(id=world.chatter.id)
    with world.acting(auditor) as az:
        assert az.update_user_roles(id=world.chatter.id, granted_roles=("chat-access",)) == before
    assert world.raw.get_user_by_id(id=world.chatter.id).updated_at == before.updated_at


def test_cleaning_up_stored_names_is_an_edit_of_the_user(world: World) -> None:
    target = f.user(world.raw, "chat-access", "retired-role")
    auditor = f.user(world.raw, "auditor")
    with world.acting(auditor) as az, pytest.raises(NotAuthorizedError):
        az.update_user_roles(id=target.id, granted_roles=("chat-access",))
    with world.acting(world.user_admin) as az:
        assert az.update_user_roles(id=target.id, granted_roles=("chat-access",)).rbac_roles == (
            "chat-access",
        )


def test_cost_covers_only_chats_the_reader_may_read(world: World) -> None:
    """Chats the owner left behind in another organization do not show (title included)."""
    personal = f.chat(world.raw, world.chatter, title="mine")
    left_behind = f.chat(world.raw, world.chatter, world.org_b, title="secret org chat")
    for c in (personal, left_behind):
        f.message(world.raw, c, cost=100)
    owner_id, start, end = world.chatter.id, f.T_MIN, f.T_MAX
    with world.acting(world.chatter) as az:
        per_chat = az.get_chat_cost_per_chat(owner_id=owner_id, start_date=start, end_date=end)
        assert [r.title for r in per_chat] == ["mine"]
        summary = az.get_chat_cost_summary(owner_id=owner_id, start_date=start, end_date=end)
        assert summary.total_cost_micros == 100
    with world.acting(world.owner) as az:
        summary = az.get_chat_cost_summary(owner_id=owner_id, start_date=start, end_date=end)
        assert summary.total_cost_micros == 200
    with world.acting(world.member) as az, pytest.raises(NotAuthorizedError):
        az.get_chat_cost_summary(owner_id=owner_id, start_date=start, end_date=end)


def test_a_cursor_must_be_readable(world: World) -> None:
    theirs = f.chat(world.raw, world.other_chatter)
    with world.acting(world.chatter) as az:
        with pytest.raises(NotAuthorizedError):
            az.get_chats(page_limit=10, after_id=theirs.id)
        with pytest.raises(NotFoundError):
            az.get_chats(page_limit=10, after_id=uuid.uuid4())


def test_transaction_commits_when_it_opened_the_transaction(new_database: NewDatabase) -> None:
    engine = new_database()
    with engine.begin() as setup:
        owner_id = f.user(SqlQuerier(setup), "owner").id
    with engine.connect() as conn:
        q = AuthzQuerier(SqlQuerier(conn), Authorizer())
        subject = load_subject(q, owner_id)
        conn.commit()
        with as_actor(subject), q.transaction() as tx:
            chat = tx.insert_chat(
                id=uuid.uuid4(), owner_id=owner_id, title="kept", status=ChatStatus.WAITING
            )
    with engine.connect() as check:
        assert SqlQuerier(check).get_chat(id=chat.id).title == "kept"
