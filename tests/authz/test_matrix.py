"""The role matrix: every built-in role, checked against every resource type and action.

Every case must place every subject in exactly one bucket (allowed or denied), and together
the cases must cover every (type, action) of the registry — `matrix_problems` enforces both,
and `test_checker_*` prove that it does. Adding a subject or an action therefore forces a
decision in every case, as Coder's `TestRolePermissions` does.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from uuid import UUID

import pytest

from authz import (
    Action,
    Authorizer,
    NotAuthorizedError,
    Object,
    OrgPermissions,
    Permission,
    Role,
    Subject,
    resources,
)
from authz import roles as r
from authz.registry import CONCRETE_PAIRS, REGISTRY

ME = UUID("00000000-0000-4000-8000-00000000000a")
OTHER = UUID("00000000-0000-4000-8000-00000000000b")
ORG_A = UUID("00000000-0000-4000-8000-0000000000a0")
ORG_B = UUID("00000000-0000-4000-8000-0000000000b0")

CRUD = (Action.CREATE, Action.READ, Action.UPDATE, Action.DELETE)
CHAT_ACTIONS = (*CRUD, Action.SHARE)

CHAT_BANNED_IN_A = Role(
    "chat-ban",
    "Chat ban in org A (negated org-level chat)",
    by_org={ORG_A: OrgPermissions(org=(Permission(True, "chat", Action.WILDCARD),))},
)


def _subject(ident: UUID, *roles: str, inline: Iterable[Role] = ()) -> Subject:
    return Subject(id=ident, roles=(r.MEMBER, *roles), inline_roles=inline)


def _sid(n: int) -> UUID:
    return UUID(int=0x5000 + n)


def org_member(org: UUID) -> str:
    return f"{r.ORG_MEMBER}:{org}"


SUBJECTS: Mapping[str, Subject] = {
    "owner": _subject(_sid(1), r.OWNER),
    "member": _subject(ME),
    "auditor": _subject(_sid(2), r.AUDITOR),
    "user_admin": _subject(_sid(3), r.USER_ADMIN),
    "chat_access": _subject(ME, r.CHAT_ACCESS),
    "org_admin": _subject(_sid(4), org_member(ORG_A), f"{r.ORG_ADMIN}:{ORG_A}"),
    "org_member": _subject(_sid(5), org_member(ORG_A)),
    "org_auditor": _subject(_sid(6), org_member(ORG_A), f"{r.ORG_AUDITOR}:{ORG_A}"),
    "org_user_admin": _subject(_sid(7), org_member(ORG_A), f"{r.ORG_USER_ADMIN}:{ORG_A}"),
    "org_service_account": _subject(_sid(8), f"{r.ORG_SERVICE_ACCOUNT}:{ORG_A}"),
    "other_org_admin": _subject(_sid(9), org_member(ORG_B), f"{r.ORG_ADMIN}:{ORG_B}"),
    "other_org_member": _subject(_sid(10), org_member(ORG_B)),
    "chat_access_in_org_a": _subject(ME, r.CHAT_ACCESS, org_member(ORG_A)),
    "org_a_member_no_chat": _subject(ME, org_member(ORG_A)),
    "chat_access_banned_in_org_a": _subject(
        ME, r.CHAT_ACCESS, org_member(ORG_A), inline=(CHAT_BANNED_IN_A,)
    ),
}
"""member, chat_access, chat_access_in_org_a, org_a_member_no_chat and
chat_access_banned_in_org_a are the current user (id ME); the others have ids of their own.
The cases' objects are owned by ME, by OTHER (nobody here), or by no one."""


@dataclass(frozen=True)
class Case:
    """One object and some actions; `allowed` and `denied` list subject names, space-separated.

    Every subject must be in exactly one of them: there is no default bucket, so a new subject
    forces a decision in every case.
    """

    name: str
    resource: Object
    actions: Sequence[Action]
    allowed: str
    denied: str

    def buckets(self) -> tuple[list[str], list[str]]:
        return self.allowed.split(), self.denied.split()


CASES: Sequence[Case] = (
    # --- chats: the chat-access gate --------------------------------------------------------
    Case(
        "own personal chat",
        resources.CHAT.with_id(_sid(100)).with_owner(ME),
        CHAT_ACTIONS,
        allowed="owner chat_access chat_access_in_org_a chat_access_banned_in_org_a",
        denied=(
            "member auditor user_admin org_admin org_member org_auditor org_user_admin "
            "org_service_account other_org_admin other_org_member org_a_member_no_chat"
        ),
    ),
    Case(
        "own chat in org A (user-level grant reaches it; the org-level ban overrides it)",
        resources.CHAT.with_id(_sid(101)).with_owner(ME).in_org(ORG_A),
        CHAT_ACTIONS,
        allowed="owner org_admin chat_access_in_org_a",
        denied=(
            "member auditor user_admin chat_access org_member org_auditor org_user_admin "
            "org_service_account other_org_admin other_org_member org_a_member_no_chat "
            "chat_access_banned_in_org_a"
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
        ),
    ),
    Case(
        "someone else's chat in org A",
        resources.CHAT.with_owner(OTHER).in_org(ORG_A),
        CHAT_ACTIONS,
        allowed="owner org_admin",
        denied=(
            "member auditor user_admin chat_access org_member org_auditor org_user_admin "
            "org_service_account other_org_admin other_org_member chat_access_in_org_a "
            "org_a_member_no_chat chat_access_banned_in_org_a"
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
        ),
        denied=(
            "org_admin org_member org_auditor org_user_admin org_service_account "
            "other_org_admin other_org_member"
        ),
    ),
    Case(
        "own user, personal fields",
        resources.user_object(ME),
        [Action.READ_PERSONAL, Action.UPDATE_PERSONAL],
        allowed=(
            "owner member chat_access chat_access_in_org_a org_a_member_no_chat "
            "chat_access_banned_in_org_a"
        ),
        denied=(
            "auditor user_admin org_admin org_member org_auditor org_user_admin "
            "org_service_account other_org_admin other_org_member"
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
        ),
    ),
    Case(
        "read another user",
        resources.user_object(OTHER),
        [Action.READ],
        allowed="owner auditor user_admin",
        denied=(
            "member chat_access org_admin org_member org_auditor org_user_admin "
            "org_service_account other_org_admin other_org_member chat_access_in_org_a "
            "org_a_member_no_chat chat_access_banned_in_org_a"
        ),
    ),
    Case(
        "another user's personal fields",
        resources.user_object(OTHER),
        [Action.READ_PERSONAL, Action.UPDATE_PERSONAL],
        allowed="owner",
        denied=(
            "member auditor user_admin chat_access org_admin org_member org_auditor "
            "org_user_admin org_service_account other_org_admin other_org_member "
            "chat_access_in_org_a org_a_member_no_chat chat_access_banned_in_org_a"
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
        ),
        denied="member user_admin chat_access other_org_admin other_org_member",
    ),
    Case(
        "create or update org A",
        resources.ORGANIZATION.with_id(ORG_A).in_org(ORG_A),
        [Action.CREATE, Action.UPDATE],
        allowed="owner org_admin",
        denied=(
            "member auditor user_admin chat_access org_member org_auditor org_user_admin "
            "org_service_account other_org_admin other_org_member chat_access_in_org_a "
            "org_a_member_no_chat chat_access_banned_in_org_a"
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
        ),
    ),
    Case(
        "read members of org A",
        resources.ORGANIZATION_MEMBER.in_org(ORG_A),
        [Action.READ],
        allowed="owner auditor user_admin org_admin org_auditor org_user_admin",
        denied=(
            "member chat_access org_member org_service_account other_org_admin "
            "other_org_member chat_access_in_org_a org_a_member_no_chat "
            "chat_access_banned_in_org_a"
        ),
    ),
    Case(
        "manage members of org A",
        resources.ORGANIZATION_MEMBER.in_org(ORG_A),
        [Action.CREATE, Action.UPDATE, Action.DELETE],
        allowed="owner user_admin org_admin org_user_admin",
        denied=(
            "member auditor chat_access org_member org_auditor org_service_account "
            "other_org_admin other_org_member chat_access_in_org_a org_a_member_no_chat "
            "chat_access_banned_in_org_a"
        ),
    ),
    Case(
        "read own membership in org A (members may not)",
        resources.ORGANIZATION_MEMBER.with_id(ME).with_owner(ME).in_org(ORG_A),
        [Action.READ],
        allowed="owner auditor user_admin org_admin org_auditor org_user_admin",
        denied=(
            "member chat_access org_member org_service_account other_org_admin "
            "other_org_member chat_access_in_org_a org_a_member_no_chat "
            "chat_access_banned_in_org_a"
        ),
    ),
    Case(
        "edit own membership in org A (members may not)",
        resources.ORGANIZATION_MEMBER.with_id(ME).with_owner(ME).in_org(ORG_A),
        [Action.CREATE, Action.UPDATE, Action.DELETE],
        allowed="owner user_admin org_admin org_user_admin",
        denied=(
            "member auditor chat_access org_member org_auditor org_service_account "
            "other_org_admin other_org_member chat_access_in_org_a org_a_member_no_chat "
            "chat_access_banned_in_org_a"
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
        ),
    ),
    Case(
        "own api key",
        resources.API_KEY.with_id(_sid(300)).with_owner(ME),
        CRUD,
        allowed=(
            "owner member chat_access chat_access_in_org_a org_a_member_no_chat "
            "chat_access_banned_in_org_a"
        ),
        denied=(
            "auditor user_admin org_admin org_member org_auditor org_user_admin "
            "org_service_account other_org_admin other_org_member"
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
        ),
        denied="",
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
        ),
    ),
    Case(
        "org roles in org A",
        resources.ASSIGN_ORG_ROLE.in_org(ORG_A),
        [Action.ASSIGN, Action.UNASSIGN, Action.READ],
        allowed="owner org_admin org_user_admin",
        denied=(
            "member auditor user_admin chat_access org_member org_auditor org_service_account "
            "other_org_admin other_org_member chat_access_in_org_a org_a_member_no_chat "
            "chat_access_banned_in_org_a"
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
        ),
    ),
)


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
    bad = [*CASES, dataclasses.replace(CASES[-1], name="x", actions=[Action.ASSIGN])]
    assert matrix_problems(bad, SUBJECTS) == ["x: system has no action assign"]
