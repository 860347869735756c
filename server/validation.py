"""Rules for names people type: one definition for the API and the CLI.

Each `check_*` returns the value unchanged or raises `ValueError` with the message both faces
show (the API inside its 422, the CLI as its one `error:` line), so a name the API refuses is
never accepted by the CLI, and the reason reads the same.
"""

from __future__ import annotations

import re

EMAIL_MAX = 254
USERNAME_MAX = 32
ORG_NAME_MAX = 64

_EMAIL = re.compile(r"[^@\s]+@[^@\s.]+(\.[^@\s.]+)+")
_USERNAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
_ORG_NAME = re.compile(r"[a-z0-9][a-z0-9-]*")

EMAIL_RULE = "must look like name@example.com (no spaces or control characters)"
USERNAME_RULE = (
    f"must be 1-{USERNAME_MAX} letters, digits, '_', '.' or '-', starting with a letter or digit"
)
GROUP_NAME_MAX = 64
GROUP_NAME_RULE = (
    f"must be 1-{GROUP_NAME_MAX} lowercase letters, digits or '-', starting with a letter or digit"
)
ORG_NAME_RULE = (
    f"must be 1-{ORG_NAME_MAX} lowercase letters, digits or '-', starting with a letter or digit"
)


def _has_control(value: str) -> bool:
    """C0/C1 control characters and lone surrogates (what a shell can smuggle into argv)."""
    return any(
        ord(ch) < 0x20 or 0x7F <= ord(ch) < 0xA0 or 0xD800 <= ord(ch) < 0xE000 for ch in value
    )


def check_email(value: str) -> str:
    if len(value) > EMAIL_MAX or _has_control(value) or not _EMAIL.fullmatch(value):
        raise ValueError(f"email {EMAIL_RULE}, at most {EMAIL_MAX} characters")
    return value


def _check_name(value: str, what: str, maximum: int, pattern: re.Pattern[str], rule: str) -> str:
    if len(value) > maximum:
        raise ValueError(f"{what} must be at most {maximum} characters")
    if not pattern.fullmatch(value):
        raise ValueError(f"{what} {rule}")
    return value


def check_username(value: str) -> str:
    return _check_name(value, "username", USERNAME_MAX, _USERNAME, USERNAME_RULE)


def check_org_name(value: str) -> str:
    return _check_name(value, "organization name", ORG_NAME_MAX, _ORG_NAME, ORG_NAME_RULE)


def check_group_name(value: str) -> str:
    """A group's name: the organization-name rule (a group is named like its organization)."""
    return _check_name(value, "group name", GROUP_NAME_MAX, _ORG_NAME, GROUP_NAME_RULE)
