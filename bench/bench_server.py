"""Load the HTTP API on loopback: 1,000 mixed requests from 20 concurrent clients.

    uv run python bench/bench_server.py [--requests N] [--clients N] [--time-limit S]

Starts a throwaway embedded PostgreSQL, migrates it, seeds a few chat-access users with tokens
(each also holds a `chat:read` token: the `scoped_*` requests use it, and the `chat:read` token's
chat creation must be refused with 403 — counted as expected refusals, any other answer is an
error; each shares some of its chats read-only with the next user, who lists them with
`shared=only`, reads them, and must be refused (403) when it posts to one), serves the app with uvicorn on 127.0.0.1 (a free port, in a background thread), and drives it
with client threads until the request count or the time limit is reached. Prints p50 / p99
latency and the error count, then checks that every chat the run created is readable by its
owner (nothing lost). Exits 1 on any error. Loopback only; bounded in count and time.
"""

from __future__ import annotations

import argparse
import itertools
import random
import socket
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import httpx2
import uvicorn
from sqlalchemy.engine import Engine, make_url

from authz import Authorizer
from querier.db import create_engine, ensure_database
from querier.dbauthz import AuthzQuerier, as_system_restricted
from querier.embedded import EmbeddedPostgres
from querier.generated.models import UserStatus
from querier.generated.sql import SqlQuerier
from querier.migrate import upgrade
from server.app import create_app
from server.settings import Settings
from server.tokens import mint_token

USERS = 5
OPERATIONS: tuple[tuple[str, int], ...] = (
    ("create_chat", 20),
    ("list_chats", 20),
    ("get_chat", 15),
    ("post_message", 20),
    ("list_messages", 10),
    ("cost_summary", 10),
    ("default_model", 5),
    ("scoped_list", 5),
    ("scoped_get", 5),
    ("scoped_create", 3),
    ("share_chat", 4),
    ("shared_list", 5),
    ("shared_get", 5),
    ("shared_post", 2),
)
EXPECTED_REFUSAL: dict[str, int] = {"scoped_create": 403, "shared_post": 403}
"""Requests the policy must refuse (a scope; a read-only share): this status is expected, not an
error."""


@dataclass
class Stats:
    lock: threading.Lock = field(default_factory=threading.Lock)
    latencies: list[float] = field(default_factory=list)
    per_operation: Counter[str] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    refused: Counter[str] = field(default_factory=Counter)
    created: list[tuple[str, str, str]] = field(default_factory=list)  # chat id, title, token

    def record(self, operation: str, seconds: float, error: str | None) -> None:
        with self.lock:
            self.latencies.append(seconds)
            self.per_operation[operation] += 1
            if error is not None:
                self.errors.append(f"{operation}: {error}")


def seed(engine: Engine) -> list[tuple[str, str, str]]:
    """A default model config and `USERS` chat-access users; each an unscoped token, a
    `chat:read` one, and its id (what the previous user shares chats with)."""
    with engine.begin() as conn, as_system_restricted():
        q = AuthzQuerier(SqlQuerier(conn), Authorizer())
        q.insert_chat_model_config(
            id=uuid.uuid4(),
            provider="acme",
            model="bench",
            display_name="Bench",
            enabled=True,
            is_default=True,
            context_limit=8192,
        )
        tokens = []
        for n in range(USERS):
            user = q.insert_user(
                id=uuid.uuid4(),
                email=f"bench{n}@example.com",
                username=f"bench{n}",
                rbac_roles=("chat-access",),
                status=UserStatus.ACTIVE,
            )
            tokens.append(
                (
                    str(mint_token(q, user.id, timedelta(hours=1))[0]),
                    str(mint_token(q, user.id, timedelta(hours=1), ("chat:read",))[0]),
                    str(user.id),
                )
            )
    return tokens


def serve_in_background(engine: Engine) -> tuple[uvicorn.Server, threading.Thread, str]:
    # IPPROTO_TCP explicitly, or asyncio leaves Nagle on and each response waits ~40 ms.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    sock.listen(1024)
    port = sock.getsockname()[1]
    config = uvicorn.Config(create_app(engine, Settings()), log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.01)
    return server, thread, f"http://127.0.0.1:{port}"


class Client:
    """One simulated user session: its own connection, token and chats."""

    def __init__(self, base_url: str, tokens: tuple[str, str], share_with: str, seed: int) -> None:
        token, scoped = tokens
        self.share_with = share_with
        self.shared: list[str] = []
        """Chats others shared with this user, as its last `shared=only` page listed them."""
        self.http = httpx2.Client(
            base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=30
        )
        self.scoped = {"Authorization": f"Bearer {scoped}"}
        self.token = token
        self.random = random.Random(seed)
        self.chats: list[str] = []

    def pick(self) -> str:
        names, weights = zip(*OPERATIONS, strict=True)
        name: str = self.random.choices(names, weights)[0]
        if not self.chats and name in {
            "get_chat",
            "post_message",
            "list_messages",
            "scoped_get",
            "share_chat",
        }:
            return "create_chat"
        if not self.shared and name in {"shared_get", "shared_post"}:
            return "shared_list"
        return name

    def run(self, name: str, stats: Stats) -> None:
        request: Callable[[], httpx2.Response] = getattr(self, name)
        started = time.perf_counter()
        error: str | None = None
        try:
            response = request()
            if response.status_code == EXPECTED_REFUSAL.get(name):
                with stats.lock:
                    stats.refused[name] += 1
            elif name in EXPECTED_REFUSAL or response.status_code >= 300:
                error = f"{response.status_code} {response.text[:200]}"
            elif name == "create_chat":
                chat = response.json()
                self.chats.append(chat["id"])
                with stats.lock:
                    stats.created.append((chat["id"], chat["title"], self.token))
            elif name == "shared_list":
                self.shared = [chat["id"] for chat in response.json()]
        except httpx2.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"
        stats.record(name, time.perf_counter() - started, error)

    def create_chat(self) -> httpx2.Response:
        return self.http.post("/api/v2/chats", json={"title": f"bench {uuid.uuid4().hex[:8]}"})

    def list_chats(self) -> httpx2.Response:
        return self.http.get("/api/v2/chats", params={"limit": 25})

    def get_chat(self) -> httpx2.Response:
        return self.http.get(f"/api/v2/chats/{self.random.choice(self.chats)}")

    def post_message(self) -> httpx2.Response:
        return self.http.post(
            f"/api/v2/chats/{self.random.choice(self.chats)}/messages",
            # Clients cannot record token counts or cost (422): only the system does.
            json={"role": "user", "content": {"text": "ok"}},
        )

    def list_messages(self) -> httpx2.Response:
        return self.http.get(f"/api/v2/chats/{self.random.choice(self.chats)}/messages")

    def cost_summary(self) -> httpx2.Response:
        return self.http.get("/api/v2/chats/cost/me/summary")

    def default_model(self) -> httpx2.Response:
        return self.http.get("/api/v2/chats/model-configs/default")

    def scoped_list(self) -> httpx2.Response:
        return self.http.get("/api/v2/chats", params={"limit": 25}, headers=self.scoped)

    def scoped_get(self) -> httpx2.Response:
        return self.http.get(f"/api/v2/chats/{self.random.choice(self.chats)}", headers=self.scoped)

    def scoped_create(self) -> httpx2.Response:
        return self.http.post("/api/v2/chats", json={"title": "refused"}, headers=self.scoped)

    def share_chat(self) -> httpx2.Response:
        return self.http.patch(
            f"/api/v2/chats/{self.random.choice(self.chats)}/acl",
            json={"user_roles": {self.share_with: "read"}},
        )

    def shared_list(self) -> httpx2.Response:
        return self.http.get("/api/v2/chats", params={"limit": 25, "shared": "only"})

    def shared_get(self) -> httpx2.Response:
        return self.http.get(f"/api/v2/chats/{self.random.choice(self.shared)}")

    def shared_post(self) -> httpx2.Response:
        return self.http.post(
            f"/api/v2/chats/{self.random.choice(self.shared)}/messages",
            json={"role": "user", "content": {"text": "refused"}},
        )


def drive(
    base_url: str, tokens: list[tuple[str, str, str]], total: int, clients: int, limit_s: float
) -> Stats:
    stats = Stats()
    counter = itertools.count()
    deadline = time.monotonic() + limit_s

    def worker(n: int) -> None:
        token, scoped, _ = tokens[n % len(tokens)]
        share_with = tokens[(n + 1) % len(tokens)][2]
        client = Client(base_url, (token, scoped), share_with, seed=n)
        try:
            while next(counter) < total and time.monotonic() < deadline:
                client.run(client.pick(), stats)
        finally:
            client.http.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return stats


def verify(base_url: str, created: list[tuple[str, str, str]]) -> list[str]:
    """Every chat the run created is still there, readable by its owner, with its title."""
    missing = []
    with httpx2.Client(base_url=base_url, timeout=30) as http:
        for chat_id, title, token in created:
            response = http.get(
                f"/api/v2/chats/{chat_id}", headers={"Authorization": f"Bearer {token}"}
            )
            if response.status_code != 200 or response.json()["title"] != title:
                missing.append(f"{chat_id}: {response.status_code}")
    return missing


def percentile(sorted_values: list[float], p: float) -> float:
    index = min(len(sorted_values) - 1, max(0, round(p / 100 * len(sorted_values)) - 1))
    return sorted_values[index]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--time-limit", type=float, default=120.0, help="seconds")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="dbauthz-bench-") as tmp:
        embedded = EmbeddedPostgres(Path(tmp))
        print("starting a throwaway embedded PostgreSQL…", file=sys.stderr)
        url = make_url(embedded.start().sqlalchemy_url("bench"))
        engine: Engine | None = None
        server: uvicorn.Server | None = None
        thread: threading.Thread | None = None
        try:
            ensure_database(url)
            engine = create_engine(url)
            upgrade(engine, "head")
            tokens = seed(engine)
            server, thread, base_url = serve_in_background(engine)
            print(
                f"{args.requests} requests, {args.clients} clients, {USERS} users -> {base_url}",
                file=sys.stderr,
            )
            started = time.perf_counter()
            stats = drive(base_url, tokens, args.requests, args.clients, args.time_limit)
            wall = time.perf_counter() - started
            missing = verify(base_url, stats.created)
        finally:
            if server is not None and thread is not None:
                server.should_exit = True
                thread.join(timeout=30)
            if engine is not None:
                engine.dispose()
            embedded.stop()

    latencies = sorted(stats.latencies)
    done = len(latencies)
    print(f"requests:   {done} in {wall:.2f}s ({done / wall:.0f} req/s)")
    print(
        f"latency:    p50 {percentile(latencies, 50) * 1000:.1f} ms   "
        f"p99 {percentile(latencies, 99) * 1000:.1f} ms   "
        f"max {latencies[-1] * 1000:.1f} ms   mean {statistics.fmean(latencies) * 1000:.1f} ms"
    )
    print("mix:        " + ", ".join(f"{k} {v}" for k, v in sorted(stats.per_operation.items())))
    print(f"errors:     {len(stats.errors)}")
    refused = ", ".join(f"{k} {v}" for k, v in sorted(stats.refused.items())) or "none"
    print(
        f"refused:    {refused} (expected: the chat:read token may not create chats, "
        "a shared reader may not post)"
    )
    for error in stats.errors[:10]:
        print(f"  {error}")
    print(
        f"chats:      {len(stats.created)} created, {len(stats.created) - len(missing)} readable by their owner"
    )
    for chat in missing[:10]:
        print(f"  missing {chat}")
    complete = done == args.requests
    if not complete:
        print(f"stopped by the time limit after {done} of {args.requests} requests")
    return 0 if not stats.errors and not missing and complete else 1


if __name__ == "__main__":
    sys.exit(main())
