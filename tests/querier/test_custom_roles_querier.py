"""Custom organization roles through the authorizing querier, on real PostgreSQL.

The guard (`authz.escalation`) and the engine are unit- and property-tested in tests/authz;
here: that the querier applies them to stored definitions, that a role in use cannot be
deleted, and that the subject query brings the definitions (and their versions) along.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from sqlalchemy.engine import Connection

from authz import Authorizer, InvalidRoleError, NotAuthorizedError, RoleEscalationError
from querier.dbauthz import AuthzQuerier, as_actor
from querier.dbauthz.actors import load_subject
from querier.dbauthz.guards import CustomRoleInUseError
from querier.errors import NotFoundError
from querier.generated.models import ChatStatus, CustomRole, Organization, User
from querier.generated.sql import SqlQuerier
from tests import factories as f


@dataclass
class World:
    raw: SqlQuerier
    az: AuthzQuerier
    org_a: Organization
    org_b: Organization
    org_admin: User  # organization-admin of A (member of B too, without roles)
    user_admin: User  # organization-user-admin of A
    reviewer: User  # member of A, to hold custom roles

    @contextmanager
    def acting(self, user: User) -> Iterator[AuthzQuerier]:
        with as_actor(load_subject(self.raw, user.id)):
            yield self.az

    def create(
        self,
        actor: User,
        org: Organization,
        name: str,
        *org_perms: str,
        member: tuple[str, ...] = (),
    ) -> CustomRole:
        with self.acting(actor) as az:
            return az.insert_custom_role(
                organization_id=org.id,
                name=name,
                display_name=name.title(),
                org_permissions=org_perms,
                member_permissions=member,
            )


@pytest.fixture
def world(conn: Connection) -> World:
    raw = SqlQuerier(conn)
    org_a, org_b = f.org(raw), f.org(raw)
    w = World(
        raw, AuthzQuerier(raw, Authorizer()), org_a, org_b, f.user(raw), f.user(raw), f.user(raw)
    )
    f.member(raw, w.org_admin, org_a, "organization-admin")
    f.member(raw, w.org_admin, org_b)
    f.member(raw, w.user_admin, org_a, "organization-user-admin")
    f.member(raw, w.reviewer, org_a)
    return w


def test_an_org_admin_defines_a_role_in_its_org_with_normalized_permissions(world: World) -> None:
    row = world.create(world.org_admin, world.org_a, "chat-reviewer", "chat:read", "chat:read")
    assert (row.name, row.org_permissions, row.member_permissions, row.version) == (
        "chat-reviewer",
        ("chat:read",),
        (),
        1,
    )


def test_an_org_admin_of_a_cannot_define_a_role_in_b(world: World) -> None:
    with pytest.raises(NotAuthorizedError):
        world.create(world.org_admin, world.org_b, "chat-reviewer", "chat:read")
    assert world.raw.get_custom_roles_by_organization(organization_id=world.org_b.id) == []


def test_an_org_user_admin_cannot_define_a_role_with_chat_update(world: World) -> None:
    # organization-user-admin has no create on assign_org_role: refused before the guard.
    with pytest.raises(NotAuthorizedError):
        world.create(world.user_admin, world.org_a, "chat-editor", "chat:update")


def test_the_guard_names_the_first_permission_the_actor_lacks(world: World) -> None:
    # organization-admin may do everything in A except delete the organization.
    with pytest.raises(RoleEscalationError, match=r"organization:delete \(org level"):
        world.create(world.org_admin, world.org_a, "wrecker", "chat:read", "organization:delete")


@pytest.mark.parametrize("name", ["owner", "organization-admin", "agents-access", "Bad Name", ""])
def test_built_in_retired_and_malformed_names_are_refused(world: World, name: str) -> None:
    with pytest.raises(InvalidRoleError):
        world.create(world.org_admin, world.org_a, name, "chat:read")


def test_negations_and_unknown_permissions_are_refused(world: World) -> None:
    for perm in ("-chat:read", "chat:fly", "site:read", "chat"):
        with pytest.raises(InvalidRoleError):
            world.create(world.org_admin, world.org_a, "r", perm)


def test_update_bumps_the_version_and_keeps_the_name(world: World) -> None:
    world.create(world.org_admin, world.org_a, "chat-reviewer", "chat:read")
    with world.acting(world.org_admin) as az:
        row = az.update_custom_role(
            organization_id=world.org_a.id,
            name="chat-reviewer",
            display_name="Reviewer",
            org_permissions=("chat:read", "chat:update"),
            member_permissions=(),
        )
    assert (row.version, row.org_permissions) == (2, ("chat:read", "chat:update"))


def test_a_user_admin_may_not_assign_a_role_granting_what_it_lacks(world: World) -> None:
    world.create(world.org_admin, world.org_a, "chat-reviewer", "chat:read")
    with (
        world.acting(world.user_admin) as az,
        pytest.raises(RoleEscalationError, match=r"chat:read \(org level\)"),
    ):
        az.update_member_roles(
            organization_id=world.org_a.id,
            user_id=world.reviewer.id,
            granted_roles=("chat-reviewer",),
        )


def test_a_custom_role_of_another_org_cannot_be_assigned(world: World) -> None:
    world.raw.insert_custom_role(
        organization_id=world.org_b.id,
        name="chat-reviewer",
        display_name="",
        org_permissions=("chat:read",),
        member_permissions=(),
    )
    with world.acting(world.org_admin) as az, pytest.raises(InvalidRoleError):
        az.update_member_roles(
            organization_id=world.org_a.id,
            user_id=world.reviewer.id,
            granted_roles=("chat-reviewer",),
        )


def test_a_held_role_reads_every_chat_of_its_org_and_changes_on_the_next_load(
    world: World,
) -> None:
    raw = world.raw
    author = f.user(raw, "chat-access")
    f.member(raw, author, world.org_a)
    f.member(raw, author, world.org_b)
    in_a, in_b = f.chat(raw, author, world.org_a), f.chat(raw, author, world.org_b)
    world.create(world.org_admin, world.org_a, "chat-reviewer", "chat:read")
    with world.acting(world.org_admin) as az:
        az.update_member_roles(
            organization_id=world.org_a.id,
            user_id=world.reviewer.id,
            granted_roles=("chat-reviewer",),
        )
    with world.acting(world.reviewer) as az:
        assert {c.id for c in az.get_chats(page_limit=100)} == {in_a.id}
        assert az.get_chat(id=in_a.id).id == in_a.id
        with pytest.raises(NotAuthorizedError):
            az.get_chat(id=in_b.id)
        with pytest.raises(NotAuthorizedError):
            az.update_chat_title(id=in_a.id, title="mine now")
    with world.acting(world.org_admin) as az:
        az.update_custom_role(
            organization_id=world.org_a.id,
            name="chat-reviewer",
            display_name="",
            org_permissions=("chat:read", "chat:update"),
            member_permissions=(),
        )
    subject = load_subject(raw, world.reviewer.id)
    assert [(d.name, d.version) for d in subject.custom_roles] == [("chat-reviewer", 2)]
    with as_actor(subject):
        assert world.az.update_chat_title(id=in_a.id, title="reviewed").title == "reviewed"
        _ = ChatStatus  # (chats stay where they were)


def test_a_role_in_use_cannot_be_deleted_until_unassigned(world: World) -> None:
    world.create(world.org_admin, world.org_a, "chat-reviewer", "chat:read")
    with world.acting(world.org_admin) as az:
        az.update_member_roles(
            organization_id=world.org_a.id,
            user_id=world.reviewer.id,
            granted_roles=("chat-reviewer",),
        )
        with pytest.raises(CustomRoleInUseError, match="1 member holds it") as caught:
            az.delete_custom_role_if_unused(organization_id=world.org_a.id, name="chat-reviewer")
        assert caught.value.members == 1
        az.update_member_roles(
            organization_id=world.org_a.id, user_id=world.reviewer.id, granted_roles=()
        )
        assert (
            az.delete_custom_role_if_unused(
                organization_id=world.org_a.id, name="chat-reviewer"
            ).deleted
            == 1
        )
        with pytest.raises(NotFoundError):
            az.get_custom_role(organization_id=world.org_a.id, name="chat-reviewer")


def test_a_deleted_role_left_in_stored_data_grants_nothing(world: World) -> None:
    world.raw.update_member_roles(
        organization_id=world.org_a.id, user_id=world.reviewer.id, granted_roles=("gone",)
    )
    subject = load_subject(world.raw, world.reviewer.id)
    assert subject.custom_roles == frozenset()
    # and whoever may unassign may clean the stale name up
    with world.acting(world.org_admin) as az:
        az.update_member_roles(
            organization_id=world.org_a.id, user_id=world.reviewer.id, granted_roles=()
        )
    assert uuid.UUID(str(world.reviewer.id)) == world.reviewer.id
