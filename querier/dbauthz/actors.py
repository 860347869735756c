"""Building a user's subject from the database, the one way every entry point should do it."""

from __future__ import annotations

import logging
from uuid import UUID

from authz import RoleIdentifier, Subject, roles
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
    return Subject(id=row.id, roles=tuple(dict.fromkeys(parsed)), name=row.username)


def load_subject(q: Querier, user_id: UUID) -> Subject:
    """The subject of `user_id`, read as the system (a user cannot read its own roles table)."""
    with as_system_restricted():
        row = q.get_authorization_user_roles(user_id=user_id)
    return subject_from_row(row)
