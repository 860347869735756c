"""API tokens: `<id>-<secret>`, of which only the id and a SHA-256 of the secret are stored.

The id is the lookup key (it may appear in logs); the secret never leaves the response that
created it. Verification hashes the presented secret and compares digests in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import string
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

from authz.token_scopes import DEFAULT_ALLOW_LIST, DEFAULT_SCOPES
from querier.generated.async_protocol import AsyncQuerier
from querier.generated.models import ApiKey
from querier.generated.protocol import Querier
from server.settings import MAX_TOKEN_LIFETIME, MIN_TOKEN_LIFETIME

TOKEN_ID_LENGTH = 12
_ID_ALPHABET = string.ascii_lowercase + string.digits
_ID_FORMAT = re.compile(r"[a-z0-9]{10,32}")  # the api_keys_id_format constraint
_SECRET_FORMAT = re.compile(r"[A-Za-z0-9_-]{16,128}")


@dataclass(frozen=True, slots=True)
class Token:
    """A token as the client holds it; `str(token)` is what goes in `Authorization: Bearer`."""

    id: str
    secret: str

    def __str__(self) -> str:
        return f"{self.id}-{self.secret}"

    @property
    def hashed_secret(self) -> bytes:
        return hash_secret(self.secret)


def generate_token() -> Token:
    key_id = "".join(secrets.choice(_ID_ALPHABET) for _ in range(TOKEN_ID_LENGTH))
    return Token(id=key_id, secret=secrets.token_urlsafe(32))


def hash_secret(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()


def parse_token(raw: str) -> Token | None:
    """Split `<id>-<secret>` (the id has no dash; the secret may); None when malformed."""
    key_id, sep, secret = raw.strip().partition("-")
    if not sep or not _ID_FORMAT.fullmatch(key_id) or not _SECRET_FORMAT.fullmatch(secret):
        return None
    return Token(id=key_id, secret=secret)


def secret_matches(secret: str, hashed_secret: bytes) -> bool:
    return hmac.compare_digest(hash_secret(secret), hashed_secret)


def mint_token(
    q: Querier,
    user_id: UUID,
    lifetime: timedelta,
    scopes: Sequence[str] = DEFAULT_SCOPES,
    allow_list: Sequence[str] = DEFAULT_ALLOW_LIST,
) -> tuple[Token, datetime]:
    """Store a new key for `user_id` through `q` (whose actor must be allowed to create it, and
    whose own scope the requested one may not exceed); unscoped unless `scopes`/`allow_list`."""
    token = generate_token()
    expires_at = datetime.now(UTC) + lifetime
    q.insert_api_key(
        id=token.id,
        hashed_secret=token.hashed_secret,
        user_id=user_id,
        expires_at=expires_at,
        scopes=tuple(scopes),
        allow_list=tuple(allow_list),
    )
    return token, expires_at


async def mint_token_async(
    q: AsyncQuerier,
    user_id: UUID,
    lifetime: timedelta,
    scopes: Sequence[str] = DEFAULT_SCOPES,
    allow_list: Sequence[str] = DEFAULT_ALLOW_LIST,
) -> tuple[Token, ApiKey]:
    """`mint_token` on the async face; also returns the stored key (its canonical scope)."""
    token = generate_token()
    key = await q.insert_api_key(
        id=token.id,
        hashed_secret=token.hashed_secret,
        user_id=user_id,
        expires_at=datetime.now(UTC) + lifetime,
        scopes=tuple(scopes),
        allow_list=tuple(allow_list),
    )
    return token, key


class LifetimeError(ValueError):
    """A token lifetime outside `MIN_TOKEN_LIFETIME`..`MAX_TOKEN_LIFETIME`; `str()` says so."""


def checked_lifetime(lifetime: timedelta) -> timedelta:
    """The lifetime of a token minted on request (API, `tokens create`), within the bounds."""
    if not MIN_TOKEN_LIFETIME <= lifetime <= MAX_TOKEN_LIFETIME:
        raise LifetimeError(
            f"a token lifetime must be between {int(MIN_TOKEN_LIFETIME.total_seconds())} seconds "
            f"and {MAX_TOKEN_LIFETIME.days} days"
        )
    return lifetime
