"""The method suite: every `Querier` method, the exact checks it makes, run three ways, on both
faces (`AuthzQuerier` and `AsyncAuthzQuerier` share the cases: one list, two suites).

The inner querier is a mock (that is the point: we assert what the wrapper asks, not what the
database does); real-database behaviour is in test_dbauthz_integration.py.
"""

from __future__ import annotations

import dataclasses
from unittest import mock

import pytest

from authz import Authorizer, NotAuthorizedError, Object, Subject, resources
from authz.testing import MethodCase, MethodSuite, Mode, RecordingAuthorizer
from authz.testing.suite import call_method
from querier.dbauthz import AsyncAuthzQuerier, AuthzQuerier, as_actor, without_actor
from querier.generated.async_protocol import AsyncQuerier
from querier.generated.protocol import FILTERED_METHODS, QUERY_METHODS, Querier
from tests.querier import (
    method_cases_core,
    method_cases_groups,
    method_cases_sharing,
    method_cases_tokens,
)
from tests.querier.method_data import (
    ACTOR,
    ACTOR_ID,
    CHAT,
    CHAT_ID,
    CHATS_ANYWHERE,
    CONFIG,
    CREATE,
    ORG,
    OWNER,
    PER_CHAT,
    PER_MODEL,
    READ,
    SUMMARY,
    WINDOW,
)

METHOD_SUITE = MethodSuite(
    spec=Querier,
    methods=QUERY_METHODS,
    wrap=AuthzQuerier,
    actor=ACTOR,
    as_actor=as_actor,
    without_actor=without_actor,
    filtered=FILTERED_METHODS,
)
METHOD_SUITE.add(
    *method_cases_core.CASES,
    *method_cases_groups.CASES,
    *method_cases_sharing.CASES,
    *method_cases_tokens.CASES,
)


ASYNC_METHOD_SUITE = dataclasses.replace(METHOD_SUITE, spec=AsyncQuerier, wrap=AsyncAuthzQuerier)
"""The same cases (the very same list: a case added to `METHOD_SUITE` runs here too), on the
async face with an async inner mock."""


def test_method(method_case: MethodCase, method_mode: Mode) -> None:
    METHOD_SUITE.run(method_case, method_mode)


def test_async_method(method_case: MethodCase, method_mode: Mode) -> None:
    ASYNC_METHOD_SUITE.run(method_case, method_mode)


def test_both_faces_share_one_list_of_cases() -> None:
    assert ASYNC_METHOD_SUITE.cases is METHOD_SUITE.cases
    ASYNC_METHOD_SUITE.assert_complete()


OWN_COST_CASES = [
    MethodCase(
        method,
        {**WINDOW, "owner_id": ACTOR_ID},
        [(CHATS_ANYWHERE, CREATE), (Object(type="chat"), READ)],
        inner={method: returns},
        writes=True,
        empty_when_denied=False,
    )
    for method, returns in (
        ("get_chat_cost_summary", SUMMARY),
        ("get_chat_cost_per_model", PER_MODEL),
        ("get_chat_cost_per_chat", PER_CHAT),
    )
]


@pytest.mark.parametrize("face", ["sync", "async"])
@pytest.mark.parametrize("mode", list(Mode))
@pytest.mark.parametrize("case", OWN_COST_CASES, ids=lambda c: c.method)
def test_own_cost_needs_chats_anywhere_not_read_on_own_chats(
    case: MethodCase, mode: Mode, face: str
) -> None:
    """One's own cost: whoever may use chats somewhere (an org admin without chat-access too)."""
    (METHOD_SUITE if face == "sync" else ASYNC_METHOD_SUITE).run(case, mode)


@pytest.mark.parametrize("face", ["sync", "async"])
@pytest.mark.parametrize(
    ("roles", "allowed"),
    [
        (("member", "auditor"), True),  # site read on chat_model_config
        (("member", f"organization-auditor:{ORG}", f"organization-member:{ORG}"), True),
        (("member", f"organization-member:{ORG}"), False),
    ],
)
def test_model_configs_fall_back_to_read_on_chat_model_config(
    roles: tuple[str, ...], allowed: bool, face: str
) -> None:
    """Auditors cannot create chats; their read on chat_model_config is what lets them in."""
    recorder = RecordingAuthorizer(Authorizer())
    spec, wrap = (Querier, AuthzQuerier) if face == "sync" else (AsyncQuerier, AsyncAuthzQuerier)
    inner = mock.create_autospec(spec, instance=True)
    inner.get_chat_model_configs.return_value = [CONFIG]
    wrapper = wrap(inner, recorder)
    args = {"enabled_only": True}
    with as_actor(Subject(id=ACTOR_ID, roles=roles)):
        if allowed:
            assert call_method(wrapper, "get_chat_model_configs", args) == [CONFIG]
        else:
            with pytest.raises(NotAuthorizedError):
                call_method(wrapper, "get_chat_model_configs", args)
            inner.get_chat_model_configs.assert_not_called()
    assert recorder.pairs() == [
        (CHATS_ANYWHERE, CREATE),
        (resources.CHAT_MODEL_CONFIG.any_org(), READ),
    ]


def test_every_method_has_exactly_one_case() -> None:
    METHOD_SUITE.assert_complete()


def test_accounting_names_a_method_without_a_case() -> None:
    partial = MethodSuite(
        spec=Querier,
        methods=QUERY_METHODS,
        wrap=AuthzQuerier,
        actor=ACTOR,
        as_actor=as_actor,
        without_actor=without_actor,
        cases=[c for c in METHOD_SUITE.cases if c.method != "get_chat"],
    )
    with pytest.raises(AssertionError, match=r"methods without a case: (.*, )?get_chat"):
        partial.assert_complete()


def test_the_kit_catches_a_wrong_object() -> None:
    wrong = MethodCase(
        "get_chat",
        {"id": CHAT_ID},
        [(resources.CHAT.with_owner(OWNER), READ)],
        inner={"get_chat": CHAT},
    )
    with pytest.raises(AssertionError, match="get_chat: checked"):
        METHOD_SUITE.run(wrong, Mode.SUCCESS)
