"""Groups through the authorizing querier, on real PostgreSQL (#13).

Who may do what is the role matrix's (tests/authz/matrix_groups.py); here: that the querier
applies it to stored rows, that lists are filtered in SQL, that roster changes are all or
nothing, and that the subject query carries the groups — so a change is in force on the very
next request (every request loads its subject).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from authz import Action, Authorizer, NotAuthorizedError
from querier.dbauthz import AuthzQuerier, as_actor
from querier.dbauthz.actors import load_subject
from querier.dbauthz.group_objects import (
    GroupMembersRefusedError,
    everyone_object,
    group_object,
)
from querier.errors import NotFoundError
from querier.generated.models import Group, Organization, User
from querier.generated.sql import SqlQuerier
from tests import factories as f


@dataclass
class World:
    raw: SqlQuerier
    az: AuthzQuerier
    org_a: Organization
    org_b: Organization
    admin: User  # organization-admin of A
    user_admin: User  # organization-user-admin of A
    alice: User  # plain member of A
    bob: User  # plain member of A
    carol: User  # member of B only

    @contextmanager
    def acting(self, user: User) -> Iterator[AuthzQuerier]:
        with as_actor(load_subject(self.raw, user.id)):
            yield self.az

    def make_group(self, name: str, *members: User) -> Group:
        with self.acting(self.admin) as az:
            g = az.insert_group(
                id=uuid.uuid4(), organization_id=self.org_a.id, name=name, display_name=""
            )
            if members:
                az.insert_group_members(
                    group_id=g.id,
                    organization_id=self.org_a.id,
                    user_ids=tuple(u.id for u in members),
                )
        return g

    def roster(self, g: Group) -> set[uuid.UUID]:
        rows = self.raw.get_group_members(group_id=g.id, organization_id=g.organization_id)
        return {r.user_id for r in rows}


@pytest.fixture
def world(conn: Connection) -> World:
    raw = SqlQuerier(conn)
    org_a, org_b = f.org(raw), f.org(raw)
    w = World(raw, AuthzQuerier(raw, Authorizer()), org_a, org_b, *(f.user(raw) for _ in range(5)))
    f.member(raw, w.admin, org_a, "organization-admin")
    f.member(raw, w.user_admin, org_a, "organization-user-admin")
    f.member(raw, w.alice, org_a)
    f.member(raw, w.bob, org_a)
    f.member(raw, w.carol, org_b)
    return w


def test_the_subject_carries_its_groups_and_a_change_is_in_force_on_the_next_request(
    world: World,
) -> None:
    team = world.make_group("team", world.alice)
    assert load_subject(world.raw, world.alice.id).groups == (team.id,)
    with world.acting(world.alice) as az:
        assert az.get_group(id=team.id) == team  # through the group's own ACL entry
    with world.acting(world.user_admin) as az:
        assert (
            az.delete_group_members(
                group_id=team.id, organization_id=world.org_a.id, user_ids=(world.alice.id,)
            )
            == 1
        )
    # The next request loads the subject again: alice is no longer in the group.
    assert load_subject(world.raw, world.alice.id).groups == ()
    with world.acting(world.alice) as az, pytest.raises(NotAuthorizedError):
        az.get_group(id=team.id)


def test_deleting_a_group_takes_it_out_of_its_members_subjects(world: World) -> None:
    team = world.make_group("team", world.alice, world.bob)
    with world.acting(world.admin) as az:
        assert az.delete_group(id=team.id) == 1
    assert load_subject(world.raw, world.alice.id).groups == ()
    assert world.roster(team) == set()


def test_leaving_the_organization_leaves_its_groups(world: World) -> None:
    team = world.make_group("team", world.alice, world.bob)
    with world.acting(world.admin) as az:
        az.delete_organization_member(organization_id=world.org_a.id, user_id=world.alice.id)
    assert world.roster(team) == {world.bob.id}
    subject = load_subject(world.raw, world.alice.id)
    assert subject.groups == ()
    Authorizer().authorize(
        load_subject(world.raw, world.bob.id), Action.READ, group_object(team.id, world.org_a.id)
    )
    with pytest.raises(NotAuthorizedError):  # not even the Everyone group of org A
        Authorizer().authorize(subject, Action.READ, everyone_object(world.org_a.id))


def test_the_list_is_filtered_in_sql_to_the_groups_the_reader_may_read(world: World) -> None:
    team = world.make_group("team", world.alice)
    crew = world.make_group("crew", world.bob)
    world.make_group("empty")
    with world.acting(world.alice) as az:
        assert az.get_groups_by_organization(organization_id=world.org_a.id) == [team]
    with world.acting(world.bob) as az:
        assert az.get_groups_by_organization(organization_id=world.org_a.id) == [crew]
    with world.acting(world.user_admin) as az:  # reads every group of its org
        names = [g.name for g in az.get_groups_by_organization(organization_id=world.org_a.id)]
    assert names == ["crew", "empty", "team"]
    with world.acting(world.carol) as az:  # another organization's member: nothing, no SQL
        assert az.get_groups_by_organization(organization_id=world.org_a.id) == []


def test_members_read_their_group_s_roster_others_do_not(world: World) -> None:
    team = world.make_group("team", world.alice, world.bob)
    with world.acting(world.alice) as az:
        rows = az.get_group_members(group_id=team.id, organization_id=world.org_a.id)
    assert {r.user_id for r in rows} == {world.alice.id, world.bob.id}
    other = world.make_group("other")
    with world.acting(world.alice) as az, pytest.raises(NotAuthorizedError):
        az.get_group_members(group_id=other.id, organization_id=world.org_a.id)


def test_adding_is_all_or_nothing_and_one_text_for_every_bad_user(world: World) -> None:
    team = world.make_group("team")
    messages = []
    for bad in (uuid.uuid4(), world.carol.id):  # unknown; a user of another org
        with world.acting(world.user_admin) as az, pytest.raises(GroupMembersRefusedError) as exc:
            az.insert_group_members(
                group_id=team.id,
                organization_id=world.org_a.id,
                user_ids=(world.alice.id, bad),
            )
        messages.append(str(exc.value).replace(str(bad), "<id>"))
        assert world.roster(team) == set()  # alice was not added either
    assert messages[0] == messages[1]
    with world.acting(world.user_admin) as az:
        added = az.insert_group_members(
            group_id=team.id,
            organization_id=world.org_a.id,
            user_ids=(world.alice.id, world.bob.id, world.alice.id),
        )
        again = az.insert_group_members(
            group_id=team.id, organization_id=world.org_a.id, user_ids=(world.alice.id,)
        )
    assert {r.user_id for r in added} == {world.alice.id, world.bob.id}
    assert again == []  # already in: skipped, not an error


def test_a_group_of_another_org_cannot_be_given_this_org_s_members(world: World) -> None:
    """The roster's org is part of the key: a group id of org B with org A's members fails."""
    f.member(world.raw, world.admin, world.org_b, "organization-admin")
    with world.acting(world.admin) as az:
        g_b = az.insert_group(
            id=uuid.uuid4(), organization_id=world.org_b.id, name="b-team", display_name=""
        )
        with pytest.raises(GroupMembersRefusedError):
            az.insert_group_members(
                group_id=g_b.id, organization_id=world.org_a.id, user_ids=(world.alice.id,)
            )
    # The statement failed as a whole (its foreign key), so nothing was added; the test's
    # transaction is aborted by it, which is why the roster is not read back here.


def test_escalations_are_refused(world: World) -> None:
    team = world.make_group("team", world.bob)
    # A member cannot add itself, nor anyone, and cannot create groups.
    with world.acting(world.alice) as az:
        with pytest.raises(NotAuthorizedError):
            az.insert_group_members(
                group_id=team.id, organization_id=world.org_a.id, user_ids=(world.alice.id,)
            )
        with pytest.raises(NotAuthorizedError):
            az.insert_group(
                id=uuid.uuid4(), organization_id=world.org_a.id, name="mine", display_name=""
            )
    # A group member reads its group, but cannot rename it, delete it or remove others.
    with world.acting(world.bob) as az:
        with pytest.raises(NotAuthorizedError):
            az.update_group(id=team.id, name="bobs")
        with pytest.raises(NotAuthorizedError):
            az.delete_group_members(
                group_id=team.id, organization_id=world.org_a.id, user_ids=(world.bob.id,)
            )
    # The organization user admin manages rosters, not groups.
    with world.acting(world.user_admin) as az:
        with pytest.raises(NotAuthorizedError):
            az.update_group(id=team.id, name="renamed")
        with pytest.raises(NotAuthorizedError):
            az.delete_group(id=team.id)
    # Another organization's member sees nothing.
    with world.acting(world.carol) as az, pytest.raises(NotAuthorizedError):
        az.get_group(id=team.id)
    assert world.raw.get_group(id=team.id).name == "team"
    assert world.roster(team) == {world.bob.id}


def test_creating_in_another_or_a_missing_organization_is_refused(world: World) -> None:
    with world.acting(world.admin) as az, pytest.raises(NotAuthorizedError):
        az.insert_group(id=uuid.uuid4(), organization_id=world.org_b.id, name="x", display_name="")
    owner = f.user(world.raw, "owner")
    with world.acting(owner) as az, pytest.raises(NotFoundError):  # the same error as unreadable
        az.insert_group(id=uuid.uuid4(), organization_id=uuid.uuid4(), name="x", display_name="")


def test_an_addition_and_a_concurrent_leave_never_leave_a_stray_member(engine: Engine) -> None:
    """The addition holds key-share locks on the memberships it relies on (its own FOR KEY
    SHARE read, and the foreign key's): a concurrent removal from the organization waits for
    it, then takes the new group membership with it (cascade)."""
    with engine.begin() as setup:
        raw = SqlQuerier(setup)
        org, admin, ada = f.org(raw), f.user(raw, "owner"), f.user(raw)
        f.member(raw, ada, org)
        team = f.group(raw, org)
    with engine.connect() as c1, engine.connect() as c2:
        t1 = c1.begin()
        q1 = AuthzQuerier(SqlQuerier(c1), Authorizer())
        with as_actor(load_subject(SqlQuerier(c1), admin.id)):
            q1.insert_group_members(group_id=team.id, organization_id=org.id, user_ids=(ada.id,))
        with c2.begin():
            c2.execute(sa.text("SET LOCAL lock_timeout = '200ms'"))
            with pytest.raises(sa.exc.OperationalError, match="lock timeout"):
                SqlQuerier(c2).delete_organization_member(organization_id=org.id, user_id=ada.id)
        t1.commit()
        with c2.begin():
            assert (
                SqlQuerier(c2).delete_organization_member(organization_id=org.id, user_id=ada.id)
                == 1
            )
    with engine.connect() as after:
        rows = SqlQuerier(after).get_group_members(group_id=team.id, organization_id=org.id)
        assert rows == []


def test_a_caller_who_may_not_read_a_group_never_locks_it(world: World, conn: Connection) -> None:
    """Else anyone could hold any group's row by id, and a wait on someone else's lock would
    tell that the id exists."""
    from tests.querier.test_statement_budget import counting

    w = world
    team = w.make_group("locked")
    attempts: list[Callable[[AuthzQuerier], object]] = [
        lambda az: az.get_group_for_update(id=team.id),
        lambda az: az.update_group(id=team.id, name="mine", display_name=None),
        lambda az: az.delete_group(id=team.id),
    ]
    for attempt in attempts:
        with (
            w.acting(w.carol) as az,
            counting(conn) as sent,
            pytest.raises((NotAuthorizedError, NotFoundError)),
        ):
            attempt(az)
        assert sent, "the group was never read"
        assert not any("FOR UPDATE" in s.upper() for s in sent), sent
