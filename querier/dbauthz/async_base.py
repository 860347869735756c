"""What every method class of the authorizing querier shares: the inner querier and a `Decider`.

The async source of the face (`async_*.py`); `querier/gen/unasync.py` writes the sync twin
(`sync_*.py`, `authz_querier.py`) from it, and `python -m querier.gen --check` fails when the
twin is stale.
"""

from __future__ import annotations

from authz import AuthorizerProtocol
from querier.dbauthz.decide import Decider
from querier.generated.async_protocol import AsyncQuerier


class AsyncAuthzBase:
    """Holds the unwrapped querier and the decisions; the method classes add the methods."""

    __slots__ = ("_decide", "_inner")

    _inner: AsyncQuerier
    _decide: Decider

    def __init__(
        self, inner: AsyncQuerier, authorizer: AuthorizerProtocol, *, chat_sharing: bool = True
    ) -> None:
        """`chat_sharing=False`: the chat-sharing kill switch (see `Decider`)."""
        if isinstance(inner, AsyncAuthzBase):
            inner = inner._inner  # never wraps twice: wrapping a wrapper wraps its inner querier
        self._inner = inner
        self._decide = Decider(authorizer, chat_sharing=chat_sharing)

    @property
    def inner(self) -> AsyncQuerier:
        """The unwrapped querier, for code that has already decided (use sparingly)."""
        return self._inner

    @property
    def authorizer(self) -> AuthorizerProtocol:
        return self._decide.authorizer

    @property
    def chat_sharing(self) -> bool:
        """False when the chat-sharing kill switch is on."""
        return self._decide.chat_sharing
