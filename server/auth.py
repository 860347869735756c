"""Who is calling: `Authorization: Bearer <id>-<secret>` -> the user's `Subject`.

Everything here runs as the restricted system actor through the authorizing querier (a caller
has no identity yet, so it cannot be the actor). One statement answers it
(`GetAuthorizationByAPIKey`: the key, its user's status and roles), sent on a connection in
autocommit by the request gate — one round trip, no BEGIN/COMMIT around a single read.
`last_used` is a second statement only when the stored stamp is a minute old or more (at most
one write a minute per key, not one a request); it runs after the secret is verified, so a
caller who knows only a key id cannot touch it, and it commits at once even when the request
itself later fails.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.engine import Connection, Engine
from starlette.types import Scope

from authz import AuthorizerProtocol, Subject
from querier.dbauthz import AuthzQuerier, as_system_restricted
from querier.dbauthz.actors import InactiveUserError, subject_from_row
from querier.errors import NotFoundError
from querier.generated.sql import SqlQuerier
from server.tokens import Token, hash_secret, parse_token, secret_matches

SUBJECT_SCOPE_KEY = "dbauthz.subject"
"""Where the request gate leaves the caller's `Subject`, so the route does not look it up again."""

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


def authenticate(
    conn: Connection,
    authorizer: AuthorizerProtocol,
    header: str | None,
    now: datetime | None = None,
) -> Subject:
    """The subject of the token in `header`, or `AuthenticationError`.

    One statement (plus one a minute per key for `last_used`), in a transaction of its own
    unless `conn` is in autocommit — then no BEGIN/COMMIT is sent at all.
    """
    token = parse_bearer(header)
    now = now or datetime.now(UTC)
    q = AuthzQuerier(SqlQuerier(conn), authorizer)
    with conn.begin(), as_system_restricted():
        try:
            row = q.get_authorization_by_api_key(id=token.id)
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
            q.update_api_key_last_used(last_used=now, id=row.key_id)
    return subject


def authenticate_with(
    engine: Engine, authorizer: AuthorizerProtocol, header: str | None
) -> Subject:
    """`authenticate` on a connection of its own (the request gate has none yet)."""
    parse_bearer(header)  # no token at all: refused without a database round trip
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT")  # one read: no BEGIN, no COMMIT
        return authenticate(conn, authorizer, header)


def authenticated_subject(scope: Scope) -> Subject | None:
    """The subject the request gate authenticated for this request, if it did."""
    subject = scope.get(SUBJECT_SCOPE_KEY)
    return subject if isinstance(subject, Subject) else None
