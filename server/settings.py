"""What the server is configured with; one frozen value passed to `create_app`.

Every request-size limit lives here, with its default and the environment variable that
overrides it, so an operator finds them in one place (the README lists them too).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta

AGENTS_EXPERIMENT = "agents"
KNOWN_EXPERIMENTS = frozenset({AGENTS_EXPERIMENT})
DEFAULT_MAX_JSON_BYTES = 1024 * 1024
DEFAULT_MAX_FILE_BYTES = 10 * 1024 * 1024
DEFAULT_MAX_JSON_NESTING = 64
DEFAULT_TOKEN_LIFETIME = timedelta(days=30)
MIN_TOKEN_LIFETIME = timedelta(minutes=1)
MAX_TOKEN_LIFETIME = timedelta(days=365)
"""Bounds of a token minted on request (`POST …/keys/tokens`, `dbauthz tokens create`)."""

DISABLE_CHAT_SHARING_ENV = "DBAUTHZ_DISABLE_CHAT_SHARING"
MAX_JSON_BYTES_ENV = "DBAUTHZ_MAX_JSON_BYTES"
MAX_FILE_BYTES_ENV = "DBAUTHZ_MAX_UPLOAD_BYTES"

MULTIPART_ENVELOPE_BYTES = 64 * 1024
"""What a multipart upload may carry besides the file: boundaries, part headers, form fields."""


class SettingsError(ValueError):
    """A setting the server cannot run with; `str()` is one line for the operator."""


class UnknownExperimentError(SettingsError):
    """An experiment name the server does not know; `str()` lists the known ones."""


def _bytes_from_env(name: str, default: int) -> Callable[[], int]:
    """A default read from `name` when a `Settings` is made (a positive whole number of bytes)."""

    def read() -> int:
        raw = os.environ.get(name, "").strip()
        if not raw:
            return default
        if not raw.isascii() or not raw.isdigit() or int(raw) <= 0:
            raise SettingsError(f"{name} must be a positive number of bytes, got {raw!r}")
        return int(raw)

    return read


_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"", "0", "false", "no", "off"})


def chat_sharing_from_env() -> bool:
    """False (the kill switch on) when `DBAUTHZ_DISABLE_CHAT_SHARING` is 1/true/yes/on."""
    raw = os.environ.get(DISABLE_CHAT_SHARING_ENV, "").strip().lower()
    if raw in _TRUE:
        return False
    if raw in _FALSE:
        return True
    raise SettingsError(f"{DISABLE_CHAT_SHARING_ENV} must be 1/true/yes/on or 0/false/no/off")


@dataclass(frozen=True, slots=True)
class Settings:
    """Server settings.

    `dev` turns on everything still behind an experiment (as a development build does), so the
    experiment-gated paths must be tested with it both on and off.

    Request bodies: a `multipart/form-data` body may hold `max_file_bytes` of file plus
    `MULTIPART_ENVELOPE_BYTES`; any other body at most `max_json_bytes`, nested at most
    `max_json_nesting` levels. The byte limits default from `DBAUTHZ_MAX_JSON_BYTES` and
    `DBAUTHZ_MAX_UPLOAD_BYTES` when those are set.
    """

    experiments: frozenset[str] = field(default_factory=frozenset)
    dev: bool = False
    max_file_bytes: int = field(
        default_factory=_bytes_from_env(MAX_FILE_BYTES_ENV, DEFAULT_MAX_FILE_BYTES)
    )
    max_json_bytes: int = field(
        default_factory=_bytes_from_env(MAX_JSON_BYTES_ENV, DEFAULT_MAX_JSON_BYTES)
    )
    max_json_nesting: int = DEFAULT_MAX_JSON_NESTING
    token_lifetime: timedelta = DEFAULT_TOKEN_LIFETIME
    chat_sharing: bool = field(default_factory=chat_sharing_from_env)
    """False: the chat-sharing kill switch (`serve --disable-chat-sharing`, or
    `DBAUTHZ_DISABLE_CHAT_SHARING=1`): ACL writes answer 403, stored ACLs grant nothing, chat
    lists ignore `shared=`. It reaches the data layer as `AsyncAuthzQuerier(chat_sharing=)`."""

    def experiment_enabled(self, name: str) -> bool:
        return self.dev or name in self.experiments

    @property
    def max_multipart_bytes(self) -> int:
        return self.max_file_bytes + MULTIPART_ENVELOPE_BYTES


def parse_experiments(raw: str | Iterable[str]) -> frozenset[str]:
    """`"agents, other"` or a list of names -> a set of known experiment names."""
    items = raw.split(",") if isinstance(raw, str) else raw
    names = frozenset(name.strip().lower() for name in items if name.strip())
    unknown = sorted(names - KNOWN_EXPERIMENTS)
    if unknown:
        known = ", ".join(sorted(KNOWN_EXPERIMENTS))
        raise UnknownExperimentError(f"unknown experiment {unknown[0]!r} (known: {known})")
    return names
