"""Property-based: requests generated from the app's own OpenAPI schema never get a 5xx.

Several actors send every generated request (owner, chat-access user, member without chat
access, org admin, and nobody), so both the allowed and the denied paths run; the answers must
be 2xx/4xx, never a 500. Bounded: a handful of examples per operation, derandomized.

Schemathesis's pytest integration (`schema.parametrize`, lazy fixtures) does not run on pytest 9,
so each operation's Hypothesis strategy is driven directly.
"""

from __future__ import annotations

from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.core.result import Ok

from tests.server.conftest import World

ACTORS = ("owner", "chatter", "member", "org_admin", None)
EXAMPLES_PER_OPERATION = 12


def test_no_server_errors(world: World) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", world.app)
    operations = []
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result
        operations.append(result.ok())
    assert len(operations) >= 20
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def no_5xx(case: schemathesis.Case[Any]) -> None:
            for actor in ACTORS:
                headers = world.headers(actor) if actor else {}
                response = case.call(headers=headers)
                assert response.status_code < 500, (
                    f"{case.method} {case.formatted_path} as {actor}: "
                    f"{response.status_code} {response.text}"
                )

        no_5xx()
