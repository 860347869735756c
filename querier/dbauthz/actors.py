"""Building a user's subject from the database, the one way every entry point should do it."""

from __future__ import annotations

import json
import logging
from uuid import UUID

from authz import RoleIdentifier, Scope, Subject, roles
from authz.custom_roles import CustomRole
from authz.scopes import ALL_NAME, allow_entry_from_text
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
    scope = (
        scope_from_row(row.id, row.scopes, row.allow_list)
        if isinstance(row, GetAuthorizationByAPIKeyRow)
        else None
    )
    return Subject(
        id=row.id,
        roles=tuple(dict.fromkeys(parsed)),
        groups=row.group_ids,
        name=row.username,
        scope=scope,
        custom_roles=custom_roles_from_json(row.id, row.custom_roles),
    )


_NOTHING = Scope(())
"""A scope admitting nothing: what a token whose stored scope does not parse is narrowed to."""


def scope_from_row(user_id: UUID, names: tuple[str, ...], allow_list: tuple[str, ...]) -> Scope:
    """A token's scope from its stored names and `type:id` allow-list entries.

    Unscoped tokens (`{all}` on `{*:*}`, every token minted before scopes existed) get
    `Scope.ALL` without parsing, so they cost nothing. A stored scope that does not parse
    (corrupt data, a name retired since) narrows the token to nothing: it fails closed.
    """
    if names == _ALL_NAMES and allow_list == _ANYTHING:
        return Scope.ALL
    try:
        return Scope.from_names(names, map(allow_entry_from_text, allow_list))
    except (TypeError, ValueError) as exc:
        log.warning("user %s: token scope does not parse, it admits nothing (%s)", user_id, exc)
        return _NOTHING


_ALL_NAMES = (ALL_NAME,)
_ANYTHING = ("*:*",)


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
