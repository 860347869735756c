"""What the subject queries bring back for #13 — groups, a token's scope, a chat's stored ACL —
and how corrupt stored values fail closed."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from authz import Action, Authorizer, NotAuthorizedError, Object, Scope, Subject, resources
from authz.scopes import allow_entry_from_text, allow_entry_text
from querier.dbauthz.actors import (
    load_subject,
    scope_from_row,
    subject_from_row,
)
from querier.generated.models import GetAuthorizationByAPIKeyRow, UserStatus
from querier.generated.sql import SqlQuerier
from tests import factories

NOW = datetime(2026, 12, 1, tzinfo=UTC)
USER = uuid.UUID("00000000-0000-4000-8000-000000000001")
CHAT = uuid.UUID("00000000-0000-4000-8000-000000000002")
OTHER_CHAT = uuid.UUID("00000000-0000-4000-8000-000000000003")


def key_row(scopes: tuple[str, ...], allow_list: tuple[str, ...]) -> GetAuthorizationByAPIKeyRow:
    return GetAuthorizationByAPIKeyRow(
        "abcdefghij", b"x" * 32, NOW, NOW, USER, "u", UserStatus.ACTIVE,
        ("chat-access",), (), "[]", (), scopes, allow_list,
    )  # fmt: skip


def allowed(subject: Subject, action: Action, obj: Object) -> bool:
    try:
        Authorizer().authorize(subject, action, obj)
    except NotAuthorizedError:
        return False
    return True


def test_an_unscoped_token_is_the_all_scope() -> None:
    assert subject_from_row(key_row(("all",), ("*:*",))).scope is Scope.ALL


def test_a_scoped_token_narrows_its_subject() -> None:
    subject = subject_from_row(key_row(("chat:read",), (f"chat:{CHAT}",)))
    assert subject.scope == Scope.from_names(["chat:read"], [("chat", CHAT)])
    mine = resources.CHAT.with_owner(USER)
    assert allowed(subject, Action.READ, mine.with_id(CHAT))
    assert not allowed(subject, Action.READ, mine.with_id(OTHER_CHAT))
    assert not allowed(subject, Action.UPDATE, mine.with_id(CHAT))


@pytest.mark.parametrize(
    ("scopes", "allow_list"),
    [
        (("no-such-scope",), ("*:*",)),
        (("chat:read",), ("chat:not-a-uuid",)),
        (("chat:read",), ("nonsense",)),
        (("chat:read",), ("no_such_type:*",)),
    ],
)
def test_a_stored_scope_that_does_not_parse_admits_nothing(
    scopes: tuple[str, ...], allow_list: tuple[str, ...]
) -> None:
    subject = subject_from_row(key_row(scopes, allow_list))
    assert not allowed(subject, Action.READ, resources.CHAT.with_owner(USER))
    assert allowed(
        subject_from_row(key_row(("all",), ("*:*",))), Action.READ, resources.CHAT.with_owner(USER)
    )


def test_allow_entries_round_trip() -> None:
    for entry in (("chat", CHAT), ("chat", "*"), ("*", "*")):
        assert allow_entry_from_text(allow_entry_text(entry)) == entry
    assert scope_from_row(USER, ("chat:read",), ("chat:*",)).allow_list == (("chat", "*"),)


def test_a_malformed_stored_acl_grants_nothing_and_does_not_crash() -> None:
    owner = uuid.uuid4()
    base = resources.CHAT.with_id(CHAT).with_owner(owner)
    assert base.with_stored_acl({}, {}) is base
    assert base.with_stored_acl({str(USER): ["read"]}, {}).acl_users == {USER: {Action.READ}}
    for corrupt in ({"not-a-uuid": ["read"]}, {str(USER): "read"}, {str(USER): ["fly"]}, [1]):
        assert base.with_stored_acl(corrupt, {}) is base


def test_groups_come_with_the_subject_and_leaving_the_org_leaves_them(conn: Connection) -> None:
    raw = SqlQuerier(conn)
    u = factories.user(raw, "chat-access")
    acme = factories.org(raw)
    factories.member(raw, u, acme)
    group_id = uuid.uuid4()
    conn.execute(
        sa.text("INSERT INTO groups (id, organization_id, name) VALUES (:g, :o, 'eng')"),
        {"g": group_id, "o": acme.id},
    )
    conn.execute(
        sa.text(
            "INSERT INTO group_members (group_id, organization_id, user_id) VALUES (:g, :o, :u)"
        ),
        {"g": group_id, "o": acme.id, "u": u.id},
    )
    subject = load_subject(raw, u.id)
    assert subject.groups == (group_id,)
    assert subject.scope is Scope.ALL  # a session (no token) is never narrowed

    raw.delete_organization_member(organization_id=acme.id, user_id=u.id)
    assert load_subject(raw, u.id).groups == ()
    left = conn.execute(
        sa.text("SELECT count(*) FROM group_members WHERE group_id = :g"), {"g": group_id}
    )
    assert left.scalar_one() == 0


def test_a_group_member_must_be_a_member_of_the_groups_org(conn: Connection) -> None:
    raw = SqlQuerier(conn)
    u = factories.user(raw)
    acme, other = factories.org(raw), factories.org(raw)
    factories.member(raw, u, other)
    group_id = uuid.uuid4()
    conn.execute(
        sa.text("INSERT INTO groups (id, organization_id, name) VALUES (:g, :o, 'eng')"),
        {"g": group_id, "o": acme.id},
    )
    with (
        pytest.raises(sa.exc.IntegrityError, match="group_members_member_fkey"),
        conn.begin_nested(),
    ):
        conn.execute(
            sa.text(
                "INSERT INTO group_members (group_id, organization_id, user_id) VALUES (:g, :o, :u)"
            ),
            {"g": group_id, "o": acme.id, "u": u.id},
        )
    # Claiming the other org for the group does not get around it either.
    with (
        pytest.raises(sa.exc.IntegrityError, match="group_members_group_fkey"),
        conn.begin_nested(),
    ):
        conn.execute(
            sa.text(
                "INSERT INTO group_members (group_id, organization_id, user_id) VALUES (:g, :o, :u)"
            ),
            {"g": group_id, "o": other.id, "u": u.id},
        )


def test_the_everyone_group_is_never_stored(conn: Connection) -> None:
    acme = factories.org(SqlQuerier(conn))
    with pytest.raises(sa.exc.IntegrityError, match="groups_not_everyone"), conn.begin_nested():
        conn.execute(
            sa.text("INSERT INTO groups (id, organization_id, name) VALUES (:o, :o, 'all')"),
            {"o": acme.id},
        )
