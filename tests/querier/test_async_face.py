"""The async face on a real database: `AsyncSqlQuerier` on a psycopg `AsyncConnection`, the
authorizing `AsyncAuthzQuerier` over it, and the actor context across `await` and tasks."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import pytest
import sqlalchemy as sa
from psycopg import AsyncConnection
from sqlalchemy.engine import Engine

from authz import Authorizer, NotAuthorizedError, Subject
from querier.dbauthz import AsyncAuthzQuerier, as_actor, current_actor
from querier.dbauthz.actors import subject_from_row
from querier.errors import NotFoundError, UniqueViolationError
from querier.generated.async_sql import AsyncSqlQuerier
from querier.generated.models import ChatStatus, User, UserStatus
from querier.runtime import COMPILED_FILTERS, compile_filter

T = TypeVar("T")


def conninfo(engine: Engine) -> str:
    return engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


@asynccontextmanager
async def rolled_back(engine: Engine) -> AsyncIterator[AsyncConnection[Any]]:
    """An async connection whose work is rolled back at the end (like the `conn` fixture)."""
    aconn = await AsyncConnection.connect(conninfo(engine))
    try:
        yield aconn
    finally:
        await aconn.rollback()
        await aconn.close()


def run(engine: Engine, body: Callable[[AsyncSqlQuerier], Awaitable[T]]) -> T:
    async def main() -> T:
        async with rolled_back(engine) as aconn:
            return await body(AsyncSqlQuerier(aconn))

    return asyncio.run(main())


async def new_user(q: AsyncSqlQuerier, *roles: str) -> User:
    name = uuid.uuid4().hex[:12]
    return await q.insert_user(
        id=uuid.uuid4(),
        email=f"{name}@example.com",
        username=name,
        rbac_roles=roles or ("chat-access",),
        status=UserStatus.ACTIVE,
    )


async def subject(q: AsyncSqlQuerier, user: User) -> Subject:
    return subject_from_row(await q.get_authorization_user_roles(user_id=user.id))


def test_the_async_querier_reads_writes_and_reports_like_the_sync_one(engine: Engine) -> None:
    async def body(q: AsyncSqlQuerier) -> None:
        user = await new_user(q)
        assert await q.get_user_by_id(id=user.id) == user
        chat = await q.insert_chat(
            id=uuid.uuid4(), owner_id=user.id, title="t", status=ChatStatus.WAITING
        )
        assert await q.get_chats(owner_id=user.id, page_limit=5, authorize_filter=sa.true()) == [
            chat
        ]
        assert await q.delete_chat(id=uuid.uuid4()) == 0
        with pytest.raises(NotFoundError):
            await q.get_chat(id=uuid.uuid4())
        with pytest.raises(UniqueViolationError):
            async with q.transaction():  # a savepoint: the outer transaction survives
                await q.insert_user(
                    id=uuid.uuid4(),
                    email=user.email,
                    username="other",
                    rbac_roles=(),
                    status=UserStatus.ACTIVE,
                )
        assert (await q.get_chat(id=chat.id)).title == "t"

    run(engine, body)


class CountingConnection:
    """Counts statements sent through `execute` (round trips, not times)."""

    def __init__(self, conn: AsyncConnection[Any]) -> None:
        self._conn = conn
        self.statements: list[str] = []

    async def execute(self, sql: str, params: Any = None) -> Any:
        self.statements.append(sql)
        return await self._conn.execute(sql, params)


def test_the_async_authz_querier_decides_then_runs_one_statement_per_call(
    engine: Engine,
) -> None:
    async def body(q: AsyncSqlQuerier) -> None:
        owner, stranger = await new_user(q), await new_user(q)
        chat = await q.insert_chat(
            id=uuid.uuid4(), owner_id=owner.id, title="mine", status=ChatStatus.WAITING
        )
        counting = CountingConnection(q.connection)
        wrapped = AsyncAuthzQuerier(AsyncSqlQuerier(counting), Authorizer())  # type: ignore[arg-type]
        with as_actor(await subject(q, owner)):
            assert await wrapped.get_chat(id=chat.id) == chat
            assert await wrapped.get_chats(page_limit=10) == [chat]
        assert len(counting.statements) == 2
        with as_actor(await subject(q, stranger)):
            with pytest.raises(NotAuthorizedError):
                await wrapped.get_chat(id=chat.id)
            assert await wrapped.get_chats(page_limit=10) == []
            with pytest.raises(NotAuthorizedError):
                await wrapped.update_chat_title(id=chat.id, title="stolen")
        async with AsyncAuthzQuerier(q, Authorizer()).transaction() as tx:
            with as_actor(await subject(q, owner)):
                assert (await tx.update_chat_title(id=chat.id, title="new")).title == "new"

    run(engine, body)


def test_the_actor_follows_await_and_tasks_and_never_leaks_between_them() -> None:
    a, b = Subject(id=uuid.uuid4(), roles=("member",)), Subject(id=uuid.uuid4(), roles=())

    async def act_as(who: Subject, seen: list[Subject]) -> None:
        with as_actor(who):
            for _ in range(3):
                await asyncio.sleep(0)  # the other task runs here, under its own actor
                seen.append(current_actor())

    async def main() -> None:
        seen_a: list[Subject] = []
        seen_b: list[Subject] = []
        await asyncio.gather(act_as(a, seen_a), act_as(b, seen_b))
        assert seen_a == [a, a, a]
        assert seen_b == [b, b, b]
        with as_actor(a):
            # a task started inside the scope inherits the actor, and keeps it after the scope
            task = asyncio.create_task(asyncio.sleep(0.01, result=None))
            inherited = asyncio.create_task(_actor_later())
        await task
        assert await inherited is a

    async def _actor_later() -> Subject:
        await asyncio.sleep(0)
        return current_actor()

    asyncio.run(main())


def test_a_filter_is_compiled_once_per_shape_and_keeps_its_own_values() -> None:
    col = sa.literal_column("chats.owner_id", sa.Uuid())
    first, second = uuid.uuid4(), uuid.uuid4()
    before = COMPILED_FILTERS.compiles
    sql_1, params_1 = compile_filter(col == sa.bindparam("o", first, unique=True))
    sql_2, params_2 = compile_filter(col == sa.bindparam("o", second, unique=True))
    assert COMPILED_FILTERS.compiles == before + 1  # the second, same shape: no compile
    assert sql_1 == sql_2
    assert list(params_1.values()) == [first]
    assert list(params_2.values()) == [second]
