"""The method-suite cases of the groups and group membership queries (#13)."""

from __future__ import annotations

from authz.testing import MethodCase

CASES: list[MethodCase] = []
