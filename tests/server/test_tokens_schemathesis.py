"""Schemathesis over the scoped-token endpoints (and the reads a scoped token makes), sent with
scoped tokens as well as unscoped ones: never a 5xx. (`test_schemathesis.py` covers every
operation with unscoped tokens.)"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.core.result import Ok

from server.tokens import mint_token
from tests.server.conftest import World

PATHS = {
    "/api/v2/users/{user}/keys/tokens",
    "/api/v2/auth/scopes",
    "/api/v2/users/{user}/keys",
    "/api/v2/chats",
    "/api/v2/chats/{chat_id}",
}
SCOPES = (
    (("chat:read",), ("*:*",)),
    (("api_key:create", "chat:read"), ("api_key:*", "chat:*")),
    (("chat:use",), ("chat:00000000-0000-4000-8000-000000000001",)),
)


def test_no_server_errors_with_scoped_tokens(world: World) -> None:
    user_id = world.user("chatter").id

    def minted(names: tuple[str, ...], allow: tuple[str, ...]) -> str:
        return str(world.run(lambda q: mint_token(q, user_id, timedelta(hours=1), names, allow))[0])

    tokens = [minted(names, allow) for names, allow in SCOPES]
    actors = [world.headers("owner"), world.headers("chatter")]
    actors += [{"Authorization": f"Bearer {t}"} for t in tokens]
    schema = schemathesis.openapi.from_asgi("/openapi.json", world.app)
    operations = []
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result
        if result.ok().path in PATHS:
            operations.append(result.ok())
    assert {op.path for op in operations} == PATHS
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=10,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def no_5xx(case: schemathesis.Case[Any]) -> None:
            for headers in actors:
                response = case.call(headers=headers)
                assert response.status_code < 500, (
                    f"{case.method} {case.formatted_path}: {response.status_code} {response.text}"
                )

        no_5xx()
