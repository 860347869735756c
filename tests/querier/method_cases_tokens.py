"""The method-suite cases of the API-key scopes queries (#13): minting a scoped token.

`insert_api_key` makes one authorizer check, `create` on the target user's `api_key`; the
scope guard (`authz.token_scopes`: valid names and entries, never broader than the actor's own
scope) is pure and runs after it — its refusals, the canonical forms it stores and both faces
are asserted in `tests/querier/test_token_minting.py`.
"""

from __future__ import annotations

from authz.testing import MethodCase
from querier.generated.models import ApiKey
from tests.querier.method_data import CHAT_ID, CREATE, KEY_OBJ, NOW, OWNER

SCOPED_KEY = ApiKey(
    "abcdefghij", b"x" * 32, OWNER, NOW, NOW, NOW, ("chat:read",), (f"chat:{CHAT_ID}",)
)

CASES: list[MethodCase] = [
    MethodCase(
        "insert_api_key",
        {
            "id": "abcdefghij",
            "hashed_secret": b"x" * 32,
            "user_id": OWNER,
            "expires_at": NOW,
            "scopes": ("chat:read",),
            "allow_list": (f"chat:{CHAT_ID}",),
        },
        [(KEY_OBJ, CREATE)],
        inner={"insert_api_key": SCOPED_KEY},
        writes=True,
    ),
]
