"""The method-suite cases of the groups and group membership queries (#13).

Exact objects: a stored group and its roster carry the group ACL entry `{id: [read]}` (their
members read them); a group being created has no id; adding members also reads the org's
memberships."""

from __future__ import annotations

import uuid

from authz import Object, resources
from authz.testing import MethodCase
from querier.generated.models import Group, GroupMember
from tests.querier.method_data import (
    CREATE,
    DELETE,
    NOW,
    ORG,
    ORG_MEMBERS,
    ORGANIZATION,
    OWNER,
    READ,
    UPDATE,
)

GROUP_ID = uuid.UUID("00000000-0000-4000-8000-0000000000e1")
GROUP = Group(GROUP_ID, ORG, "team", "Team", NOW)
GROUP_MEMBER = GroupMember(GROUP_ID, ORG, OWNER, NOW)
GROUP_OBJ = resources.GROUP.with_id(GROUP_ID).in_org(ORG).with_acl(groups={GROUP_ID: [READ]})
ROSTER_OBJ = (
    resources.GROUP_MEMBER.with_id(GROUP_ID).in_org(ORG).with_acl(groups={GROUP_ID: [READ]})
)
ROSTER_ARGS = {"group_id": GROUP_ID, "organization_id": ORG, "user_ids": (OWNER,)}

CASES: list[MethodCase] = [
    MethodCase(
        "insert_group",
        {"id": GROUP_ID, "organization_id": ORG, "name": "team", "display_name": "Team"},
        # The organization must be readable too (else: as if missing).
        [(resources.GROUP.in_org(ORG), CREATE), (ORGANIZATION.rbac_object(), READ)],
        inner={"insert_group": GROUP},
        writes=True,
    ),
    MethodCase("get_group", {"id": GROUP_ID}, [(GROUP_OBJ, READ)], inner={"get_group": GROUP}),
    MethodCase(
        "get_group_for_update",
        {"id": GROUP_ID},
        # Read unlocked first: a caller who may not read the group never locks it.
        [(GROUP_OBJ, READ), (GROUP_OBJ, READ)],
        inner={"get_group": GROUP, "get_group_for_update": GROUP},
    ),
    MethodCase(
        "get_groups_by_organization",
        {"organization_id": ORG},
        [(Object(type="group"), READ)],
        inner={"get_groups_by_organization": [GROUP]},
    ),
    MethodCase(
        "update_group",
        {"id": GROUP_ID, "name": "crew", "display_name": None},
        [(GROUP_OBJ, UPDATE)],
        inner={"get_group": GROUP, "update_group": GROUP},
        writes=True,
    ),
    MethodCase(
        "delete_group",
        {"id": GROUP_ID},
        [(GROUP_OBJ, DELETE)],
        inner={"get_group": GROUP, "delete_group": 1},
        writes=True,
    ),
    MethodCase(
        "get_group_members",
        {"group_id": GROUP_ID, "organization_id": ORG},
        [(ROSTER_OBJ, READ)],
        inner={"get_group_members": [GROUP_MEMBER]},
    ),
    MethodCase(
        "get_organization_member_ids_for_share",
        {"organization_id": ORG, "user_ids": (OWNER,)},
        [(ORG_MEMBERS, READ)],
        inner={"get_organization_member_ids_for_share": [OWNER]},
    ),
    MethodCase(
        "insert_group_members",
        ROSTER_ARGS,
        # Adding needs the roster's create, then reading the org's memberships (who is a member).
        [(ROSTER_OBJ, CREATE), (ORG_MEMBERS, READ)],
        inner={
            "get_organization_member_ids_for_share": [OWNER],
            "insert_group_members": [GROUP_MEMBER],
        },
        writes=True,
    ),
    MethodCase(
        "delete_group_members",
        ROSTER_ARGS,
        [(ROSTER_OBJ, DELETE)],
        inner={"delete_group_members": 1},
        writes=True,
    ),
]
