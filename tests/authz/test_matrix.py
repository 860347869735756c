"""The role matrix: every built-in role, checked against every resource type and action —
and (v2) subjects with groups and scopes against shared objects and any-org questions.

Every case must place every subject in exactly one bucket (allowed or denied), and together
the cases must cover every (type, action) of the registry — `matrix_problems` enforces both,
and `test_checker_*` prove that it does. Adding a subject or an action therefore forces a
decision in every case, as Coder's `TestRolePermissions` does.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Iterable, Sequence

import pytest

from authz import (
    Action,
    Authorizer,
    NotAuthorizedError,
    resources,
)
from authz.registry import CONCRETE_PAIRS, REGISTRY
from tests.authz.matrix_subjects import (
    CHAT_ACTIONS,
    CRUD,
    ME,
    ORG_A,
    ORG_B,
    OTHER,
    SUBJECTS,
    Case,
    _sid,
)
from tests.authz.matrix_v2 import V2_CASES

V1_CASES: Sequence[Case] = (
    # --- chats: the chat-access gate --------------------------------------------------------
    Case(
        "own personal chat",
        resources.CHAT.with_id(_sid(100)).with_owner(ME),
        CHAT_ACTIONS,
        allowed=(
            "owner chat_access chat_access_in_org_a chat_access_banned_in_org_a"
            " grouped_chat_access_in_org_a scoped_chats_only"
        ),
        denied=(
            "member auditor user_admin org_admin org_member org_auditor org_user_admin "
            "org_service_account other_org_admin other_org_member org_a_member_no_chat"
            " group_member_in_org_a org_admin_me scoped_one_chat owner_scoped_profile"
        ),
    ),
    Case(
        "own chat in org A (user-level grant reaches it; the org-level ban overrides it)",
        resources.CHAT.with_id(_sid(101)).with_owner(ME).in_org(ORG_A),
        CHAT_ACTIONS,
        allowed=(
            "owner org_admin chat_access_in_org_a"
            " grouped_chat_access_in_org_a org_admin_me scoped_chats_only scoped_one_chat"
        ),
        denied=(
            "member auditor user_admin chat_access org_member org_auditor org_user_admin "
            "org_service_account other_org_admin other_org_member org_a_member_no_chat "
            "chat_access_banned_in_org_a"
            " group_member_in_org_a owner_scoped_profile"
        ),
    ),
    Case(
        "own chat in org B, which the chat-access user does not belong to",
        resources.CHAT.with_owner(ME).in_org(ORG_B),
        CHAT_ACTIONS,
        allowed="owner other_org_admin",
        denied=(
            "member auditor user_admin chat_access org_admin org_member org_auditor "
            "org_user_admin org_service_account other_org_member chat_access_in_org_a "
            "org_a_member_no_chat chat_access_banned_in_org_a"
            " grouped_chat_access_in_org_a group_member_in_org_a org_admin_me scoped_chats_only scoped_one_chat owner_scoped_profile"
        ),
    ),
    Case(
        "someone else's chat in org A",
        resources.CHAT.with_owner(OTHER).in_org(ORG_A),
        CHAT_ACTIONS,
        allowed=("owner org_admin org_admin_me"),
        denied=(
            "member auditor user_admin chat_access org_member org_auditor org_user_admin "
            "org_service_account other_org_admin other_org_member chat_access_in_org_a "
            "org_a_member_no_chat chat_access_banned_in_org_a"
            " grouped_chat_access_in_org_a group_member_in_org_a scoped_chats_only scoped_one_chat owner_scoped_profile"
        ),
    ),
    Case(
        "someone else's personal chat",
        resources.CHAT.with_owner(OTHER),
        CHAT_ACTIONS,
        allowed="owner",
        denied=(
            "member auditor user_admin chat_access org_admin org_member org_auditor "
            "org_user_admin org_service_account other_org_admin other_org_member "
            "chat_access_in_org_a org_a_member_no_chat chat_access_banned_in_org_a"
            " grouped_chat_access_in_org_a group_member_in_org_a org_admin_me scoped_chats_only scoped_one_chat owner_scoped_profile"
        ),
    ),
    # --- users ------------------------------------------------------------------------------
    Case(
        "read own user",
        resources.user_object(ME),
        [Action.READ],
        allowed=(
            "owner member auditor user_admin chat_access chat_access_in_org_a "
            "org_a_member_no_chat chat_access_banned_in_org_a"
            " grouped_chat_access_in_org_a org_admin_me owner_scoped_profile"
        ),
        denied=(
            "org_admin org_member org_auditor org_user_admin org_service_account "
            "other_org_admin other_org_member"
            " group_member_in_org_a scoped_chats_only scoped_one_chat"
        ),
    ),
    Case(
        "own user, personal fields",
        resources.user_object(ME),
        [Action.READ_PERSONAL, Action.UPDATE_PERSONAL],
        allowed=(
            "owner member chat_access chat_access_in_org_a org_a_member_no_chat "
            "chat_access_banned_in_org_a"
            " grouped_chat_access_in_org_a org_admin_me owner_scoped_profile"
        ),
        denied=(
            "auditor user_admin org_admin org_member org_auditor org_user_admin "
            "org_service_account other_org_admin other_org_member"
            " group_member_in_org_a scoped_chats_only scoped_one_chat"
        ),
    ),
    Case(
        "update or delete own user (members may not)",
        resources.user_object(ME),
        [Action.UPDATE, Action.DELETE],
        allowed="owner user_admin",
        denied=(
            "member auditor chat_access org_admin org_member org_auditor org_user_admin "
            "org_service_account other_org_admin other_org_member chat_access_in_org_a "
            "org_a_member_no_chat chat_access_banned_in_org_a"
            " grouped_chat_access_in_org_a group_member_in_org_a org_admin_me scoped_chats_only scoped_one_chat owner_scoped_profile"
        ),
    ),
    Case(
        "manage another user",
        resources.user_object(OTHER),
        [Action.CREATE, Action.UPDATE, Action.DELETE],
        allowed="owner user_admin",
        denied=(
            "member auditor chat_access org_admin org_member org_auditor org_user_admin "
            "org_service_account other_org_admin other_org_member chat_access_in_org_a "
            "org_a_member_no_chat chat_access_banned_in_org_a"
            " grouped_chat_access_in_org_a group_member_in_org_a org_admin_me scoped_chats_only scoped_one_chat owner_scoped_profile"
        ),
    ),
    Case(
        "read another user",
        resources.user_object(OTHER),
        [Action.READ],
        allowed=("owner auditor user_admin owner_scoped_profile"),
        denied=(
            "member chat_access org_admin org_member org_auditor org_user_admin "
            "org_service_account other_org_admin other_org_member chat_access_in_org_a "
            "org_a_member_no_chat chat_access_banned_in_org_a"
            " grouped_chat_access_in_org_a group_member_in_org_a org_admin_me scoped_chats_only scoped_one_chat"
        ),
    ),
    Case(
        "another user's personal fields",
        resources.user_object(OTHER),
        [Action.READ_PERSONAL, Action.UPDATE_PERSONAL],
        allowed=("owner owner_scoped_profile"),
        denied=(
            "member auditor user_admin chat_access org_admin org_member org_auditor "
            "org_user_admin org_service_account other_org_admin other_org_member "
            "chat_access_in_org_a org_a_member_no_chat chat_access_banned_in_org_a"
            " grouped_chat_access_in_org_a group_member_in_org_a org_admin_me scoped_chats_only scoped_one_chat"
        ),
    ),
    # --- organizations and members ----------------------------------------------------------
    Case(
        "read org A",
        resources.ORGANIZATION.with_id(ORG_A).in_org(ORG_A),
        [Action.READ],
        allowed=(
            "owner auditor org_admin org_member org_auditor org_user_admin "
            "org_service_account chat_access_in_org_a org_a_member_no_chat "
            "chat_access_banned_in_org_a"
            " grouped_chat_access_in_org_a group_member_in_org_a org_admin_me"
        ),
        denied=(
            "member user_admin chat_access other_org_admin other_org_member"
            " scoped_chats_only scoped_one_chat owner_scoped_profile"
        ),
    ),
    Case(
        "create or update org A",
        resources.ORGANIZATION.with_id(ORG_A).in_org(ORG_A),
        [Action.CREATE, Action.UPDATE],
        allowed=("owner org_admin org_admin_me"),
        denied=(
            "member auditor user_admin chat_access org_member org_auditor org_user_admin "
            "org_service_account other_org_admin other_org_member chat_access_in_org_a "
            "org_a_member_no_chat chat_access_banned_in_org_a"
            " grouped_chat_access_in_org_a group_member_in_org_a scoped_chats_only scoped_one_chat owner_scoped_profile"
        ),
    ),
    Case(
        "delete org A (not even its admin)",
        resources.ORGANIZATION.with_id(ORG_A).in_org(ORG_A),
        [Action.DELETE],
        allowed="owner",
        denied=(
            "member auditor user_admin chat_access org_admin org_member org_auditor "
            "org_user_admin org_service_account other_org_admin other_org_member "
            "chat_access_in_org_a org_a_member_no_chat chat_access_banned_in_org_a"
            " grouped_chat_access_in_org_a group_member_in_org_a org_admin_me scoped_chats_only scoped_one_chat owner_scoped_profile"
        ),
    ),
    Case(
        "read members of org A",
        resources.ORGANIZATION_MEMBER.in_org(ORG_A),
        [Action.READ],
        allowed=("owner auditor user_admin org_admin org_auditor org_user_admin org_admin_me"),
        denied=(
            "member chat_access org_member org_service_account other_org_admin "
            "other_org_member chat_access_in_org_a org_a_member_no_chat "
            "chat_access_banned_in_org_a"
            " grouped_chat_access_in_org_a group_member_in_org_a scoped_chats_only scoped_one_chat owner_scoped_profile"
        ),
    ),
    Case(
        "manage members of org A",
        resources.ORGANIZATION_MEMBER.in_org(ORG_A),
        [Action.CREATE, Action.UPDATE, Action.DELETE],
        allowed=("owner user_admin org_admin org_user_admin org_admin_me"),
        denied=(
            "member auditor chat_access org_member org_auditor org_service_account "
            "other_org_admin other_org_member chat_access_in_org_a org_a_member_no_chat "
            "chat_access_banned_in_org_a"
            " grouped_chat_access_in_org_a group_member_in_org_a scoped_chats_only scoped_one_chat owner_scoped_profile"
        ),
    ),
    Case(
        "read own membership in org A (members may not)",
        resources.ORGANIZATION_MEMBER.with_id(ME).with_owner(ME).in_org(ORG_A),
        [Action.READ],
        allowed=("owner auditor user_admin org_admin org_auditor org_user_admin org_admin_me"),
        denied=(
            "member chat_access org_member org_service_account other_org_admin "
            "other_org_member chat_access_in_org_a org_a_member_no_chat "
            "chat_access_banned_in_org_a"
            " grouped_chat_access_in_org_a group_member_in_org_a scoped_chats_only scoped_one_chat owner_scoped_profile"
        ),
    ),
    Case(
        "edit own membership in org A (members may not)",
        resources.ORGANIZATION_MEMBER.with_id(ME).with_owner(ME).in_org(ORG_A),
        [Action.CREATE, Action.UPDATE, Action.DELETE],
        allowed=("owner user_admin org_admin org_user_admin org_admin_me"),
        denied=(
            "member auditor chat_access org_member org_auditor org_service_account "
            "other_org_admin other_org_member chat_access_in_org_a org_a_member_no_chat "
            "chat_access_banned_in_org_a"
            " grouped_chat_access_in_org_a group_member_in_org_a scoped_chats_only scoped_one_chat owner_scoped_profile"
        ),
    ),
    # --- model configs, api keys ------------------------------------------------------------
    Case(
        "read a chat model config",
        resources.CHAT_MODEL_CONFIG.with_id(_sid(200)),
        [Action.READ],
        allowed="owner auditor",
        denied=(
            "member user_admin chat_access org_admin org_member org_auditor org_user_admin "
            "org_service_account other_org_admin other_org_member chat_access_in_org_a "
            "org_a_member_no_chat chat_access_banned_in_org_a"
            " grouped_chat_access_in_org_a group_member_in_org_a org_admin_me scoped_chats_only scoped_one_chat owner_scoped_profile"
        ),
    ),
    Case(
        "manage chat model configs",
        resources.CHAT_MODEL_CONFIG.with_id(_sid(200)),
        [Action.CREATE, Action.UPDATE, Action.DELETE],
        allowed="owner",
        denied=(
            "member auditor user_admin chat_access org_admin org_member org_auditor "
            "org_user_admin org_service_account other_org_admin other_org_member "
            "chat_access_in_org_a org_a_member_no_chat chat_access_banned_in_org_a"
            " grouped_chat_access_in_org_a group_member_in_org_a org_admin_me scoped_chats_only scoped_one_chat owner_scoped_profile"
        ),
    ),
    Case(
        "own api key",
        resources.API_KEY.with_id(_sid(300)).with_owner(ME),
        CRUD,
        allowed=(
            "owner member chat_access chat_access_in_org_a org_a_member_no_chat "
            "chat_access_banned_in_org_a"
            " grouped_chat_access_in_org_a org_admin_me"
        ),
        denied=(
            "auditor user_admin org_admin org_member org_auditor org_user_admin "
            "org_service_account other_org_admin other_org_member"
            " group_member_in_org_a scoped_chats_only scoped_one_chat owner_scoped_profile"
        ),
    ),
    Case(
        "someone else's api key",
        resources.API_KEY.with_owner(OTHER),
        CRUD,
        allowed="owner",
        denied=(
            "member auditor user_admin chat_access org_admin org_member org_auditor "
            "org_user_admin org_service_account other_org_admin other_org_member "
            "chat_access_in_org_a org_a_member_no_chat chat_access_banned_in_org_a"
            " grouped_chat_access_in_org_a group_member_in_org_a org_admin_me scoped_chats_only scoped_one_chat owner_scoped_profile"
        ),
    ),
    # --- role assignment --------------------------------------------------------------------
    Case(
        "read site role assignments (every member may)",
        resources.ASSIGN_ROLE,
        [Action.READ],
        allowed=(
            "owner member auditor user_admin chat_access org_admin org_member org_auditor "
            "org_user_admin org_service_account other_org_admin other_org_member "
            "chat_access_in_org_a org_a_member_no_chat chat_access_banned_in_org_a"
            " grouped_chat_access_in_org_a group_member_in_org_a org_admin_me"
        ),
        denied=(" scoped_chats_only scoped_one_chat owner_scoped_profile"),
    ),
    Case(
        "assign site roles",
        resources.ASSIGN_ROLE,
        [Action.ASSIGN, Action.UNASSIGN],
        allowed="owner user_admin",
        denied=(
            "member auditor chat_access org_admin org_member org_auditor org_user_admin "
            "org_service_account other_org_admin other_org_member chat_access_in_org_a "
            "org_a_member_no_chat chat_access_banned_in_org_a"
            " grouped_chat_access_in_org_a group_member_in_org_a org_admin_me scoped_chats_only scoped_one_chat owner_scoped_profile"
        ),
    ),
    Case(
        "org roles in org A",
        resources.ASSIGN_ORG_ROLE.in_org(ORG_A),
        [Action.ASSIGN, Action.UNASSIGN, Action.READ],
        allowed=("owner org_admin org_user_admin org_admin_me"),
        denied=(
            "member auditor user_admin chat_access org_member org_auditor org_service_account "
            "other_org_admin other_org_member chat_access_in_org_a org_a_member_no_chat "
            "chat_access_banned_in_org_a"
            " grouped_chat_access_in_org_a group_member_in_org_a scoped_chats_only scoped_one_chat owner_scoped_profile"
        ),
    ),
    # --- deployment, system -----------------------------------------------------------------
    Case(
        "deployment config",
        resources.DEPLOYMENT_CONFIG,
        [Action.READ, Action.UPDATE],
        allowed="owner",
        denied=(
            "member auditor user_admin chat_access org_admin org_member org_auditor "
            "org_user_admin org_service_account other_org_admin other_org_member "
            "chat_access_in_org_a org_a_member_no_chat chat_access_banned_in_org_a"
            " grouped_chat_access_in_org_a group_member_in_org_a org_admin_me scoped_chats_only scoped_one_chat owner_scoped_profile"
        ),
    ),
    Case(
        "system",
        resources.SYSTEM,
        CRUD,
        allowed="owner",
        denied=(
            "member auditor user_admin chat_access org_admin org_member org_auditor "
            "org_user_admin org_service_account other_org_admin other_org_member "
            "chat_access_in_org_a org_a_member_no_chat chat_access_banned_in_org_a"
            " grouped_chat_access_in_org_a group_member_in_org_a org_admin_me scoped_chats_only scoped_one_chat owner_scoped_profile"
        ),
    ),
)
CASES: Sequence[Case] = (*V1_CASES, *V2_CASES)


def matrix_problems(cases: Sequence[Case], subjects: Iterable[str]) -> list[str]:
    """Everything wrong with a matrix: subjects missing from or doubled in a case, unknown
    subject names, invalid actions, and registry pairs no case covers."""
    required = list(subjects)
    problems: list[str] = []
    covered: set[tuple[str, Action]] = set()
    for case in cases:
        allowed, denied = case.buckets()
        counts = Counter(allowed + denied)
        for name in required:
            if counts[name] == 0:
                problems.append(f"{case.name}: subject {name!r} is in no bucket")
            elif counts[name] > 1:
                problems.append(f"{case.name}: subject {name!r} is listed {counts[name]} times")
        problems += [
            f"{case.name}: unknown subject {name!r}" for name in counts if name not in required
        ]
        for action in case.actions:
            if action not in REGISTRY[case.resource.type]:
                problems.append(f"{case.name}: {case.resource.type} has no action {action}")
            covered.add((case.resource.type, action))
    problems += [f"no case covers {t}.{a}" for t, a in CONCRETE_PAIRS if (t, a) not in covered]
    return problems


def test_matrix_is_complete() -> None:
    assert matrix_problems(CASES, SUBJECTS) == []


AUTHORIZER = Authorizer()


def _params() -> list[tuple[str, str, Action, bool]]:
    out = []
    for case in CASES:
        allowed, denied = case.buckets()
        for action in case.actions:
            out += [(case.name, name, action, True) for name in allowed]
            out += [(case.name, name, action, False) for name in denied]
    return out


_CASE_BY_NAME = {case.name: case for case in CASES}


@pytest.mark.parametrize(("case", "subject", "action", "expected"), _params())
def test_role_matrix(case: str, subject: str, action: Action, expected: bool) -> None:
    obj = _CASE_BY_NAME[case].resource
    actor = SUBJECTS[subject]
    if expected:
        AUTHORIZER.authorize(actor, action, obj)
    else:
        with pytest.raises(NotAuthorizedError, match=r"^not authorized$"):
            AUTHORIZER.authorize(actor, action, obj)
    assert AUTHORIZER.explain(actor, action, obj).allowed is expected


# --- the checker itself must fail on a bad matrix ---------------------------------------------


def _replace(case: Case, *, allowed: str | None = None, denied: str | None = None) -> list[Case]:
    changed = Case(
        case.name,
        case.resource,
        case.actions,
        case.allowed if allowed is None else allowed,
        case.denied if denied is None else denied,
    )
    return [changed if c is case else c for c in CASES]


def test_checker_reports_a_missing_subject() -> None:
    case = CASES[0]
    bad = _replace(case, denied=case.denied.replace("member ", "", 1))
    assert matrix_problems(bad, SUBJECTS) == [f"{case.name}: subject 'member' is in no bucket"]


def test_checker_reports_a_subject_listed_twice() -> None:
    case = CASES[0]
    bad = _replace(case, allowed=case.allowed + " member")
    assert matrix_problems(bad, SUBJECTS) == [f"{case.name}: subject 'member' is listed 2 times"]


def test_checker_reports_an_unknown_subject() -> None:
    case = CASES[0]
    bad = _replace(case, allowed=case.allowed + " nobody")
    assert matrix_problems(bad, SUBJECTS) == [f"{case.name}: unknown subject 'nobody'"]


def test_checker_reports_a_new_subject_in_every_case() -> None:
    problems = matrix_problems(CASES, [*SUBJECTS, "newcomer"])
    assert problems == [f"{c.name}: subject 'newcomer' is in no bucket" for c in CASES]


def test_checker_reports_uncovered_registry_pairs() -> None:
    without_system = [c for c in CASES if c.resource.type != "system"]
    problems = matrix_problems(without_system, SUBJECTS)
    assert sorted(problems) == sorted(f"no case covers system.{a}" for a in REGISTRY["system"])


def test_checker_reports_an_invalid_action() -> None:
    bad = [*CASES, dataclasses.replace(V1_CASES[-1], name="x", actions=[Action.ASSIGN])]
    assert matrix_problems(bad, SUBJECTS) == ["x: system has no action assign"]
