"""`AuthzQuerier`: every `Querier` method, each deciding before its SQL runs.

Most methods are one line built from a helper per access pattern:

* `_fetch`   run the query, then check read on the row (not-found stays the database's);
* `_insert`  check create on an object built from the arguments, then write;
* `_mutate`  raw fetch of the stored row, check the action on it, then write;
* `_guard`   check a fixed object (parent chat, owner's chats, system), then run;
* `_list`    compile the actor's policy into the query's WHERE clause — pages stay full;
* role changes check every changed role twice: the permission and the assignment table.

The actor comes from `context.current_actor()`; without one every method raises `NoActorError`
before any SQL runs. mypy proves the class implements the generated `Querier` Protocol, so a new
query that is not wrapped here fails the type check (and the method suite's accounting).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, TypeVar
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy import ColumnElement

from authz import (
    Action,
    AuthorizerProtocol,
    InvalidRoleError,
    NotAuthorizedError,
    Object,
    PreparedProtocol,
    RoleIdentifier,
    Subject,
    resources,
    roles,
)
from querier.dbauthz.context import current_actor
from querier.dbauthz.guards import (
    locked_target,
    references_hidden,
    refuse_losing_last_owner,
    refuse_usage_from_non_chatd,
)
from querier.generated.models import (
    ApiKey,
    Chat,
    ChatFile,
    ChatMessage,
    ChatMessageRole,
    ChatModelConfig,
    ChatStatus,
    DemoSeed,
    GetAuthorizationByAPIKeyRow,
    GetAuthorizationUserRolesRow,
    GetChatCostPerChatRow,
    GetChatCostPerModelRow,
    GetChatCostSummaryRow,
    GetChatFileMetadataRow,
    GetDataPresenceRow,
    JsonValue,
    Organization,
    OrganizationMember,
    User,
    UserStatus,
)
from querier.generated.protocol import Querier

log = logging.getLogger("dbauthz")

R = TypeVar("R")


class _HasRbacObject(Protocol):
    def rbac_object(self) -> Object: ...


Row = TypeVar("Row", bound=_HasRbacObject)


@dataclass(frozen=True)
class FilterColumns:
    """Where a list query's rows keep the object's owner, org and id (None: no such column)."""

    owner: ColumnElement[Any] | None
    org: ColumnElement[Any] | None
    id: ColumnElement[Any] | None


def _uuid_column(name: str) -> ColumnElement[Any]:
    return sa.literal_column(name, sa.Uuid())


CHAT_COLUMNS = FilterColumns(
    owner=_uuid_column("chats.owner_id"),
    org=_uuid_column("chats.organization_id"),
    id=_uuid_column("chats.id"),
)
COST_CHAT_COLUMNS = FilterColumns(
    owner=_uuid_column("c.owner_id"),
    org=_uuid_column("c.organization_id"),
    id=_uuid_column("c.id"),
)
"""The cost queries join chats as `c`: aggregates only cover chats the reader may read."""
USER_COLUMNS = FilterColumns(owner=_uuid_column("users.id"), org=None, id=_uuid_column("users.id"))
ORGANIZATION_COLUMNS = FilterColumns(
    owner=None, org=_uuid_column("organizations.id"), id=_uuid_column("organizations.id")
)


class RoleAssignmentError(NotAuthorizedError):
    """The actor may not grant or revoke this role; the public message names the role."""

    def __init__(self, actor: Subject, action: Action, role: RoleIdentifier) -> None:
        verb = "assign" if action is Action.ASSIGN else "unassign"
        super().__init__(
            subject_id=actor.id,
            action=action,
            object=resources.ASSIGN_ROLE if role.org_id is None else resources.ASSIGN_ORG_ROLE,
            internal=f"{actor} may not {verb} role {role} (assignment table)",
            public=f"not allowed to {verb} the role {role.name!r}",
        )
        self.role = role


class FilterNotAllowedError(TypeError):
    """The authorizing querier derives list filters from the actor; callers may not pass one."""


def chat_object(owner_id: UUID, organization_id: UUID | None) -> Object:
    obj = resources.CHAT.with_owner(owner_id)
    return obj.in_org(organization_id) if organization_id is not None else obj


def member_object(organization_id: UUID) -> Object:
    return resources.ORGANIZATION_MEMBER.in_org(organization_id)


def organization_object(organization_id: UUID) -> Object:
    return resources.ORGANIZATION.with_id(organization_id).in_org(organization_id)


class AuthzQuerier:
    """Wraps a `Querier`; never wraps twice (wrapping a wrapper wraps its inner querier)."""

    __slots__ = ("_authorizer", "_inner")

    def __init__(self, inner: Querier, authorizer: AuthorizerProtocol) -> None:
        if isinstance(inner, AuthzQuerier):
            inner = inner._inner
        self._inner: Querier = inner
        self._authorizer = authorizer

    @property
    def inner(self) -> Querier:
        """The unwrapped querier, for code that has already decided (use sparingly)."""
        return self._inner

    @contextmanager
    def transaction(self) -> Iterator[AuthzQuerier]:
        """Everything inside goes through a wrapped querier on the transaction's connection."""
        with self._inner.transaction() as tx:
            yield AuthzQuerier(tx, self._authorizer)

    # --- helpers -------------------------------------------------------------------------------

    def _authorize(self, actor: Subject, action: Action, obj: Object) -> None:
        try:
            self._authorizer.authorize(actor, action, obj)
        except NotAuthorizedError:
            if log.isEnabledFor(logging.DEBUG):
                # Ids, action and object only: titles, messages and other content never appear.
                explanation = self._authorizer.explain(actor, action, obj)
                log.debug(
                    "denied: actor=%s action=%s object=%s because %s",
                    actor.id,
                    action,
                    obj,
                    explanation,
                )
            raise

    def _check(self, action: Action, obj: Object) -> None:
        self._authorize(current_actor(), action, obj)

    def _fetch(self, fetch: Callable[[], Row]) -> Row:
        actor = current_actor()
        row = fetch()
        self._authorize(actor, Action.READ, row.rbac_object())
        return row

    def _insert(self, obj: Object, write: Callable[[], R]) -> R:
        self._check(Action.CREATE, obj)
        return write()

    def _mutate(self, action: Action, fetch_raw: Callable[[], Row], write: Callable[[], R]) -> R:
        actor = current_actor()
        self._authorize(actor, action, fetch_raw().rbac_object())
        return write()

    def _guard(self, action: Action, obj: Object, run: Callable[[], R]) -> R:
        self._check(action, obj)
        return run()

    def _on_chat(self, action: Action, chat_id: UUID, run: Callable[[], R]) -> R:
        """The stored chat (raw fetch) decides: for the chat itself and for its messages."""
        return self._mutate(action, lambda: self._inner.get_chat(id=chat_id), run)

    def _fetch_member(
        self, action: Action, fetch: Callable[[], OrganizationMember]
    ) -> OrganizationMember:
        """Memberships are checked as `organization_member` in their org (no owner, no id)."""
        actor = current_actor()
        member = fetch()
        self._authorize(actor, action, member_object(member.organization_id))
        return member

    def _locked_member(self, organization_id: UUID, user_id: UUID) -> OrganizationMember:
        return self._inner.get_organization_member_for_update(
            organization_id=organization_id, user_id=user_id
        )

    def _list(
        self,
        resource_type: str,
        columns: FilterColumns,
        given: ColumnElement[bool] | None,
        run: Callable[[ColumnElement[bool]], list[R]],
    ) -> list[R]:
        prepared = self._prepare(resource_type, given)
        if prepared.never_allowed:
            return []
        return run(prepared.sql_filter(owner=columns.owner, org=columns.org, id=columns.id))

    def _read_filter(
        self, resource_type: str, given: ColumnElement[bool] | None, columns: FilterColumns
    ) -> ColumnElement[bool]:
        prepared = self._prepare(resource_type, given)
        return prepared.sql_filter(owner=columns.owner, org=columns.org, id=columns.id)

    def _prepare(self, resource_type: str, given: ColumnElement[bool] | None) -> PreparedProtocol:
        if given is not None:
            raise FilterNotAllowedError(
                "authorize_filter is derived from the actor; do not pass one to AuthzQuerier"
            )
        return self._authorizer.prepare(current_actor(), Action.READ, resource_type)

    def _check_role_changes(
        self,
        old: Sequence[str],
        new: Sequence[str],
        organization_id: UUID | None,
    ) -> tuple[tuple[str, ...], bool]:
        """Check every changed role twice; return the names to store and whether any changed.

        Implied roles are dropped from what is stored.

        The permission (assign/unassign on `assign_role`, or on `assign_org_role` in the org)
        and the assignment table (`roles.can_assign_role`) must both pass. Unchanged roles are
        not checked, so an actor may edit a user who holds roles it could not grant itself.
        """
        actor = current_actor()
        new_ids = [_requested_role(name, organization_id) for name in new]
        old_ids = [r for r in (_stored_role(name, organization_id) for name in old) if r]
        added, removed = roles.change_role_set(old_ids, new_ids)
        target = (
            resources.ASSIGN_ROLE
            if organization_id is None
            else resources.ASSIGN_ORG_ROLE.in_org(organization_id)
        )
        for action, changed in ((Action.ASSIGN, added), (Action.UNASSIGN, removed)):
            for role_id in changed:
                try:
                    self._authorize(actor, action, target)
                except NotAuthorizedError as exc:
                    raise RoleAssignmentError(actor, action, role_id) from exc
                # A retired or unknown stored name grants nothing; whoever may unassign roles
                # may clean it up. Every built-in role must also be in the assignment table.
                if _is_builtin(role_id.name) and not roles.can_assign_role(actor, role_id):
                    raise RoleAssignmentError(actor, action, role_id)
        implied = roles.MEMBER if organization_id is None else roles.ORG_MEMBER
        stored = tuple(dict.fromkeys(r.name for r in new_ids if r.name != implied))
        return stored, bool(added or removed)

    # --- users ---------------------------------------------------------------------------------

    def get_user_by_id(self, *, id: UUID) -> User:
        return self._fetch(lambda: self._inner.get_user_by_id(id=id))

    def get_user_by_email_or_username(self, *, email: str, username: str) -> User:
        return self._fetch(
            lambda: self._inner.get_user_by_email_or_username(email=email, username=username)
        )

    def get_users(
        self,
        *,
        after_id: UUID | None = None,
        status: UserStatus | None = None,
        page_limit: int,
        authorize_filter: ColumnElement[bool] | None = None,
    ) -> list[User]:
        if after_id is not None:
            self.get_user_by_id(id=after_id)  # a cursor must be readable: no existence oracle
        return self._list(
            "user",
            USER_COLUMNS,
            authorize_filter,
            lambda f: self._inner.get_users(
                after_id=after_id, status=status, page_limit=page_limit, authorize_filter=f
            ),
        )

    def insert_user(
        self,
        *,
        id: UUID,
        email: str,
        username: str,
        rbac_roles: tuple[str, ...],
        status: UserStatus,
    ) -> User:
        self._check(Action.CREATE, resources.USER)
        stored, _ = self._check_role_changes((), rbac_roles, None)
        return self._inner.insert_user(
            id=id, email=email, username=username, rbac_roles=stored, status=status
        )

    def update_user_roles(self, *, granted_roles: tuple[str, ...], id: UUID) -> User:
        # The row stays locked until the transaction ends, so the roles the change is computed
        # from cannot be changed by a concurrent request and then silently written back; the
        # owners' rows are locked with it, so the last owner cannot be demoted concurrently.
        locked, user = self._lock_user_and_owners(id)
        stored, changed = self._check_role_changes(user.rbac_roles, granted_roles, None)
        if stored == user.rbac_roles:
            return user  # nothing to write: no write without a decision to make it
        if not changed:
            # Only a clean-up (order, implied or corrupt names): still an edit of the user.
            self._check(Action.UPDATE, user.rbac_object())
        refuse_losing_last_owner(locked, user, new_roles=stored, new_status=user.status)
        return self._inner.update_user_roles(granted_roles=stored, id=id)

    def _lock_user_and_owners(self, id: UUID) -> tuple[list[User], User]:
        """Lock the user and every owner able to act (one statement, id order); read the user."""
        actor = current_actor()
        locked = self._inner.get_user_and_owners_for_update(id=id)
        user = locked_target(locked, id, "GetUserAndOwnersForUpdate")
        self._authorize(actor, Action.READ, user.rbac_object())
        return locked, user

    def get_user_and_owners_for_update(self, *, id: UUID) -> list[User]:
        """Rows of other users (every owner): for the system only; methods use `_inner`."""
        return self._guard(
            Action.READ,
            resources.SYSTEM,
            lambda: self._inner.get_user_and_owners_for_update(id=id),
        )

    def get_user_by_id_for_update(self, *, id: UUID) -> User:
        return self._fetch(lambda: self._inner.get_user_by_id_for_update(id=id))

    def update_user_status(self, *, status: UserStatus, id: UUID) -> User:
        """Needs `update` on the user; never suspends the last owner able to act.

        A user object is determined by its id, so the permission is checked before any row is
        locked: a caller without it cannot hold up the owners' rows even for a moment.
        """
        self._check(Action.UPDATE, resources.user_object(id))
        locked, user = self._lock_user_and_owners(id)
        if user.status is status:
            return user
        refuse_losing_last_owner(locked, user, new_roles=user.rbac_roles, new_status=status)
        return self._inner.update_user_status(status=status, id=id)

    def get_authorization_user_roles(self, *, user_id: UUID) -> GetAuthorizationUserRolesRow:
        return self._guard(
            Action.READ,
            resources.SYSTEM,
            lambda: self._inner.get_authorization_user_roles(user_id=user_id),
        )

    # --- API keys ------------------------------------------------------------------------------

    def get_authorization_by_api_key(self, *, id: str) -> GetAuthorizationByAPIKeyRow:
        """A key with its user's subject columns (authentication): for the system only."""
        return self._guard(
            Action.READ,
            resources.SYSTEM,
            lambda: self._inner.get_authorization_by_api_key(id=id),
        )

    def insert_api_key(
        self, *, id: str, hashed_secret: bytes, user_id: UUID, expires_at: datetime
    ) -> ApiKey:
        return self._insert(
            resources.API_KEY.with_owner(user_id),
            lambda: self._inner.insert_api_key(
                id=id, hashed_secret=hashed_secret, user_id=user_id, expires_at=expires_at
            ),
        )

    def get_api_key_by_id(self, *, id: str) -> ApiKey:
        return self._fetch(lambda: self._inner.get_api_key_by_id(id=id))

    def update_api_key_last_used(self, *, last_used: datetime, id: str) -> int:
        return self._mutate(
            Action.UPDATE,
            lambda: self._inner.get_api_key_by_id(id=id),
            lambda: self._inner.update_api_key_last_used(last_used=last_used, id=id),
        )

    def delete_api_key(self, *, id: str) -> int:
        return self._mutate(
            Action.DELETE,
            lambda: self._inner.get_api_key_by_id(id=id),
            lambda: self._inner.delete_api_key(id=id),
        )

    def get_api_keys_by_user_id(self, *, user_id: UUID) -> list[ApiKey]:
        """Every key of one user: read on that user's keys (they all share the owner)."""
        return self._guard(
            Action.READ,
            resources.API_KEY.with_owner(user_id),
            lambda: self._inner.get_api_keys_by_user_id(user_id=user_id),
        )

    # --- organizations and members -------------------------------------------------------------

    def insert_organization(
        self, *, id: UUID, name: str, display_name: str, is_default: bool
    ) -> Organization:
        return self._insert(
            organization_object(id),
            lambda: self._inner.insert_organization(
                id=id, name=name, display_name=display_name, is_default=is_default
            ),
        )

    def get_organization_by_id(self, *, id: UUID) -> Organization:
        return self._fetch(lambda: self._inner.get_organization_by_id(id=id))

    def get_default_organization(self) -> Organization:
        return self._fetch(self._inner.get_default_organization)

    def get_organization_by_name(self, *, name: str) -> Organization:
        return self._fetch(lambda: self._inner.get_organization_by_name(name=name))

    def get_organizations(
        self,
        *,
        after_name: str | None = None,
        page_limit: int,
        authorize_filter: ColumnElement[bool] | None = None,
    ) -> list[Organization]:
        return self._list(
            "organization",
            ORGANIZATION_COLUMNS,
            authorize_filter,
            lambda f: self._inner.get_organizations(
                after_name=after_name, page_limit=page_limit, authorize_filter=f
            ),
        )

    def insert_organization_member(
        self, *, user_id: UUID, organization_id: UUID, roles: tuple[str, ...]
    ) -> OrganizationMember:
        """Also: the user and the organization must be readable, or they count as missing.

        Both objects are fully determined by their ids, so no fetch is needed to decide; a
        missing row (the foreign key) and an unreadable one give the same error.
        """
        self._check(Action.CREATE, member_object(organization_id))
        stored, _ = self._check_role_changes((), roles, organization_id)
        with references_hidden("InsertOrganizationMember"):
            self._check(Action.READ, resources.user_object(user_id))
            self._check(Action.READ, organization_object(organization_id))
            return self._inner.insert_organization_member(
                user_id=user_id, organization_id=organization_id, roles=stored
            )

    def get_organization_member(
        self, *, organization_id: UUID, user_id: UUID
    ) -> OrganizationMember:
        return self._fetch_member(
            Action.READ,
            lambda: self._inner.get_organization_member(
                organization_id=organization_id, user_id=user_id
            ),
        )

    def update_member_roles(
        self, *, granted_roles: tuple[str, ...], organization_id: UUID, user_id: UUID
    ) -> OrganizationMember:
        member = self._fetch_member(
            Action.UPDATE, lambda: self._locked_member(organization_id, user_id)
        )
        stored, _ = self._check_role_changes(member.roles, granted_roles, organization_id)
        if stored == member.roles:
            return member
        return self._inner.update_member_roles(
            granted_roles=stored, organization_id=organization_id, user_id=user_id
        )

    def get_organization_members(self, *, organization_id: UUID) -> list[OrganizationMember]:
        return self._guard(
            Action.READ,
            member_object(organization_id),
            lambda: self._inner.get_organization_members(organization_id=organization_id),
        )

    def get_organization_member_for_update(
        self, *, organization_id: UUID, user_id: UUID
    ) -> OrganizationMember:
        return self._fetch_member(
            Action.READ, lambda: self._locked_member(organization_id, user_id)
        )

    def delete_organization_member(self, *, organization_id: UUID, user_id: UUID) -> int:
        """Removing a member also takes away its org roles: each must be unassignable too."""
        member = self._fetch_member(
            Action.DELETE, lambda: self._locked_member(organization_id, user_id)
        )
        self._check_role_changes(member.roles, (), organization_id)
        return self._inner.delete_organization_member(
            organization_id=organization_id, user_id=user_id
        )

    # --- chats ---------------------------------------------------------------------------------

    def get_chat(self, *, id: UUID) -> Chat:
        return self._fetch(lambda: self._inner.get_chat(id=id))

    def get_chats(
        self,
        *,
        owner_id: UUID | None = None,
        archived: bool | None = None,
        after_id: UUID | None = None,
        page_limit: int,
        authorize_filter: ColumnElement[bool] | None = None,
    ) -> list[Chat]:
        if after_id is not None:
            self.get_chat(id=after_id)  # a cursor must be readable: no existence oracle
        return self._list(
            "chat",
            CHAT_COLUMNS,
            authorize_filter,
            lambda f: self._inner.get_chats(
                owner_id=owner_id,
                archived=archived,
                after_id=after_id,
                page_limit=page_limit,
                authorize_filter=f,
            ),
        )

    def insert_chat(
        self,
        *,
        id: UUID,
        owner_id: UUID,
        organization_id: UUID | None = None,
        title: str,
        status: ChatStatus,
        last_model_config_id: UUID | None = None,
    ) -> Chat:
        return self._insert(
            chat_object(owner_id, organization_id),
            lambda: self._inner.insert_chat(
                id=id,
                owner_id=owner_id,
                organization_id=organization_id,
                title=title,
                status=status,
                last_model_config_id=last_model_config_id,
            ),
        )

    def update_chat_title(self, *, title: str, id: UUID) -> Chat:
        return self._on_chat(
            Action.UPDATE, id, lambda: self._inner.update_chat_title(title=title, id=id)
        )

    def update_chat_status(self, *, status: ChatStatus, id: UUID) -> Chat:
        return self._on_chat(
            Action.UPDATE, id, lambda: self._inner.update_chat_status(status=status, id=id)
        )

    def archive_chat(self, *, id: UUID) -> Chat:
        return self._on_chat(Action.UPDATE, id, lambda: self._inner.archive_chat(id=id))

    def unarchive_chat(self, *, id: UUID) -> Chat:
        return self._on_chat(Action.UPDATE, id, lambda: self._inner.unarchive_chat(id=id))

    def delete_chat(self, *, id: UUID) -> int:
        return self._on_chat(Action.DELETE, id, lambda: self._inner.delete_chat(id=id))

    # --- messages ------------------------------------------------------------------------------

    def insert_chat_message(
        self,
        *,
        chat_id: UUID,
        created_by: UUID | None = None,
        role: ChatMessageRole,
        content: JsonValue,
        model_config_id: UUID | None = None,
        input_tokens: int,
        output_tokens: int,
        total_cost_micros: int,
    ) -> ChatMessage:
        """Checked as the chat; only `chatd` records usage; the model config must be usable."""
        actor = current_actor()
        chat = self._inner.get_chat(id=chat_id)
        self._authorize(actor, Action.UPDATE, chat.rbac_object())
        refuse_usage_from_non_chatd(actor, input_tokens, output_tokens, total_cost_micros)
        with references_hidden("InsertChatMessage"):
            if model_config_id is not None:
                # Model configs are readable by whoever may use chats (see `_chat_user_guard`).
                self._authorize(actor, Action.READ, resources.CHAT.with_owner(actor.id))
            return self._inner.insert_chat_message(
                chat_id=chat_id,
                created_by=created_by,
                role=role,
                content=content,
                model_config_id=model_config_id,
                input_tokens=input_tokens,
                output_tokens=output_tokens,
                total_cost_micros=total_cost_micros,
            )

    def get_chat_messages(
        self, *, chat_id: UUID, after_id: int, page_limit: int
    ) -> list[ChatMessage]:
        return self._on_chat(
            Action.READ,
            chat_id,
            lambda: self._inner.get_chat_messages(
                chat_id=chat_id, after_id=after_id, page_limit=page_limit
            ),
        )

    def get_chat_message(self, *, chat_id: UUID, id: int) -> ChatMessage:
        return self._on_chat(
            Action.READ, chat_id, lambda: self._inner.get_chat_message(chat_id=chat_id, id=id)
        )

    def soft_delete_chat_message(self, *, chat_id: UUID, id: int) -> int:
        return self._on_chat(
            Action.UPDATE,
            chat_id,
            lambda: self._inner.soft_delete_chat_message(chat_id=chat_id, id=id),
        )

    # --- cost ----------------------------------------------------------------------------------

    def _owners_readable_chats(
        self, owner_id: UUID, given: ColumnElement[bool] | None
    ) -> ColumnElement[bool]:
        """Read on the owner's chats (one's own cost: whoever may use chats somewhere, see
        `_chats_anywhere`), then the filter keeping only chats the reader may read."""
        actor = current_actor()
        if owner_id == actor.id:
            self._authorize(actor, Action.CREATE, _chats_anywhere(actor))
        else:
            self._authorize(actor, Action.READ, resources.CHAT.with_owner(owner_id))
        return self._read_filter("chat", given, COST_CHAT_COLUMNS)

    def get_chat_cost_summary(
        self,
        *,
        owner_id: UUID,
        start_date: datetime,
        end_date: datetime,
        authorize_filter: ColumnElement[bool] | None = None,
    ) -> GetChatCostSummaryRow:
        return self._inner.get_chat_cost_summary(
            owner_id=owner_id,
            start_date=start_date,
            end_date=end_date,
            authorize_filter=self._owners_readable_chats(owner_id, authorize_filter),
        )

    def get_chat_cost_per_model(
        self,
        *,
        owner_id: UUID,
        start_date: datetime,
        end_date: datetime,
        authorize_filter: ColumnElement[bool] | None = None,
    ) -> list[GetChatCostPerModelRow]:
        return self._inner.get_chat_cost_per_model(
            owner_id=owner_id,
            start_date=start_date,
            end_date=end_date,
            authorize_filter=self._owners_readable_chats(owner_id, authorize_filter),
        )

    def get_chat_cost_per_chat(
        self,
        *,
        owner_id: UUID,
        start_date: datetime,
        end_date: datetime,
        authorize_filter: ColumnElement[bool] | None = None,
    ) -> list[GetChatCostPerChatRow]:
        return self._inner.get_chat_cost_per_chat(
            owner_id=owner_id,
            start_date=start_date,
            end_date=end_date,
            authorize_filter=self._owners_readable_chats(owner_id, authorize_filter),
        )

    # --- files ---------------------------------------------------------------------------------

    def insert_chat_file(
        self,
        *,
        id: UUID,
        owner_id: UUID,
        organization_id: UUID | None = None,
        name: str,
        mimetype: str,
        data: bytes,
    ) -> ChatFile:
        return self._insert(
            chat_object(owner_id, organization_id),
            lambda: self._inner.insert_chat_file(
                id=id,
                owner_id=owner_id,
                organization_id=organization_id,
                name=name,
                mimetype=mimetype,
                data=data,
            ),
        )

    def get_chat_file(self, *, id: UUID) -> ChatFile:
        """Decided on the metadata; the bytes are loaded only when the read is allowed.

        Fetching the row first would pull the whole blob for every probe: a denied read of a
        large file would be slower than a missing one (an existence and size oracle).
        """
        self.get_chat_file_metadata(id=id)
        return self._inner.get_chat_file(id=id)

    def get_chat_file_metadata(self, *, id: UUID) -> GetChatFileMetadataRow:
        actor = current_actor()
        row = self._inner.get_chat_file_metadata(id=id)
        self._authorize(actor, Action.READ, chat_object(row.owner_id, row.organization_id))
        return row

    # --- model configs -------------------------------------------------------------------------

    def _chat_user_guard(self, run: Callable[[], R]) -> R:
        """Whoever may create a chat somewhere (personally or in one of its orgs) may see the
        models; so may whoever holds read on model configs in some org or site-wide (the
        auditors). Nobody else."""
        actor = current_actor()
        try:
            self._authorizer.authorize(actor, Action.CREATE, _chats_anywhere(actor))
        except NotAuthorizedError:
            self._authorize(actor, Action.READ, resources.CHAT_MODEL_CONFIG.any_org())
        return run()

    def get_default_chat_model_config(self) -> ChatModelConfig:
        return self._chat_user_guard(self._inner.get_default_chat_model_config)

    def get_chat_model_config(self, *, id: UUID) -> ChatModelConfig:
        return self._chat_user_guard(lambda: self._inner.get_chat_model_config(id=id))

    def get_chat_model_configs(self, *, enabled_only: bool) -> list[ChatModelConfig]:
        return self._chat_user_guard(
            lambda: self._inner.get_chat_model_configs(enabled_only=enabled_only)
        )

    def insert_chat_model_config(
        self,
        *,
        id: UUID,
        provider: str,
        model: str,
        display_name: str,
        enabled: bool,
        is_default: bool,
        context_limit: int,
    ) -> ChatModelConfig:
        return self._insert(
            resources.CHAT_MODEL_CONFIG.with_id(id),
            lambda: self._inner.insert_chat_model_config(
                id=id,
                provider=provider,
                model=model,
                display_name=display_name,
                enabled=enabled,
                is_default=is_default,
                context_limit=context_limit,
            ),
        )

    def update_chat_model_config(
        self,
        *,
        display_name: str,
        enabled: bool,
        is_default: bool,
        context_limit: int,
        id: UUID,
    ) -> ChatModelConfig:
        return self._guard(
            Action.UPDATE,
            resources.CHAT_MODEL_CONFIG.with_id(id),
            lambda: self._inner.update_chat_model_config(
                display_name=display_name,
                enabled=enabled,
                is_default=is_default,
                context_limit=context_limit,
                id=id,
            ),
        )

    def delete_chat_model_config(self, *, id: UUID) -> int:
        return self._guard(
            Action.DELETE,
            resources.CHAT_MODEL_CONFIG.with_id(id),
            lambda: self._inner.delete_chat_model_config(id=id),
        )

    # --- demo seeding (system only: it looks at every table) -----------------------------------

    def get_demo_seed(self) -> DemoSeed:
        return self._guard(Action.READ, resources.SYSTEM, self._inner.get_demo_seed)

    def insert_demo_seed(self) -> DemoSeed:
        return self._guard(Action.CREATE, resources.SYSTEM, self._inner.insert_demo_seed)

    def get_data_presence(self) -> GetDataPresenceRow:
        return self._guard(Action.READ, resources.SYSTEM, self._inner.get_data_presence)

    def lock_chat_model_config_writes(self) -> None:
        """Only for those who may change model configs: it makes every other writer wait."""
        self._guard(
            Action.UPDATE, resources.CHAT_MODEL_CONFIG, self._inner.lock_chat_model_config_writes
        )


def _chats_anywhere(actor: Subject) -> Object:
    """The actor's own chats personally or in any of its orgs: "may it use chats at all"."""
    return resources.CHAT.with_owner(actor.id).any_org()


def _is_builtin(name: str) -> bool:
    return (
        name in roles.site_builtin_role_names()
        or name in roles.org_builtin_role_names()
        or name in (roles.MEMBER, roles.ORG_MEMBER)
    )


def _requested_role(name: str, organization_id: UUID | None) -> RoleIdentifier:
    """A role name a caller asks for, at the level of the call; anything else is an error.

    Lists hold plain names (the org comes from the call). An org role in a site list, a site
    role in an org list, and names no built-in role has are `InvalidRoleError`s.
    """
    if not isinstance(name, str) or ":" in name:
        raise InvalidRoleError(f"role {name!r}: give the plain role name")
    if organization_id is None:
        if roles.is_org_role_name(name):
            raise InvalidRoleError(f"{name!r} is an organization role, not a site role")
        if name not in roles.site_builtin_role_names() and name != roles.MEMBER:
            raise InvalidRoleError(f"unknown site role {name!r}")
        return RoleIdentifier(name)
    if not roles.is_org_role_name(name) and name != roles.ORG_MEMBER:
        kind = "a site role" if _is_builtin(name) else "not a known organization role"
        raise InvalidRoleError(f"{name!r} is {kind}; it cannot be an organization role")
    return RoleIdentifier(name, organization_id)


def _stored_role(name: str, organization_id: UUID | None) -> RoleIdentifier | None:
    """A role name found in stored data; corrupt entries (unparseable) are dropped."""
    try:
        if organization_id is not None and roles.is_org_role_name(name):
            return RoleIdentifier(name, organization_id)
        return RoleIdentifier.parse(name)
    except InvalidRoleError:
        log.warning("ignoring malformed stored role %r", name)
        return None


def _implements_querier(q: AuthzQuerier) -> Querier:
    """Never called: mypy proves here that AuthzQuerier implements the whole Protocol."""
    return q
