"""Groups as authorization objects, their list filter, and the errors of roster changes (#13).

Shared by both faces of the authorizing querier (`async_groups.py` and its generated twin) and
by the API and CLI, so the objects they decide on are the same everywhere:

* a stored group is `group` with its id, in its org, with the group ACL entry `{id: [read]}`:
  the group's members read it without any role (Coder's `WithGroupACL`);
* its roster is `group_member` with the group's id, in its org, with the same entry: members
  see who else is in their group; adding (`create`) and removing (`delete`) need a role;
* the organization's *Everyone* group (id = org id) is never stored: it is the `group` object
  with the org's id and the entry `{org: [read]}`, so every member of the org reads it. Its
  roster is the organization's member list, read as `organization_member` in the org (exactly
  who may list the org's members), and it is never writable (`EveryoneGroupError`).
"""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy import ColumnElement
from sqlalchemy.dialects.postgresql import JSONB

from authz import Action, AuthorizerProtocol, NotAuthorizedError, Object, Subject, resources
from querier.dbauthz.decide import FilterNotAllowedError
from querier.errors import QuerierError, UniqueViolationError

EVERYONE_NAME = "everyone"
"""The Everyone group's name; reserved, so no stored group can take it."""
EVERYONE_DISPLAY_NAME = "Everyone"
MAX_ROSTER_CHANGE = 1000
"""At most this many users per `add_users` / `remove_users` list (API and CLI)."""

_READ = (Action.READ,)


def group_object(group_id: UUID, organization_id: UUID) -> Object:
    """A stored group as its row's `rbac_object()` builds it."""
    return (
        resources.GROUP.with_id(group_id).in_org(organization_id).with_acl(groups={group_id: _READ})
    )


def new_group_object(organization_id: UUID) -> Object:
    """A group about to be created: no id yet (a scope must admit every group of the org)."""
    return resources.GROUP.in_org(organization_id)


def roster_object(group_id: UUID, organization_id: UUID) -> Object:
    """A stored group's roster, as its member rows' `rbac_object()` builds it."""
    return (
        resources.GROUP_MEMBER.with_id(group_id)
        .in_org(organization_id)
        .with_acl(groups={group_id: _READ})
    )


def everyone_object(organization_id: UUID) -> Object:
    """The organization's implicit Everyone group: every member of the org reads it."""
    return group_object(organization_id, organization_id)


_GROUP_ORG = sa.literal_column("groups.organization_id", sa.Uuid())
_GROUP_ID = sa.literal_column("groups.id", sa.Uuid())
_GROUP_ACL = sa.literal_column("jsonb_build_object(groups.id::text, '[\"read\"]'::jsonb)", JSONB)
"""The ACL every group carries, `{"<its id>": ["read"]}`, computed in SQL (never stored)."""


def groups_filter(
    authorizer: AuthorizerProtocol, actor: Subject, given: ColumnElement[bool] | None
) -> ColumnElement[bool] | None:
    """`GetGroupsByOrganization`'s WHERE term: the same compiled policy, ACL entry included
    (the actor's own groups); None when no group at all can be allowed (answer `[]`, no SQL).

    The column objects are module constants: the compiled filter cache keys on them."""
    if given is not None:
        raise FilterNotAllowedError(
            "authorize_filter is derived from the actor; do not pass one to AuthzQuerier"
        )
    prepared = authorizer.prepare(actor, Action.READ, "group")
    if prepared.never_allowed_with_acl:
        return None
    return prepared.sql_filter(owner=None, org=_GROUP_ORG, id=_GROUP_ID, group_acl=_GROUP_ACL)


class GroupMembersRefusedError(QuerierError):
    """Some users cannot be added: unknown, not readable, or not members of the organization.

    One text for all three (the API answers 400 with it), naming only the ids the caller sent,
    so the answer never tells which users exist elsewhere."""

    def __init__(self, user_ids: Iterable[UUID]) -> None:
        ids = sorted(set(user_ids), key=str)
        self.user_ids = tuple(ids)
        shown = ", ".join(str(i) for i in ids[:10]) + (" …" if len(ids) > 10 else "")
        super().__init__(
            f"cannot add {len(ids)} user(s) to the group: each must be a member of the group's "
            f"organization: {shown}"
        )


class EveryoneGroupError(NotAuthorizedError):
    """A write to an organization's Everyone group: it is implicit and never editable."""

    def __init__(self, actor: Subject, action: Action, organization_id: UUID) -> None:
        super().__init__(
            subject_id=actor.id,
            action=action,
            object=everyone_object(organization_id),
            internal=f"{actor} tried to {action} the Everyone group of {organization_id}",
            public="the Everyone group is implicit (every member of the organization is in it) "
            "and cannot be changed or deleted; add or remove organization members instead",
        )


def refuse_everyone_name(name: str | None, query: str) -> None:
    """The name `everyone` is taken in every organization, by its implicit Everyone group: a
    `UniqueViolationError` on the name constraint, exactly as for a stored duplicate (409)."""
    if name == EVERYONE_NAME:
        raise UniqueViolationError(
            query,
            "groups_organization_id_name_key",
            "the name 'everyone' is the organization's implicit Everyone group",
        )
