"""`AsyncAuthzQuerier`: every `AsyncQuerier` method, each deciding before its SQL runs.

Why an async source and a generated sync twin rather than a declaration table: most methods
are one access pattern (see `querier/dbauthz/decide.py`), but the ones that matter most —
role changes on rows locked `FOR UPDATE`, the last-owner guard, file metadata before bytes,
references read like rows — interleave I/O and decisions. A table would need an escape hatch
for them, and the escape hatch would again be two hand-written bodies. So, as psycopg does
(`tools/async_to_sync.py`), each method is written once, async, over sans-I/O decisions, and
`querier/gen/unasync.py` derives `AuthzQuerier` token by token (drop `async`/`await`, rename
the async types); `uv run python -m querier.gen --check` fails when the twin is stale. The
method suite and the statement budget run against both faces.

The actor comes from `context.current_actor()` (a ContextVar: it follows threads, tasks and
`await`); without one every method raises `NoActorError` before any SQL runs. mypy proves the
class implements the generated Protocol, so a query that is not wrapped fails the type check,
and `python -m querier.dbauthz.conformance` names it in one line.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from querier.dbauthz.async_chat_acl import AsyncChatAclMethods
from querier.dbauthz.async_chats import AsyncChatMethods
from querier.dbauthz.async_groups import AsyncGroupMethods
from querier.dbauthz.async_roles import AsyncCustomRoleMethods
from querier.dbauthz.async_users import AsyncUserMethods
from querier.generated.async_protocol import AsyncQuerier


class AsyncAuthzQuerier(
    AsyncUserMethods,
    AsyncChatMethods,
    AsyncChatAclMethods,
    AsyncCustomRoleMethods,
    AsyncGroupMethods,
):
    """Wraps the generated querier; never wraps twice (wrapping a wrapper wraps its inner one)."""

    __slots__ = ()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncAuthzQuerier]:
        """Everything inside goes through a wrapped querier on the transaction's connection."""
        async with self._inner.transaction() as tx:
            yield AsyncAuthzQuerier(tx, self.authorizer, chat_sharing=self.chat_sharing)


def _implements_querier(q: AsyncAuthzQuerier) -> AsyncQuerier:
    """Never called: mypy proves here that the class implements the whole Protocol."""
    return q
