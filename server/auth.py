"""Who is calling: `Authorization: Bearer <id>-<secret>` -> the user's `Subject`.

Everything here runs as the restricted system actor through the authorizing querier (a caller
has no identity yet, so it cannot be the actor). One statement answers it
(`GetAuthorizationByAPIKey`: the key, its user's status and roles), sent by the request gate on
the request's own async connection, in autocommit — one round trip, no BEGIN/COMMIT around a
single read, and the handler then uses the same connection.
`last_used` is a second statement only when the stored stamp is a minute old or more (at most
one write a minute per key, not one a request); it runs after the secret is verified, so a
caller who knows only a key id cannot touch it, and it commits at once even when the request
itself later fails.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from psycopg import AsyncConnection
from starlette.types import Scope

from authz import AuthorizerProtocol, Subject
from querier.dbauthz import AsyncAuthzQuerier, as_system_restricted
from querier.dbauthz.actors import InactiveUserError, subject_from_row
from querier.errors import NotFoundError
from querier.generated.async_sql import AsyncSqlQuerier
from server.tokens import Token, hash_secret, parse_token, secret_matches

SUBJECT_SCOPE_KEY = "dbauthz.subject"
"""Where the request gate leaves the caller's `Subject`, so the route does not look it up again."""

CONNECTION_SCOPE_KEY = "dbauthz.connection"
"""Where the request gate leaves the request's async connection (the one it authenticated on)."""

LAST_USED_RESOLUTION = timedelta(minutes=1)
"""`last_used` is refreshed at most this often per key: one write a minute, not one a request."""

_DUMMY_HASH = hash_secret("not-a-real-secret")


class AuthenticationError(Exception):
    """401: the request carries no usable credentials; `detail` is safe to show the client."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


MISSING = "Authentication required: send `Authorization: Bearer <token>`."
INVALID = "Invalid API token."
EXPIRED = "API token expired."
INACTIVE = "User account is suspended."


def parse_bearer(header: str | None) -> Token:
    if header is None or not header.strip():
        raise AuthenticationError(MISSING)
    scheme, _, credentials = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not credentials.strip():
        raise AuthenticationError(MISSING)
    token = parse_token(credentials)
    if token is None:
        raise AuthenticationError(INVALID)
    return token


async def authenticate(
    conn: AsyncConnection[Any],
    authorizer: AuthorizerProtocol,
    header: str | None,
    now: datetime | None = None,
) -> Subject:
    """The subject of the token in `header`, or `AuthenticationError`.

    One statement (plus one a minute per key for `last_used`) on the request's connection, in
    autocommit: no BEGIN/COMMIT is sent at all, and the `last_used` write commits at once.
    """
    token = parse_bearer(header)
    now = now or datetime.now(UTC)
    q = AsyncAuthzQuerier(AsyncSqlQuerier(conn), authorizer)
    with as_system_restricted():
        try:
            row = await q.get_authorization_by_api_key(id=token.id)
        except NotFoundError:
            secret_matches(token.secret, _DUMMY_HASH)  # same work whether or not the id exists
            raise AuthenticationError(INVALID) from None
        if not secret_matches(token.secret, row.hashed_secret):
            raise AuthenticationError(INVALID)
        if row.expires_at <= now:
            raise AuthenticationError(EXPIRED)
        try:
            subject = subject_from_row(row)
        except InactiveUserError:
            raise AuthenticationError(INACTIVE) from None
        if now - row.last_used >= LAST_USED_RESOLUTION:
            await q.update_api_key_last_used(last_used=now, id=row.key_id)
    return subject


def authenticated_subject(scope: Scope) -> Subject | None:
    """The subject the request gate authenticated for this request, if it did."""
    subject = scope.get(SUBJECT_SCOPE_KEY)
    return subject if isinstance(subject, Subject) else None


def request_connection(scope: Scope) -> AsyncConnection[Any] | None:
    """The connection the request gate authenticated this request on, if it did."""
    conn = scope.get(CONNECTION_SCOPE_KEY)
    return conn if isinstance(conn, AsyncConnection) else None
