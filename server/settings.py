"""What the server is configured with; one frozen value passed to `create_app`."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta

AGENTS_EXPERIMENT = "agents"
KNOWN_EXPERIMENTS = frozenset({AGENTS_EXPERIMENT})
DEFAULT_MAX_FILE_BYTES = 10 * 1024 * 1024
DEFAULT_TOKEN_LIFETIME = timedelta(days=30)


class UnknownExperimentError(ValueError):
    """An experiment name the server does not know; `str()` lists the known ones."""


@dataclass(frozen=True, slots=True)
class Settings:
    """Server settings.

    `dev` turns on everything still behind an experiment (as a development build does), so the
    experiment-gated paths must be tested with it both on and off.
    """

    experiments: frozenset[str] = field(default_factory=frozenset)
    dev: bool = False
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES
    token_lifetime: timedelta = DEFAULT_TOKEN_LIFETIME

    def experiment_enabled(self, name: str) -> bool:
        return self.dev or name in self.experiments


def parse_experiments(raw: str | Iterable[str]) -> frozenset[str]:
    """`"agents, other"` or a list of names -> a set of known experiment names."""
    items = raw.split(",") if isinstance(raw, str) else raw
    names = frozenset(name.strip().lower() for name in items if name.strip())
    unknown = sorted(names - KNOWN_EXPERIMENTS)
    if unknown:
        known = ", ".join(sorted(KNOWN_EXPERIMENTS))
        raise UnknownExperimentError(f"unknown experiment {unknown[0]!r} (known: {known})")
    return names
