"""Each wrapped method runs at most one statement more than the raw one (counted, per method)."""

from __future__ import annotations

import asyncio
import inspect
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from authz import Authorizer
from querier.dbauthz import AsyncAuthzQuerier, AuthzQuerier, as_actor
from querier.dbauthz.actors import load_subject
from querier.generated.async_protocol import AsyncQuerier
from querier.generated.models import ChatMessageRole, ChatStatus, UserStatus
from querier.generated.protocol import FILTERED_METHODS, QUERY_METHODS, Querier
from querier.generated.sql import SqlQuerier
from tests import factories as f

Args = Callable[[SqlQuerier], dict[str, Any]]
NOW = datetime.now(UTC)


def _chat(q: SqlQuerier) -> dict[str, Any]:
    return {"id": f.chat(q, f.user(q)).id}


def _message(q: SqlQuerier) -> dict[str, Any]:
    c = f.chat(q, f.user(q))
    return {"chat_id": c.id, "id": f.message(q, c).id}


def _member(q: SqlQuerier) -> dict[str, Any]:
    o, u = f.org(q), f.user(q)
    f.member(q, u, o)
    return {"organization_id": o.id, "user_id": u.id}


def _key(q: SqlQuerier) -> str:
    key = f"k{uuid.uuid4().hex[:12]}"
    q.insert_api_key(
        id=key,
        hashed_secret=b"s" * 32,
        user_id=f.user(q).id,
        expires_at=NOW,
        scopes=("all",),
        allow_list=("*:*",),
    )
    return key


def _demo_seed(q: SqlQuerier) -> dict[str, Any]:
    q.insert_demo_seed()
    return {}


def _file(q: SqlQuerier) -> uuid.UUID:
    row = q.insert_chat_file(
        id=uuid.uuid4(), owner_id=f.user(q).id, name="a", mimetype="text/plain", data=b"x"
    )
    return row.id


def _custom_role(q: SqlQuerier) -> dict[str, Any]:
    row = q.insert_custom_role(
        organization_id=f.org(q).id,
        name="chat-reviewer",
        display_name="",
        org_permissions=("chat:read",),
        member_permissions=(),
    )
    return {"organization_id": row.organization_id, "name": row.name}


def _group(q: SqlQuerier) -> dict[str, Any]:
    o = f.org(q)
    return {"id": f.group(q, o).id}


def _roster(q: SqlQuerier) -> dict[str, Any]:
    o, u = f.org(q), f.user(q)
    f.member(q, u, o)
    g = f.group(q, o)
    return {"group_id": g.id, "organization_id": o.id, "user_ids": (u.id,)}


def _window(q: SqlQuerier) -> dict[str, Any]:
    return {"owner_id": f.user(q).id, "start_date": NOW - timedelta(days=1), "end_date": NOW}


ARGS: dict[str, Args] = {
    "archive_chat": _chat,
    "unarchive_chat": _chat,
    "delete_chat": _chat,
    "get_chat": _chat,
    "update_chat_title": lambda q: {**_chat(q), "title": "t"},
    "update_chat_status": lambda q: {**_chat(q), "status": ChatStatus.RUNNING},
    "get_chats": lambda q: {"page_limit": 10, "after_id": _chat(q)["id"]},
    "insert_chat": lambda q: {
        "id": uuid.uuid4(),
        "owner_id": f.user(q).id,
        "title": "t",
        "status": ChatStatus.WAITING,
    },
    "insert_chat_message": lambda q: {
        "chat_id": _chat(q)["id"],
        "role": ChatMessageRole.USER,
        "content": {"t": 1},
        "input_tokens": 0,
        "output_tokens": 0,
        "total_cost_micros": 0,
    },
    "get_chat_message": _message,
    "soft_delete_chat_message": _message,
    "get_chat_messages": lambda q: {"chat_id": _chat(q)["id"], "after_id": 0, "page_limit": 5},
    "get_chat_cost_summary": _window,
    "get_chat_cost_per_model": _window,
    "get_chat_cost_per_chat": _window,
    "insert_chat_file": lambda q: {
        "id": uuid.uuid4(),
        "owner_id": f.user(q).id,
        "name": "a",
        "mimetype": "text/plain",
        "data": b"x",
    },
    "get_chat_file": lambda q: {
        "id": q.insert_chat_file(
            id=uuid.uuid4(),
            owner_id=f.user(q).id,
            organization_id=None,
            name="a",
            mimetype="text/plain",
            data=b"x",
        ).id
    },
    "get_chat_file_metadata": lambda q: {"id": _file(q)},
    "get_default_chat_model_config": lambda q: {},
    "get_chat_model_config": lambda q: {"id": f.model_config(q).id},
    "get_chat_model_configs": lambda q: {"enabled_only": False},
    "insert_chat_model_config": lambda q: {
        "id": uuid.uuid4(),
        "provider": "p",
        "model": "m",
        "display_name": "d",
        "enabled": True,
        "is_default": False,
        "context_limit": 10,
    },
    "update_chat_model_config": lambda q: {
        "id": f.model_config(q).id,
        "display_name": "d",
        "enabled": True,
        "is_default": False,
        "context_limit": 5,
    },
    "delete_chat_model_config": lambda q: {"id": f.model_config(q).id},
    "lock_chat_model_config_writes": lambda q: {},
    "get_user_by_id": lambda q: {"id": f.user(q).id},
    "get_user_by_id_for_update": lambda q: {"id": f.user(q).id},
    "get_organization_member_for_update": _member,
    "get_user_by_email_or_username": lambda q: {"email": f.user(q).email, "username": ""},
    "get_users": lambda q: {"page_limit": 10, "after_id": f.user(q).id},
    "insert_user": lambda q: {
        "id": uuid.uuid4(),
        "email": f"{uuid.uuid4().hex}@x.io",
        "username": uuid.uuid4().hex,
        "rbac_roles": ("chat-access",),
        "status": UserStatus.ACTIVE,
    },
    "update_user_roles": lambda q: {"id": f.user(q).id, "granted_roles": ("auditor",)},
    "update_user_status": lambda q: {"id": f.user(q).id, "status": UserStatus.DORMANT},
    "get_authorization_user_roles": lambda q: {"user_id": f.user(q).id},
    "insert_organization": lambda q: {
        "id": uuid.uuid4(),
        "name": uuid.uuid4().hex,
        "display_name": "",
        "is_default": False,
    },
    "get_organization_by_id": lambda q: {"id": f.org(q).id},
    "get_default_organization": lambda q: {},
    "insert_organization_member": lambda q: {
        "organization_id": f.org(q).id,
        "user_id": f.user(q).id,
        "roles": ("organization-auditor",),
    },
    "get_organization_member": _member,
    "get_organization_members": lambda q: {"organization_id": f.org(q).id},
    "update_member_roles": lambda q: {**_member(q), "granted_roles": ("organization-admin",)},
    "delete_organization_member": _member,
    "insert_api_key": lambda q: {
        "id": f"k{uuid.uuid4().hex[:12]}",
        "hashed_secret": b"s" * 32,
        "user_id": f.user(q).id,
        "expires_at": NOW,
        "scopes": ("chat:read",),
        "allow_list": ("chat:*",),
    },
    "get_api_key_by_id": lambda q: {"id": _key(q)},
    "get_authorization_by_api_key": lambda q: {"id": _key(q)},
    "update_api_key_last_used": lambda q: {"id": _key(q), "last_used": NOW},
    "delete_api_key": lambda q: {"id": _key(q)},
    "get_api_keys_by_user_id": lambda q: {"user_id": f.user(q).id},
    "get_user_and_owners_for_update": lambda q: {"id": f.user(q).id},
    "get_organization_by_name": lambda q: {"name": f.org(q).name},
    "get_organizations": lambda q: {"page_limit": 10},
    "get_demo_seed": lambda q: _demo_seed(q),
    "insert_demo_seed": lambda q: {},
    "get_data_presence": lambda q: {},
    "insert_custom_role": lambda q: {
        "organization_id": f.org(q).id,
        "name": "chat-reviewer",
        "display_name": "Chat reviewer",
        "org_permissions": ("chat:read",),
        "member_permissions": ("chat:update",),
    },
    "get_custom_role": _custom_role,
    "get_custom_role_for_update": _custom_role,
    "get_custom_roles_by_organization": lambda q: {
        "organization_id": _custom_role(q)["organization_id"]
    },
    "get_custom_roles_for_assignment": lambda q: {
        "organization_id": _custom_role(q)["organization_id"],
        "names": ("chat-reviewer", "other"),
    },
    "update_custom_role": lambda q: {
        **_custom_role(q),
        "display_name": "x",
        "org_permissions": ("chat:read", "chat:update"),
        "member_permissions": (),
    },
    "delete_custom_role_if_unused": _custom_role,
    # groups (#13)
    "insert_group": lambda q: {
        "id": uuid.uuid4(),
        "organization_id": f.org(q).id,
        "name": "team",
        "display_name": "",
    },
    "get_group": _group,
    "get_group_for_update": _group,
    "get_groups_by_organization": lambda q: {
        "organization_id": f.group(q, f.org(q)).organization_id
    },
    "update_group": lambda q: {**_group(q), "name": "crew", "display_name": None},
    "delete_group": _group,
    "get_group_members": lambda q: {
        k: v for k, v in _roster(q).items() if k in ("group_id", "organization_id")
    },
    "get_organization_member_ids_for_share": lambda q: {
        k: v for k, v in _roster(q).items() if k in ("organization_id", "user_ids")
    },
    # Two statements wrapped (the members, key-share-locked, then the insert) for one raw.
    "insert_group_members": _roster,
    "delete_group_members": _roster,
    # chat sharing (#13): the replacing write is read + locked read + write here (no id added;
    # see EXTRA_STATEMENTS); adding ids adds the one target check: test_chat_sharing.py counts both
    "get_chat_acl": lambda q: {"chat_id": _chat(q)["id"]},
    "get_chat_for_share": _chat,
    "get_chat_share_targets": lambda q: {
        "user_ids": (f.user(q).id,),
        "organization_id": None,
        "group_ids": (),
    },
    "update_chat_acl": lambda q: {**_chat(q), "user_acl": {}, "group_acl": {}},
}


@contextmanager
def counting(conn: Connection) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(*args: Any) -> None:
        statements.append(args[2])

    sa.event.listen(conn, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        sa.event.remove(conn, "before_cursor_execute", record)


def _no_arguments(q: SqlQuerier) -> dict[str, Any]:
    return {}


def budget_args(method: str) -> Args:
    """The entry for `method`; a method without parameters needs none (it is called with {})."""
    if method in ARGS:
        return ARGS[method]
    params = inspect.signature(getattr(Querier, method)).parameters
    if set(params) <= {"self", "authorize_filter"}:
        return _no_arguments
    raise LookupError(
        f"{method} has no statement-budget entry: add ARGS[{method!r}] in "
        f"tests/querier/test_statement_budget.py, a function that creates the rows the call "
        f"needs and returns its arguments (step 4 of 'Adding a query' in the README)"
    )


def test_every_method_has_a_budget_case() -> None:
    problems = []
    for method in QUERY_METHODS:
        try:
            budget_args(method)
        except LookupError as exc:
            problems.append(str(exc))
    problems += [
        f"ARGS[{m!r}] names no query method: remove it" for m in set(ARGS) - set(QUERY_METHODS)
    ]
    assert not problems, "\n".join(problems)


class AsyncOverSync:
    """An `AsyncQuerier` whose coroutines run the sync `SqlQuerier` on the test's connection.

    The budget counts what the *wrapper* adds, so the async face is measured on the same
    connection, transaction and rows as the sync one (an async connection could not see the
    test's uncommitted rows); that `AsyncSqlQuerier` itself sends one statement per method is
    asserted in tests/querier/test_async_face.py.
    """

    def __init__(self, sync: SqlQuerier) -> None:
        self._sync = sync

    def __getattr__(self, name: str) -> Callable[..., Any]:
        method = getattr(self._sync, name)

        async def run(**kwargs: Any) -> Any:
            return method(**kwargs)

        return run

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncOverSync]:
        with self._sync.transaction() as tx:
            yield AsyncOverSync(tx)


def _call_async(wrapped: AsyncAuthzQuerier, method: str, args: dict[str, Any]) -> Any:
    async def run() -> Any:
        return await getattr(wrapped, method)(**args)

    return asyncio.run(run())


EXTRA_STATEMENTS: dict[str, int] = {
    # Read unlocked and checked before the locked re-read, so a caller who may not read the
    # chat never takes (or waits for) its lock: read, locked read, write for one raw write.
    "update_chat_acl": 1,
}
"""The few methods allowed more than one statement over the raw query, each with its reason."""


@pytest.mark.parametrize("face", ["sync", "async"])
@pytest.mark.parametrize("method", QUERY_METHODS)
def test_wrapped_runs_at_most_one_more_statement(conn: Connection, method: str, face: str) -> None:
    raw = SqlQuerier(conn)
    f.org(raw, is_default=True)
    f.model_config(raw, "default", is_default=True)
    admin = load_subject(raw, f.user(raw, "owner").id)
    wrapped = AuthzQuerier(raw, Authorizer())
    async_wrapped = AsyncAuthzQuerier(cast(AsyncQuerier, AsyncOverSync(raw)), Authorizer())
    try:
        args = budget_args(method)
    except LookupError as exc:
        pytest.fail(str(exc), pytrace=False)
    raw_args, wrapped_args = args(raw), args(raw)
    extra = {"authorize_filter": sa.true()} if method in FILTERED_METHODS else {}

    with counting(conn) as raw_statements:
        getattr(raw, method)(**raw_args, **extra)
    with as_actor(admin), counting(conn) as wrapped_statements:
        if face == "sync":
            getattr(wrapped, method)(**wrapped_args)
        else:
            _call_async(async_wrapped, method, wrapped_args)

    assert len(raw_statements) == 1
    allowed = len(raw_statements) + 1 + EXTRA_STATEMENTS.get(method, 0)
    assert len(wrapped_statements) <= allowed, wrapped_statements


def test_a_missing_entry_names_the_method_and_the_next_step(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delitem(ARGS, "get_chat")
    with pytest.raises(LookupError, match=r"^get_chat has no statement-budget entry: add ARGS"):
        budget_args("get_chat")
    monkeypatch.delitem(ARGS, "get_default_organization")
    assert budget_args("get_default_organization")(None) == {}  # type: ignore[arg-type]
