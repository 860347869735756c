"""Read-only chat sharing: what an ACL change may contain, sans I/O (both faces call it).

A change names users and groups with a role: `"read"` grants read, `""` removes the entry.
Nothing but `read` can be granted (an ACL never hands out `update`, `delete` or `share`), so a
shared reader may read the chat and its messages and nothing else. The rules, checked before
anything is written:

* only `"read"` or `""` (else `InvalidShareError`, 400);
* never the actor itself, never the chat's owner (they already have access);
* at most `MAX_ACL_CHANGES` entries per change and `MAX_ACL_ENTRIES` per chat;
* every *newly added* id must be a valid target (`GetChatShareTargets`, one statement): for an
  org chat a member of the org / a group of the org (Everyone = the org id); for a personal
  chat an existing user and no group. A group must also be one the sharer may read (its own
  groups, Everyone; all of the org's for its admins): an unreadable group is refused with the
  text of an unknown one, so sharing is no way to learn which group ids exist. Unknown ids and
  ids of another org get the same text.
  Entries already stored are not re-validated, so a stale entry (its user left the org) can
  still be removed, and does not block other changes.

`ChatSharingDisabledError` is the kill switch's refusal (403, its own message).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from uuid import UUID

from authz import Action, NotAuthorizedError, Subject, is_allowed, resources
from querier.dbauthz.decide import Decider
from querier.dbauthz.group_objects import group_object
from querier.generated.models import Chat, GetChatShareTargetsRow, JsonValue

READ_ROLE = "read"
REMOVE_ROLE = ""
MAX_ACL_CHANGES = 100
"""Entries (users + groups) one change may name: bounds the request and the target lookup."""
MAX_ACL_ENTRIES = 200
"""Entries a chat's ACL may hold: every read of the chat parses its ACL."""
SHARING_DISABLED_MESSAGE = (
    "Chat sharing is disabled on this server (--disable-chat-sharing): ACLs cannot be changed, "
    "and stored ones grant nothing."
)


class ChatSharingDisabledError(NotAuthorizedError):
    """The kill switch is on: every ACL write is refused (403, this message)."""

    def __init__(self, actor: Subject) -> None:
        super().__init__(
            subject_id=actor.id,
            action=Action.SHARE,
            object=resources.CHAT,
            internal="chat sharing is disabled (kill switch)",
            public=SHARING_DISABLED_MESSAGE,
        )


class InvalidShareError(ValueError):
    """An ACL change the rules refuse (400); `str()` says which rule, never about others' data."""


def refuse_when_disabled(decide: Decider, actor: Subject) -> None:
    """Before any SQL: with the kill switch on, ACL writes are refused."""
    if not decide.chat_sharing:
        raise ChatSharingDisabledError(actor)


@dataclass(frozen=True, slots=True)
class AclChange:
    """Validated roles by id: True grants read, False removes the entry."""

    users: Mapping[UUID, bool]
    groups: Mapping[UUID, bool]


def parse_change(user_roles: Mapping[UUID, str], group_roles: Mapping[UUID, str]) -> AclChange:
    """The roles of a PATCH: `"read"` or `""` only; at most `MAX_ACL_CHANGES` entries."""
    if len(user_roles) + len(group_roles) > MAX_ACL_CHANGES:
        raise InvalidShareError(f"at most {MAX_ACL_CHANGES} users and groups per change")
    return AclChange(_roles(user_roles, "user"), _roles(group_roles, "group"))


def _roles(roles: Mapping[UUID, str], kind: str) -> dict[UUID, bool]:
    parsed: dict[UUID, bool] = {}
    for ident, role in roles.items():
        if role not in (READ_ROLE, REMOVE_ROLE):
            raise InvalidShareError(
                f"{kind} {ident}: only the role {READ_ROLE!r} can be granted "
                f"({REMOVE_ROLE!r} removes), not {str(role)[:32]!r}"
            )
        parsed[ident] = role == READ_ROLE
    return parsed


def parse_acl_json(user_acl: JsonValue, group_acl: JsonValue) -> AclChange:
    """A whole ACL (`{"<id>": ["read"]}` maps, `UpdateChatACL`'s arguments) as a change that
    replaces what is stored: every entry must grant exactly `["read"]`."""
    return parse_change(_json_roles(user_acl, "user"), _json_roles(group_acl, "group"))


def _json_roles(acl: JsonValue, kind: str) -> dict[UUID, str]:
    if not isinstance(acl, dict):
        raise InvalidShareError(f'the {kind} ACL must be an object of id -> ["read"]')
    roles: dict[UUID, str] = {}
    for key, actions in acl.items():
        try:
            ident = UUID(str(key))
        except ValueError:
            raise InvalidShareError(f"{kind} {str(key)[:40]!r} is not a UUID") from None
        if actions != [READ_ROLE]:
            raise InvalidShareError(
                f"{kind} {ident}: only [{READ_ROLE!r}] can be granted, not {str(actions)[:64]}"
            )
        roles[ident] = READ_ROLE
    return roles


@dataclass(frozen=True, slots=True)
class AclPlan:
    """What to write, and which ids are new (to be checked as share targets first)."""

    user_acl: dict[str, list[str]]
    group_acl: dict[str, list[str]]
    new_users: tuple[UUID, ...]
    new_groups: tuple[UUID, ...]


def plan_change(chat: Chat, actor: Subject, change: AclChange, *, replace: bool) -> AclPlan:
    """The chat's ACLs after `change` (merged into the stored ones unless `replace`)."""
    for ident, grant in change.users.items():
        if grant and ident == actor.id:
            raise InvalidShareError("cannot share a chat with yourself")
        if grant and ident == chat.owner_id:
            raise InvalidShareError("cannot share a chat with its owner: they have access")
    users, new_users = _merged(_stored(chat.user_acl), change.users, replace)
    groups, new_groups = _merged(_stored(chat.group_acl), change.groups, replace)
    if len(users) + len(groups) > MAX_ACL_ENTRIES:
        raise InvalidShareError(f"a chat can be shared with at most {MAX_ACL_ENTRIES} entries")
    return AclPlan(users, groups, new_users, new_groups)


def _stored(acl: JsonValue) -> dict[str, list[str]]:
    """The stored map (a CHECK keeps it an object); entries that are not lists are dropped:
    they never granted anything (see `Object.with_stored_acl`)."""
    if not isinstance(acl, dict):
        return {}
    return {
        key: [a for a in value if isinstance(a, str)]
        for key, value in acl.items()
        if isinstance(value, list)
    }


def _merged(
    stored: dict[str, list[str]], change: Mapping[UUID, bool], replace: bool
) -> tuple[dict[str, list[str]], tuple[UUID, ...]]:
    result = {} if replace else dict(stored)
    new: list[UUID] = []
    for ident, grant in change.items():
        key = str(ident)
        if not grant:
            result.pop(key, None)
            continue
        if stored.get(key) != [READ_ROLE]:
            new.append(ident)
        result[key] = [READ_ROLE]
    return dict(sorted(result.items())), tuple(sorted(new))


def check_targets(
    decide: Decider, actor: Subject, chat: Chat, plan: AclPlan, found: GetChatShareTargetsRow
) -> None:
    """Every new id must be a valid target; unknown, foreign and (for groups) unreadable ids
    get the same text."""
    _missing(plan.new_users, found.user_ids, "user")
    valid = set(found.group_ids)
    wanted = [g for g in plan.new_groups if g in valid]
    _missing(plan.new_groups, _readable_groups(decide, actor, chat, wanted), "group")


def _readable_groups(
    decide: Decider, actor: Subject, chat: Chat, ids: Iterable[UUID]
) -> tuple[UUID, ...]:
    org = chat.organization_id
    if org is None:
        return ()
    return tuple(
        g for g in ids if is_allowed(decide.authorizer, actor, Action.READ, group_object(g, org))
    )


def _missing(wanted: Iterable[UUID], found: Iterable[UUID], kind: str) -> None:
    have = set(found)
    for ident in wanted:
        if ident not in have:
            raise InvalidShareError(
                f"cannot share with {kind} {ident}: unknown, or not one this chat can be "
                "shared with (an org chat: members of its organization and its groups you can "
                "see; a personal chat: any user, no group)"
            )
