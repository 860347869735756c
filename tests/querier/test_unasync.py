"""The sync face is derived from the async source, and the checked-in derivation is fresh."""

from __future__ import annotations

from querier.gen import unasync

SOURCE = '''"""A module; the words async and await in prose stay."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from querier.generated.async_protocol import AsyncQuerier


class AsyncUserMethods:
    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncQuerier]:
        async with self._inner.transaction() as tx:  # await nothing here
            yield tx

    async def get_user(self, *, id: int) -> int:
        """Calls `AsyncQuerier` once."""
        return self.check(await self._inner.get_user(id=id))
'''


def test_keywords_and_async_names_go_prose_stays() -> None:
    out = unasync.to_sync(SOURCE)
    assert "async def" not in out
    assert "await self" not in out
    assert "async with" not in out
    assert "from collections.abc import Iterator" in out
    assert "from contextlib import contextmanager" in out
    assert "from querier.generated.protocol import Querier" in out
    assert "class UserMethods:" in out
    assert "def transaction(self) -> Iterator[Querier]:" in out
    assert "with self._inner.transaction() as tx:  # await nothing here" in out
    assert "return self.check(self._inner.get_user(id=id))" in out
    assert '"""Calls `Querier` once."""' in out
    assert "the words async and await in prose stay" in out
    compile(out, "sync.py", "exec")


def test_the_checked_in_sync_face_is_fresh() -> None:
    assert unasync.stale() == [], "run `uv run python -m querier.gen`"
