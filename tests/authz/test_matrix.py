"""The role matrix: every built-in role, checked against every resource type and action —
and (v2) subjects with groups and scopes against shared objects and any-org questions, and
subjects holding custom organization roles (one of them deleted). Cases: `matrix_v1`,
`matrix_v2`, `matrix_groups`; subjects: `matrix_subjects`.

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
)
from authz.registry import CONCRETE_PAIRS, REGISTRY
from tests.authz.matrix_groups import GROUP_CASES
from tests.authz.matrix_subjects import (
    SUBJECTS,
    Case,
)
from tests.authz.matrix_v1 import V1_CASES
from tests.authz.matrix_v2 import V2_CASES

CASES: Sequence[Case] = (*V1_CASES, *V2_CASES, *GROUP_CASES)


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
