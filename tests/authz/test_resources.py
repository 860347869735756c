"""The registry is the single source of truth; resource constants are bare objects of it."""

from __future__ import annotations

from uuid import UUID

import pytest

from authz import Action, Object, resources
from authz.registry import CONCRETE_PAIRS, CONCRETE_TYPES, check_action

CRUD = {Action.CREATE, Action.READ, Action.UPDATE, Action.DELETE}


def test_registry_declares_the_issue_s_types_and_actions() -> None:
    assert dict(resources.REGISTRY) == {
        "*": {Action.WILDCARD},
        "user": CRUD | {Action.READ_PERSONAL, Action.UPDATE_PERSONAL},
        "organization": CRUD,
        "organization_member": CRUD,
        "chat": CRUD | {Action.SHARE},
        "chat_model_config": CRUD,
        "api_key": CRUD,
        "assign_role": {Action.ASSIGN, Action.UNASSIGN, Action.READ},
        # create / update / delete: custom organization roles (issue #14)
        "assign_org_role": {Action.ASSIGN, Action.UNASSIGN, *CRUD},
        "deployment_config": {Action.READ, Action.UPDATE},
        "system": CRUD,
        # groups (issue #13): roster changes are group_member create / delete, not group update
        "group": CRUD,
        "group_member": {Action.CREATE, Action.READ, Action.DELETE},
    }


def test_registry_is_read_only() -> None:
    with pytest.raises(TypeError):
        resources.REGISTRY["new"] = frozenset()  # type: ignore[index]


def test_action_is_a_str_enum() -> None:
    read: str = Action.READ
    assert read == "read"
    assert Action("update_personal") is Action.UPDATE_PERSONAL
    assert str(Action.WILDCARD) == "*"


def test_concrete_pairs_expand_every_type_but_the_wildcard() -> None:
    assert "*" not in CONCRETE_TYPES
    assert len(CONCRETE_PAIRS) == sum(len(resources.REGISTRY[t]) for t in CONCRETE_TYPES)


@pytest.mark.parametrize(
    ("constant", "type_name"),
    [
        (resources.USER, "user"),
        (resources.ORGANIZATION, "organization"),
        (resources.ORGANIZATION_MEMBER, "organization_member"),
        (resources.CHAT, "chat"),
        (resources.CHAT_MODEL_CONFIG, "chat_model_config"),
        (resources.API_KEY, "api_key"),
        (resources.ASSIGN_ROLE, "assign_role"),
        (resources.ASSIGN_ORG_ROLE, "assign_org_role"),
        (resources.DEPLOYMENT_CONFIG, "deployment_config"),
        (resources.SYSTEM, "system"),
    ],
)
def test_constants_are_bare_objects(constant: Object, type_name: str) -> None:
    assert constant == Object(type_name)
    assert (constant.id, constant.owner, constant.org) == (None, None, None)


def test_user_object_owns_itself() -> None:
    uid = UUID(int=7)
    assert resources.user_object(str(uid)) == Object("user", id=uid, owner=uid)


def test_check_action_rejects_what_the_type_lacks() -> None:
    with pytest.raises(ValueError, match="'deployment_config' has no action 'delete'"):
        check_action("deployment_config", Action.DELETE)
    with pytest.raises(ValueError, match="unknown action 'fly'"):
        check_action("chat", "fly")
    with pytest.raises(ValueError, match="unknown resource type 'workspace'"):
        check_action("workspace", Action.READ)
    assert check_action("*", Action.ASSIGN) is Action.ASSIGN
    assert check_action("chat", "*") is Action.WILDCARD
