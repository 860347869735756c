"""The method-suite cases of the API-key scopes queries (#13)."""

from __future__ import annotations

from authz.testing import MethodCase

CASES: list[MethodCase] = []
