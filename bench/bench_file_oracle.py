"""Hidden vs missing file reads: does a denied read cost more than a read of nothing?

    uv run python bench/bench_file_oracle.py [--mib 10] [--rounds 30]

Starts a throwaway embedded PostgreSQL, stores one `--mib` MiB file owned by one chat user, and
has another chat user (who may not read it) ask for it and for random ids, interleaved, timing
each call. Side by side in one run: the old order (fetch the row with its bytes, then check)
and today's `AuthzQuerier.get_chat_file` (check the metadata, load the bytes only if allowed),
both on the querier, and today's HTTP `GET /api/v2/chats/files/{id}` in-process. Prints medians
and the hidden / missing ratio of each: near 1.0 means the timing does not tell them apart.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine, make_url

from authz import Action, Authorizer, NotAuthorizedError
from querier.db import create_engine, ensure_database
from querier.dbauthz import AuthzQuerier, as_actor, as_system_restricted, load_subject
from querier.embedded import EmbeddedPostgres
from querier.errors import NotFoundError
from querier.generated.models import UserStatus
from querier.generated.sql import SqlQuerier
from querier.migrate import upgrade
from server.app import create_app
from server.settings import Settings
from server.tokens import mint_token

MiB = 1024 * 1024


def seed(engine: Engine, size: int) -> tuple[uuid.UUID, uuid.UUID, str]:
    """The owner's file id, the prober's user id and the prober's token."""
    with engine.begin() as conn, as_system_restricted():
        q = AuthzQuerier(SqlQuerier(conn), Authorizer())
        owner, prober = (
            q.insert_user(
                id=uuid.uuid4(),
                email=f"{name}@example.com",
                username=name,
                rbac_roles=("chat-access",),
                status=UserStatus.ACTIVE,
            )
            for name in ("owner", "prober")
        )
        row = q.inner.insert_chat_file(
            id=uuid.uuid4(),
            owner_id=owner.id,
            name="big.bin",
            mimetype="application/octet-stream",
            data=os.urandom(size),  # incompressible: TOAST stores it at full size
        )
        token = str(mint_token(q, prober.id, timedelta(hours=1))[0])
    return row.id, prober.id, token


def timed(call: Callable[[], object], expected: type[Exception]) -> float:
    """Seconds `call` took to fail the way it must (any other outcome stops the benchmark)."""
    started = time.perf_counter()
    try:
        call()
    except expected:
        return time.perf_counter() - started
    except Exception as exc:
        raise RuntimeError(f"expected {expected.__name__}, got {exc!r}") from exc
    raise RuntimeError(f"expected {expected.__name__}, the call succeeded")


def compare(
    name: str,
    rounds: int,
    hidden: Callable[[], object],
    missing: Callable[[], object],
    hidden_error: type[Exception] = NotAuthorizedError,
) -> None:
    hidden_s, missing_s = [], []
    for _ in range(rounds):
        hidden_s.append(timed(hidden, hidden_error))
        missing_s.append(timed(missing, NotFoundError))
    h, m = statistics.median(hidden_s) * 1000, statistics.median(missing_s) * 1000
    print(f"{name:<40} hidden {h:8.2f} ms   missing {m:8.2f} ms   ratio {h / m:6.2f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mib", type=int, default=10, help="size of the hidden file")
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="dbauthz-bench-") as tmp:
        embedded = EmbeddedPostgres(Path(tmp))
        print("starting a throwaway embedded PostgreSQL…", file=sys.stderr)
        url = make_url(embedded.start().sqlalchemy_url("bench"))
        try:
            ensure_database(url)
            engine = create_engine(url)
            upgrade(engine, "head")
            file_id, prober_id, token = seed(engine, args.mib * MiB)
            authorizer = Authorizer()
            print(f"a {args.mib} MiB file the prober may not read; {args.rounds} rounds each")
            with engine.connect() as conn:
                q = AuthzQuerier(SqlQuerier(conn), authorizer)
                with as_system_restricted():
                    subject = load_subject(q, prober_id)
                conn.rollback()
                raw = SqlQuerier(conn)

                def old_order(id: uuid.UUID) -> object:
                    row = raw.get_chat_file(id=id)  # the bytes first
                    authorizer.authorize(subject, Action.READ, row.rbac_object())
                    return row

                with as_actor(subject):
                    compare(
                        "before: fetch with bytes, then check",
                        args.rounds,
                        lambda: old_order(file_id),
                        lambda: old_order(uuid.uuid4()),
                    )
                    compare(
                        "now: AuthzQuerier.get_chat_file",
                        args.rounds,
                        lambda: q.get_chat_file(id=file_id),
                        lambda: q.get_chat_file(id=uuid.uuid4()),
                    )
                conn.rollback()
            headers = {"Authorization": f"Bearer {token}"}
            with TestClient(create_app(engine, Settings())) as client:

                def get(id: uuid.UUID) -> None:
                    response = client.get(f"/api/v2/chats/files/{id}", headers=headers)
                    if response.status_code == 404:
                        raise NotFoundError("GET file")

                compare(
                    "now: GET /api/v2/chats/files/{id} (404)",
                    args.rounds,
                    lambda: get(file_id),
                    lambda: get(uuid.uuid4()),
                    hidden_error=NotFoundError,
                )
            engine.dispose()
        finally:
            embedded.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
