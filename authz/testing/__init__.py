"""The official test seam: authorizer doubles and the per-method suite kit.

* `RecordingAuthorizer` wraps any authorizer and records every `(object, action)` it is asked
  about, so a test can assert the exact, ordered list of checks a method made.
* `FakeAuthorizer` allows or denies everything, and compiles list filters to TRUE or FALSE.
* `MethodCase` / `MethodSuite` run each method of an authorizing wrapper three ways (success,
  denied, no actor) against a mocked inner querier, and account for every method of the
  Protocol — see `authz.testing.plugin` for the pytest integration.
* `assert_conforms` / `conformance_problems` name, one line each, the Protocol methods a
  wrapper class lacks or declares differently.
"""

from authz.testing.conformance import assert_conforms, conformance_problems, protocol_methods
from authz.testing.doubles import Check, FakeAuthorizer, FakePrepared, RecordingAuthorizer
from authz.testing.suite import MethodCase, MethodSuite, Mode

__all__ = [
    "Check",
    "FakeAuthorizer",
    "FakePrepared",
    "MethodCase",
    "MethodSuite",
    "Mode",
    "RecordingAuthorizer",
    "assert_conforms",
    "conformance_problems",
    "protocol_methods",
]
