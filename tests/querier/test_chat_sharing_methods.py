"""The wrapper-only sharing methods through the method-suite kit (exact checks, both faces,
denied and actor-less), and the kill switch's objects (#13).

`get_chats_shared` and `change_chat_acl` are not queries of their own (the suite's completeness
check counts queries), so their cases run here; their SQL is in test_chat_sharing.py.
"""

from __future__ import annotations

from unittest import mock

import pytest
from sqlalchemy.dialects import postgresql

from authz import NotAuthorizedError, Object
from authz.testing import MethodCase, Mode, RecordingAuthorizer
from authz.testing.doubles import FakeAuthorizer
from authz.testing.suite import call_method
from querier.dbauthz import AsyncAuthzQuerier, AuthzQuerier, as_actor
from querier.dbauthz.chat_acl import ChatSharingDisabledError
from querier.dbauthz.decide import SharedMode
from querier.generated.async_protocol import AsyncQuerier
from querier.generated.protocol import Querier
from tests.querier.method_cases_sharing import (
    NEW_USER,
    REPLACED,
    SHARE,
    SHARED,
    SHARED_OBJ,
    TARGETS,
)
from tests.querier.method_data import ACTOR, CHAT, CHAT_ID, CHAT_OBJ, READ
from tests.querier.test_dbauthz_methods import ASYNC_METHOD_SUITE, METHOD_SUITE

CASES = [
    *(
        MethodCase(
            "get_chats_shared",
            {"shared": mode, "page_limit": 50},
            [(Object(type="chat"), READ)],
            inner={"get_chats": [CHAT]},
            returns=[CHAT],
        )
        for mode in SharedMode
    ),
    MethodCase(
        "change_chat_acl",
        {"id": CHAT_ID, "user_roles": {NEW_USER: "read"}, "group_roles": {}},
        [(SHARED_OBJ, READ), (SHARED_OBJ, READ), (SHARED_OBJ, SHARE)],
        inner={
            "get_chat": SHARED,
            "get_chat_for_share": SHARED,
            "get_chat_share_targets": TARGETS,
            "update_chat_acl": REPLACED,
        },
        returns=REPLACED,
    ),
]


RUNS = [
    pytest.param(case, mode, id=f"{case.method}-{case.args.get('shared', '')}-{mode}")
    for case in CASES
    for mode in Mode
    # the kit finds a denied filtered query by the method's own name: see the test below
    if not (case.method == "get_chats_shared" and mode is Mode.DENIED)
]


@pytest.mark.parametrize("face", ["sync", "async"])
@pytest.mark.parametrize(("case", "mode"), RUNS)
def test_wrapper_only_methods(case: MethodCase, mode: Mode, face: str) -> None:
    (METHOD_SUITE if face == "sync" else ASYNC_METHOD_SUITE).run(case, mode)


@pytest.mark.parametrize("face", ["sync", "async"])
@pytest.mark.parametrize("shared", list(SharedMode))
def test_a_denied_shared_list_runs_the_query_with_false(face: str, shared: SharedMode) -> None:
    """Filtered in SQL, not skipped: the FALSE filter reaches `GetChats`."""
    spec, wrap = (Querier, AuthzQuerier) if face == "sync" else (AsyncQuerier, AsyncAuthzQuerier)
    inner = mock.create_autospec(spec, instance=True)
    inner.get_chats.return_value = []
    with as_actor(ACTOR):
        got = call_method(
            wrap(inner, FakeAuthorizer(allow=False)),
            "get_chats_shared",
            {"shared": shared, "page_limit": 50},
        )
    assert got == []
    where = inner.get_chats.call_args.kwargs["authorize_filter"]
    dialect = postgresql.dialect()  # type: ignore[no-untyped-call]
    assert str(where.compile(dialect=dialect)).strip().lower() == "false"


@pytest.mark.parametrize("face", ["sync", "async"])
def test_a_denied_change_never_writes(face: str) -> None:
    spec, wrap = (Querier, AuthzQuerier) if face == "sync" else (AsyncQuerier, AsyncAuthzQuerier)
    inner = mock.create_autospec(spec, instance=True)
    inner.get_chat.return_value = SHARED
    inner.get_chat_for_share.return_value = SHARED
    with as_actor(ACTOR), pytest.raises(NotAuthorizedError):
        call_method(wrap(inner, FakeAuthorizer(allow=False)), "change_chat_acl", CASES[-1].args)
    inner.get_chat_for_share.assert_not_called()  # a caller who may not read never locks
    inner.get_chat_share_targets.assert_not_called()
    inner.update_chat_acl.assert_not_called()


@pytest.mark.parametrize("face", ["sync", "async"])
def test_kill_switch_checks_the_row_without_its_acl(face: str) -> None:
    """Stored ACLs grant nothing: the very object checked has none."""
    spec, wrap = (Querier, AuthzQuerier) if face == "sync" else (AsyncQuerier, AsyncAuthzQuerier)
    inner = mock.create_autospec(spec, instance=True)
    inner.get_chat.return_value = SHARED
    recorder = RecordingAuthorizer(FakeAuthorizer(allow=True))
    with as_actor(ACTOR):
        call_method(wrap(inner, recorder, chat_sharing=False), "get_chat", {"id": CHAT_ID})
        call_method(wrap(inner, recorder), "get_chat", {"id": CHAT_ID})
    assert recorder.pairs() == [(CHAT_OBJ, READ), (SHARED_OBJ, READ)]
    inner.reset_mock()
    with as_actor(ACTOR), pytest.raises(ChatSharingDisabledError):
        call_method(
            wrap(inner, recorder, chat_sharing=False),
            "update_chat_acl",
            {"id": CHAT_ID, "user_acl": {}, "group_acl": {}},
        )
    assert inner.method_calls == []
