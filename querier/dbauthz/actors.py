"""Building a user's subject from the database, the one way every entry point should do it."""

from __future__ import annotations

import json
import logging
from uuid import UUID

from authz import RoleIdentifier, Subject, roles
from authz.custom_roles import CustomRole
from querier.dbauthz.context import as_system_restricted
from querier.generated.models import (
    GetAuthorizationByAPIKeyRow,
    GetAuthorizationUserRolesRow,
    UserStatus,
)
from querier.generated.protocol import Querier

log = logging.getLogger("dbauthz")


class InactiveUserError(Exception):
    """A suspended user gets no subject at all (and so no access)."""


def subject_from_row(row: GetAuthorizationUserRolesRow | GetAuthorizationByAPIKeyRow) -> Subject:
    """Site roles + implied `member` + every membership's org roles (incl. `organization-member`).

    A stored name that does not even parse (corrupt data) is logged and dropped: it must never
    crash authentication, and dropping a role can only take access away.
    """
    if row.status is UserStatus.SUSPENDED:
        raise InactiveUserError(f"user {row.id} is suspended")
    parsed: list[RoleIdentifier] = []
    for raw in (roles.MEMBER, *row.rbac_roles, *row.org_roles):
        try:
            parsed.append(RoleIdentifier.parse(raw))
        except ValueError:
            log.warning("user %s: ignoring malformed stored role %r", row.id, raw)
    return Subject(
        id=row.id,
        roles=tuple(dict.fromkeys(parsed)),
        name=row.username,
        custom_roles=custom_roles_from_json(row.id, row.custom_roles),
    )


def custom_roles_from_json(user_id: UUID, text: str) -> tuple[CustomRole, ...]:
    """The held custom roles' definitions, as the subject query aggregates them (JSON objects
    with `org`, `name`, `display_name`, `org_permissions`, `member_permissions`, `version`).

    They arrive in the same statement as the roles, so whatever a request decides with is the
    definition in force when it started — no cache, nothing to invalidate across processes.
    A definition that does not parse (corrupt data) is logged and dropped: the role then
    grants nothing, which can only take access away.
    """
    if text == "[]":  # most subjects: no custom role, nothing to parse per request
        return ()
    out: list[CustomRole] = []
    try:
        items = json.loads(text)
    except ValueError:
        log.warning("user %s: ignoring malformed custom role definitions", user_id)
        return ()
    for item in items if isinstance(items, list) else ():
        try:
            out.append(
                CustomRole(
                    item["org"],
                    item["name"],
                    item["display_name"],
                    org=item["org_permissions"],
                    member=item["member_permissions"],
                    version=item["version"],
                )
            )
        except (KeyError, TypeError, ValueError):
            log.warning("user %s: ignoring malformed custom role definition %r", user_id, item)
    return tuple(out)


def load_subject(q: Querier, user_id: UUID) -> Subject:
    """The subject of `user_id`, read as the system (a user cannot read its own roles table)."""
    with as_system_restricted():
        row = q.get_authorization_user_roles(user_id=user_id)
    return subject_from_row(row)
