"""Every method of this project's wrapper, run three ways by the dbauthz kit."""

from __future__ import annotations

import uuid
from unittest import mock

import pytest
from bookmarks.querier import Bookmark, BookmarkQuerier
from bookmarks.wrapper import AuthzBookmarks

from authz import Action, Authorizer, NotAuthorizedError, Object, Subject, roles
from authz.testing import MethodCase, MethodSuite, Mode, assert_conforms
from querier.dbauthz import as_actor, without_actor

ALICE = uuid.UUID("00000000-0000-4000-8000-00000000a11c")
CHAT = uuid.UUID("00000000-0000-4000-8000-0000000000c4")
MARK = Bookmark(uuid.uuid4(), CHAT, ALICE, None, "read later")

METHOD_SUITE = MethodSuite(
    spec=BookmarkQuerier,  # every public method of the Protocol must have a case
    wrap=AuthzBookmarks,
    actor=Subject(id=uuid.uuid4(), roles=("owner",)),
    as_actor=as_actor,
    without_actor=without_actor,
    filtered=frozenset({"count_bookmarks"}),
)
METHOD_SUITE.add(
    MethodCase("get_bookmark", {"id": MARK.id}, [(MARK.rbac_object(), Action.READ)],
               inner={"get_bookmark": MARK}),
    MethodCase("add_bookmark",
               {"chat_id": CHAT, "owner_id": ALICE, "organization_id": None, "label": "x"},
               [(MARK.rbac_object(), Action.UPDATE)], inner={"add_bookmark": MARK}, writes=True),
    MethodCase("delete_bookmark", {"id": MARK.id}, [(MARK.rbac_object(), Action.UPDATE)],
               inner={"get_bookmark": MARK, "delete_bookmark": 1}, writes=True),
    MethodCase("count_bookmarks", {}, [(Object(type="chat"), Action.READ)],
               inner={"count_bookmarks": 2}, when_denied=0),
)  # fmt: skip


def test_method(method_case: MethodCase, method_mode: Mode) -> None:
    METHOD_SUITE.run(method_case, method_mode)


def test_every_method_has_a_case() -> None:
    METHOD_SUITE.assert_complete()


def test_the_wrapper_implements_the_protocol() -> None:
    assert_conforms(BookmarkQuerier, AuthzBookmarks, fix="add it in bookmarks/wrapper.py")


def test_the_real_policy_lets_the_owner_in_and_keeps_others_out() -> None:
    inner = mock.create_autospec(BookmarkQuerier, instance=True)
    inner.get_bookmark.return_value = MARK
    q = AuthzBookmarks(inner, Authorizer())
    with as_actor(Subject(id=ALICE, roles=(roles.MEMBER, "chat-access"))):
        assert q.get_bookmark(id=MARK.id) == MARK
    with as_actor(Subject(id=uuid.uuid4(), roles=(roles.MEMBER, "chat-access"))):
        with pytest.raises(NotAuthorizedError):
            q.get_bookmark(id=MARK.id)
        with pytest.raises(NotAuthorizedError):
            q.delete_bookmark(id=MARK.id)
    inner.delete_bookmark.assert_not_called()
