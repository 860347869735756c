"""Read-only chat sharing on real PostgreSQL with the real policy engine (#13).

A shared reader may read the chat and its messages and nothing else; the rules of an ACL change
(`querier/dbauthz/chat_acl.py`); the shared list modes; the kill switch.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from authz import Action, Authorizer, NotAuthorizedError
from querier.dbauthz import AuthzQuerier, as_actor
from querier.dbauthz.actors import load_subject
from querier.dbauthz.chat_acl import (
    MAX_ACL_CHANGES,
    ChatSharingDisabledError,
    InvalidShareError,
)
from querier.dbauthz.decide import SharedMode
from querier.generated.models import Chat, ChatMessageRole, ChatStatus, Organization, User
from querier.generated.sql import SqlQuerier
from tests import factories as f
from tests.querier.test_statement_budget import counting as count_statements

T0 = datetime.now(UTC) - timedelta(days=1)
T1 = datetime.now(UTC) + timedelta(days=1)


@dataclass
class World:
    conn: Connection
    raw: SqlQuerier
    org: Organization
    other_org: Organization
    alice: User  # chat-access, member of org: owns the chats
    bob: User  # chat-access, member of org
    dave: User  # chat-access, member of org, in group `reviewers`
    carol: User  # chat-access, member of the other org only
    plain: User  # member of org, no chat-access
    chat: Chat  # alice's, in org
    personal: Chat  # alice's, personal
    reviewers: uuid.UUID  # a group of org with dave (and alice, who shares with it) in it
    foreign_group: uuid.UUID  # a group of the other org

    @contextmanager
    def acting(self, user: User, *, sharing: bool = True) -> Iterator[AuthzQuerier]:
        with as_actor(load_subject(self.raw, user.id)):
            yield AuthzQuerier(self.raw, Authorizer(), chat_sharing=sharing)


def _group(conn: Connection, org: Organization, name: str, *members: User) -> uuid.UUID:
    """Groups are another helper's CRUD: rows go in directly (the schema is on main)."""
    gid = uuid.uuid4()
    conn.execute(
        sa.text("INSERT INTO groups (id, organization_id, name) VALUES (:id, :org, :name)"),
        {"id": gid, "org": org.id, "name": name},
    )
    for m in members:
        conn.execute(
            sa.text(
                "INSERT INTO group_members (group_id, organization_id, user_id) "
                "VALUES (:g, :org, :u)"
            ),
            {"g": gid, "org": org.id, "u": m.id},
        )
    return gid


@pytest.fixture
def world(conn: Connection) -> World:
    raw = SqlQuerier(conn)
    org, other = f.org(raw), f.org(raw)
    alice, bob, dave, carol = (f.user(raw, "chat-access") for _ in range(4))
    plain = f.user(raw)
    for u in (alice, bob, dave, plain):
        f.member(raw, u, org)
    f.member(raw, carol, other)
    chat = f.chat(raw, alice, org)
    f.message(raw, chat)
    return World(
        conn=conn,
        raw=raw,
        org=org,
        other_org=other,
        alice=alice,
        bob=bob,
        dave=dave,
        carol=carol,
        plain=plain,
        chat=chat,
        personal=f.chat(raw, alice),
        # alice is in it too: a sharer shares with the groups it can see (its own, Everyone)
        reviewers=_group(conn, org, "reviewers", dave, alice),
        foreign_group=_group(conn, other, "others", carol),
    )


def share(
    w: World,
    chat: Chat,
    users: dict[uuid.UUID, str] | None = None,
    groups: dict[uuid.UUID, str] | None = None,
    *,
    by: User | None = None,
) -> Chat:
    with w.acting(by or w.alice) as q:
        return q.change_chat_acl(id=chat.id, user_roles=users or {}, group_roles=groups or {})


def readable(w: World, user: User, chat: Chat, *, sharing: bool = True) -> bool:
    with w.acting(user, sharing=sharing) as q:
        try:
            q.get_chat(id=chat.id)
        except NotAuthorizedError:
            return False
        return True


def listed(w: World, user: User, mode: SharedMode, *, sharing: bool = True) -> set[uuid.UUID]:
    with w.acting(user, sharing=sharing) as q:
        return {c.id for c in q.get_chats_shared(shared=mode, page_limit=100)}


# --- who reads ---------------------------------------------------------------------------------


def test_a_user_entry_lets_that_member_read_and_nobody_else(world: World) -> None:
    w = world
    assert not readable(w, w.bob, w.chat)
    stored = share(w, w.chat, {w.bob.id: "read"})
    assert stored.user_acl == {str(w.bob.id): ["read"]}
    assert readable(w, w.bob, w.chat)
    assert not readable(w, w.dave, w.chat)
    with w.acting(w.bob) as q:
        assert [m.chat_id for m in q.get_chat_messages(chat_id=w.chat.id, after_id=0, page_limit=5)]


def test_a_group_entry_and_the_everyone_group(world: World) -> None:
    w = world
    share(w, w.chat, groups={w.reviewers: "read"})
    assert readable(w, w.dave, w.chat)
    assert not readable(w, w.bob, w.chat)
    share(w, w.chat, groups={w.org.id: "read"})  # Everyone in the org
    assert readable(w, w.bob, w.chat)
    assert readable(w, w.plain, w.chat)  # the ACL grants read even without chat-access
    assert not readable(w, w.carol, w.chat)  # not a member of the chat's org


def test_a_personal_chat_can_be_shared_with_any_user_but_no_group(world: World) -> None:
    w = world
    share(w, w.personal, {w.carol.id: "read"})
    assert readable(w, w.carol, w.personal)
    with pytest.raises(InvalidShareError, match="cannot share with group"):
        share(w, w.personal, groups={w.reviewers: "read"})


def test_an_entry_is_removed_with_an_empty_role_and_by_clearing(world: World) -> None:
    w = world
    share(w, w.chat, {w.bob.id: "read", w.dave.id: "read"}, {w.reviewers: "read"})
    share(w, w.chat, {w.bob.id: ""})
    assert not readable(w, w.bob, w.chat)
    assert readable(w, w.dave, w.chat)
    with w.acting(w.alice) as q:
        cleared = q.update_chat_acl(id=w.chat.id, user_acl={}, group_acl={})
    assert (cleared.user_acl, cleared.group_acl) == ({}, {})
    assert not readable(w, w.dave, w.chat)


def test_the_acl_lists_names_and_roles_for_readers(world: World) -> None:
    w = world
    share(w, w.chat, {w.bob.id: "read"}, {w.reviewers: "read", w.org.id: "read"})
    with w.acting(w.bob) as q:
        rows = q.get_chat_acl(chat_id=w.chat.id)
    assert [(r.kind, r.id, r.name, r.actions) for r in rows] == [
        ("user", w.bob.id, w.bob.username, ("read",)),
        ("group", w.org.id, "Everyone", ("read",)),
        ("group", w.reviewers, "reviewers", ("read",)),
    ]
    with w.acting(w.carol) as q, pytest.raises(NotAuthorizedError):
        q.get_chat_acl(chat_id=w.chat.id)


# --- a shared reader may do nothing else -------------------------------------------------------


def test_a_shared_reader_may_not_change_post_archive_delete_or_reshare(world: World) -> None:
    w = world
    share(w, w.chat, {w.bob.id: "read"})
    message_id = f.message(w.raw, w.chat).id
    with w.acting(w.bob) as q:
        attempts: dict[str, Callable[[], object]] = {
            "update_chat_title": lambda: q.update_chat_title(title="x", id=w.chat.id),
            "update_chat_status": lambda: q.update_chat_status(
                status=ChatStatus.RUNNING, id=w.chat.id
            ),
            "archive_chat": lambda: q.archive_chat(id=w.chat.id),
            "delete_chat": lambda: q.delete_chat(id=w.chat.id),
            "insert_chat_message": lambda: q.insert_chat_message(
                chat_id=w.chat.id,
                role=ChatMessageRole.USER,
                content={"text": "hi"},
                input_tokens=0,
                output_tokens=0,
                total_cost_micros=0,
            ),
            "soft_delete_chat_message": lambda: q.soft_delete_chat_message(
                chat_id=w.chat.id, id=message_id
            ),
            "reshare": lambda: q.change_chat_acl(
                id=w.chat.id, user_roles={w.dave.id: "read"}, group_roles={}
            ),
        }
        for name, attempt in attempts.items():
            with pytest.raises(NotAuthorizedError) as denied:
                attempt()
            assert denied.value.action is not Action.READ, name  # 403, not 404: it can read
        reshare = attempts["reshare"]
        with pytest.raises(NotAuthorizedError) as denied:
            reshare()
        assert denied.value.action is Action.SHARE
    assert not readable(w, w.dave, w.chat)
    stored = w.raw.get_chat(id=w.chat.id)
    assert (stored.title, stored.archived, stored.user_acl) == (
        w.chat.title,
        False,
        {str(w.bob.id): ["read"]},
    )


def test_a_shared_reader_sees_none_of_the_owners_cost(world: World) -> None:
    w = world
    share(w, w.chat, {w.bob.id: "read"})
    with w.acting(w.bob) as q:
        for method in (
            q.get_chat_cost_summary,
            q.get_chat_cost_per_chat,
            q.get_chat_cost_per_model,
        ):
            with pytest.raises(NotAuthorizedError):
                method(owner_id=w.alice.id, start_date=T0, end_date=T1)
        own = q.get_chat_cost_per_chat(owner_id=w.bob.id, start_date=T0, end_date=T1)
    assert own == []


def test_sharing_a_chat_does_not_share_the_owners_files(world: World) -> None:
    """Files belong to their owner (and org), not to a chat: a reader of a shared chat gets
    none of them."""
    w = world
    file = w.raw.insert_chat_file(
        id=uuid.uuid4(),
        owner_id=w.alice.id,
        organization_id=w.org.id,
        name="a.txt",
        mimetype="text/plain",
        data=b"x",
    )
    share(w, w.chat, {w.bob.id: "read"}, {w.org.id: "read"})
    with w.acting(w.bob) as q, pytest.raises(NotAuthorizedError):
        q.get_chat_file_metadata(id=file.id)


# --- the rules of a change ---------------------------------------------------------------------


def test_only_read_can_be_granted(world: World) -> None:
    w = world
    with pytest.raises(InvalidShareError, match="only the role 'read'"):
        share(w, w.chat, {w.bob.id: "update"})
    with w.acting(w.alice) as q, pytest.raises(InvalidShareError, match=r"only \['read'\]"):
        q.update_chat_acl(id=w.chat.id, user_acl={str(w.bob.id): ["read", "update"]}, group_acl={})
    with w.acting(w.alice) as q, pytest.raises(InvalidShareError, match="is not a UUID"):
        q.update_chat_acl(id=w.chat.id, user_acl={"nope": ["read"]}, group_acl={})
    with w.acting(w.alice) as q, pytest.raises(InvalidShareError, match="must be an object"):
        q.update_chat_acl(id=w.chat.id, user_acl=["read"], group_acl={})
    assert w.raw.get_chat(id=w.chat.id).user_acl == {}


def test_not_with_yourself_nor_the_owner(world: World) -> None:
    w = world
    with pytest.raises(InvalidShareError, match="yourself"):
        share(w, w.chat, {w.alice.id: "read"})
    admin = f.user(w.raw, "owner")
    with pytest.raises(InvalidShareError, match="its owner"):
        share(w, w.chat, {w.alice.id: "read"}, by=admin)


def test_unknown_and_foreign_ids_get_the_same_text(world: World) -> None:
    w = world
    said: dict[str, set[str]] = {"user": set(), "group": set()}
    tries = [("user", uuid.uuid4()), ("user", w.carol.id)]  # unknown; a user of another org
    tries += [("group", i) for i in (uuid.uuid4(), w.foreign_group, w.other_org.id)]
    for kind, ident in tries:
        with pytest.raises(InvalidShareError) as refused:
            share(
                w, w.chat, *(({ident: "read"}, None) if kind == "user" else (None, {ident: "read"}))
            )
        said[kind].add(str(refused.value).replace(str(ident), "<id>"))
    assert len(said["user"]) == len(said["group"]) == 1, said
    stored = w.raw.get_chat(id=w.chat.id)
    assert (stored.user_acl, stored.group_acl) == ({}, {})


def test_a_change_is_bounded(world: World) -> None:
    w = world
    many = {uuid.uuid4(): "read" for _ in range(MAX_ACL_CHANGES + 1)}
    with pytest.raises(InvalidShareError, match="at most"):
        share(w, w.chat, many)


def test_sharing_a_chat_one_cannot_read_is_a_read_denial(world: World) -> None:
    """The API answers it 404, like a missing chat."""
    w = world
    with pytest.raises(NotAuthorizedError) as denied:
        share(w, w.chat, {w.dave.id: "read"}, by=w.carol)
    assert denied.value.action is Action.READ


def test_a_stale_entry_grants_nothing_and_does_not_block_changes(world: World) -> None:
    """Bob leaves the org: his entry stays stored but grants nothing (membership is the
    boundary); later changes do not re-validate it, and it can still be removed."""
    w = world
    share(w, w.chat, {w.bob.id: "read"})
    w.raw.delete_organization_member(organization_id=w.org.id, user_id=w.bob.id)
    assert not readable(w, w.bob, w.chat)
    share(w, w.chat, {w.dave.id: "read"})
    assert share(w, w.chat, {w.bob.id: ""}).user_acl == {str(w.dave.id): ["read"]}


def test_statements_of_a_change(world: World) -> None:
    """Adding ids: the unlocked read (a caller who may not read never locks), the locked read,
    the target check, the write; removing: no target check."""
    w = world
    with w.acting(w.alice) as q:
        with count_statements(w.conn) as added:
            q.change_chat_acl(id=w.chat.id, user_roles={w.bob.id: "read"}, group_roles={})
        with count_statements(w.conn) as removed:
            q.change_chat_acl(id=w.chat.id, user_roles={w.bob.id: ""}, group_roles={})
    assert [s.split()[0] for s in added] == ["SELECT", "SELECT", "SELECT", "UPDATE"]
    assert "FOR NO KEY UPDATE" not in added[0]
    assert "FOR NO KEY UPDATE" in added[1]
    assert [s.split()[0] for s in removed] == ["SELECT", "SELECT", "UPDATE"]


# --- listing -----------------------------------------------------------------------------------


def test_the_list_modes(world: World) -> None:
    w = world
    bobs = f.chat(w.raw, w.bob, w.org)
    shared_by_user = w.chat
    shared_by_group = f.chat(w.raw, w.alice, w.org)
    bobs_shared_out = f.chat(w.raw, w.bob, w.org)
    share(w, shared_by_user, {w.bob.id: "read"})
    share(w, shared_by_group, groups={w.org.id: "read"})
    share(w, bobs_shared_out, {w.dave.id: "read"}, by=w.bob)

    assert listed(w, w.bob, SharedMode.EXCLUDE) == {bobs.id, bobs_shared_out.id}
    assert listed(w, w.bob, SharedMode.INCLUDE) == {
        bobs.id,
        bobs_shared_out.id,
        shared_by_user.id,
        shared_by_group.id,
    }
    assert listed(w, w.bob, SharedMode.ONLY) == {shared_by_user.id, shared_by_group.id}
    assert listed(w, w.dave, SharedMode.ONLY) == {shared_by_group.id, bobs_shared_out.id}
    assert (
        listed(w, w.alice, SharedMode.ONLY) == set()
    )  # her own shared chats are not "shared with me"
    assert listed(w, w.carol, SharedMode.INCLUDE) == set()
    with w.acting(w.bob) as q:
        assert {c.id for c in q.get_chats(page_limit=100)} == listed(w, w.bob, SharedMode.EXCLUDE)


def test_only_lists_what_an_org_admin_was_shared_not_all_it_may_read(world: World) -> None:
    w = world
    admin = f.user(w.raw)
    f.member(w.raw, admin, w.org, "organization-admin")
    other = f.chat(w.raw, w.bob, w.org)
    share(w, w.chat, {admin.id: "read"})
    assert listed(w, admin, SharedMode.ONLY) == {w.chat.id}
    assert {w.chat.id, other.id} <= listed(w, admin, SharedMode.INCLUDE)


# --- the kill switch ---------------------------------------------------------------------------


def test_kill_switch_stored_acls_grant_nothing_and_lists_exclude(world: World) -> None:
    w = world
    share(w, w.chat, {w.bob.id: "read"}, {w.org.id: "read"})
    assert readable(w, w.bob, w.chat)
    assert not readable(w, w.bob, w.chat, sharing=False)
    assert readable(w, w.alice, w.chat, sharing=False)
    for mode in SharedMode:
        assert listed(w, w.bob, mode, sharing=False) == set()
    assert listed(w, w.bob, SharedMode.ONLY) == {w.chat.id}
    with w.acting(w.bob, sharing=False) as q, pytest.raises(NotAuthorizedError):
        q.get_chat_messages(chat_id=w.chat.id, after_id=0, page_limit=5)


def test_kill_switch_refuses_acl_writes_before_any_sql(world: World) -> None:
    w = world
    with w.acting(w.alice, sharing=False) as q, count_statements(w.conn) as statements:
        with pytest.raises(ChatSharingDisabledError, match="disabled"):
            q.change_chat_acl(id=w.chat.id, user_roles={w.bob.id: "read"}, group_roles={})
        with pytest.raises(ChatSharingDisabledError):
            q.update_chat_acl(id=w.chat.id, user_acl={}, group_acl={})
    assert statements == []
    with w.acting(w.alice, sharing=False) as q, q.transaction() as tx:
        assert not tx.chat_sharing  # the switch survives `transaction()`
        with pytest.raises(ChatSharingDisabledError):
            tx.get_chat_for_share(id=w.chat.id)
    assert w.raw.get_chat(id=w.chat.id).user_acl == {}


def test_a_shared_list_filter_is_built_once_per_actor(world: World) -> None:
    """The same expression object for the same actor and mode: the querier's compiled-SQL
    cache then finds it by identity (no per-page compile)."""
    from querier.dbauthz.decide import Decider

    decider = Decider(Authorizer())
    subject = load_subject(world.raw, world.bob.id)
    for mode in (SharedMode.INCLUDE, SharedMode.ONLY):
        first = decider.chat_list_filter(subject, mode, None)
        assert first is not None
        assert decider.chat_list_filter(subject, mode, None) is first


def test_include_agrees_with_authorize_on_every_chat(world: World) -> None:
    """`include` is the whole policy in SQL: a chat is listed exactly when reading it is
    allowed; `only` is the subset an ACL entry grants that the reader does not own."""
    w = world
    extra = [f.chat(w.raw, u, o) for u in (w.bob, w.dave, w.carol) for o in (w.org, None)]
    share(w, extra[0], {w.dave.id: "read"}, by=w.bob)
    share(w, extra[1], {w.carol.id: "read"}, by=w.bob)
    share(w, w.chat, groups={w.reviewers: "read"})
    share(w, w.personal, {w.bob.id: "read"})
    every = [w.raw.get_chat(id=c.id) for c in (w.chat, w.personal, *extra)]
    authorizer = Authorizer()
    for user in (w.alice, w.bob, w.dave, w.carol, w.plain):
        subject = load_subject(w.raw, user.id)
        allowed = set()
        for chat in every:
            try:
                authorizer.authorize(subject, Action.READ, chat.rbac_object())
            except NotAuthorizedError:
                continue
            allowed.add(chat.id)
        ids = {c.id for c in every}
        member_orgs = {r.org_id for r in subject.roles if r.org_id is not None}
        assert listed(w, user, SharedMode.INCLUDE) & ids == allowed, user.username
        only = listed(w, user, SharedMode.ONLY) & ids
        granted_by_acl = {
            c.id
            for c in every
            if c.owner_id != user.id
            and c.id in allowed
            and (
                str(user.id) in c.user_acl
                or set(c.group_acl) & {str(g) for g in (*subject.groups, *member_orgs)}
            )
        }
        assert only == granted_by_acl, user.username


def test_a_caller_who_may_not_read_a_chat_never_locks_it(world: World) -> None:
    """Else anyone could hold any chat's row by id, and a wait on someone else's lock would
    tell that the id exists."""
    w = world
    attempts: list[Callable[[AuthzQuerier], object]] = [
        lambda q: q.get_chat_for_share(id=w.chat.id),
        lambda q: q.change_chat_acl(id=w.chat.id, user_roles={w.bob.id: "read"}, group_roles={}),
        lambda q: q.update_chat_acl(id=w.chat.id, user_acl={}, group_acl={}),
    ]
    for attempt in attempts:
        with (
            w.acting(w.carol) as q,
            count_statements(w.conn) as sent,
            pytest.raises(NotAuthorizedError),
        ):
            attempt(q)
        assert sent, "the chat was never read"
        assert not any("FOR NO KEY UPDATE" in s for s in sent), sent
