"""Chat sharing through the API: the ACL routes, `?shared=`, escalations, the kill switch,
concurrent PATCHes, round trips (#13)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import httpx2
import pytest
import schemathesis
import sqlalchemy as sa
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis.core.result import Ok

from querier.dbauthz.chat_acl import SHARING_DISABLED_MESSAGE
from querier.roundtrips import count_async_round_trips
from server.errors import NOT_FOUND_DETAIL
from server.settings import Settings
from tests.server.conftest import World, error_of, error_of_text

CHATS = "/api/v2/chats"
README = Path(__file__).resolve().parents[2] / "README.md"
BASH = shutil.which("bash") or "/bin/bash"


def new_chat(world: World, actor: str = "chatter", *, in_org: bool = True) -> str:
    body: dict[str, Any] = {"title": "to share"}
    if in_org:
        body["organization_id"] = str(world.org_a.id)
    response = world.call(actor, "POST", CHATS, json=body)
    assert response.status_code == 201, response.text
    chat_id: str = response.json()["id"]
    return chat_id


def acl(chat_id: str) -> str:
    return f"{CHATS}/{chat_id}/acl"


def patch(
    world: World,
    actor: str,
    chat_id: str,
    users: dict[str, str] | None = None,
    groups: dict[str, str] | None = None,
) -> httpx2.Response:
    body = {"user_roles": users or {}, "group_roles": groups or {}}
    return world.call(actor, "PATCH", acl(chat_id), json=body)


def uid(world: World, actor: str) -> str:
    return str(world.user(actor).id)


def test_share_read_lets_the_reader_read_and_nothing_else(world: World) -> None:
    chat = new_chat(world)
    world.call("chatter", "POST", f"{CHATS}/{chat}/messages", json={"content": {"text": "hi"}})
    assert world.call("member", "GET", f"{CHATS}/{chat}").status_code == 404
    assert patch(world, "chatter", chat, {uid(world, "member"): "read"}).status_code == 204

    assert world.call("member", "GET", f"{CHATS}/{chat}").status_code == 200
    messages = world.call("member", "GET", f"{CHATS}/{chat}/messages")
    assert messages.status_code == 200
    assert len(messages.json()) == 1
    refused = {
        "post": world.call(
            "member", "POST", f"{CHATS}/{chat}/messages", json={"content": {"text": "x"}}
        ),
        "change": world.call("member", "PATCH", f"{CHATS}/{chat}", json={"title": "x"}),
        "archive": world.call("member", "PATCH", f"{CHATS}/{chat}", json={"archived": True}),
        "delete": world.call("member", "DELETE", f"{CHATS}/{chat}"),
        "reshare": patch(world, "member", chat, {uid(world, "org_admin"): "read"}),
        "unshare": world.call("member", "DELETE", acl(chat)),
        "cost": world.call("member", "GET", f"{CHATS}/cost/{uid(world, 'chatter')}/summary"),
    }
    assert {k: r.status_code for k, r in refused.items()} == dict.fromkeys(refused, 403)
    shown = world.call("member", "GET", acl(chat))
    assert shown.status_code == 200
    assert shown.json() == {
        "users": [{"id": uid(world, "member"), "username": "member", "role": "read"}],
        "groups": [],
    }


def test_unreadable_chat_is_404_for_every_acl_route_like_a_missing_one(world: World) -> None:
    chat = new_chat(world)
    missing = str(uuid.uuid4())
    for method, body in (("GET", None), ("PATCH", {"user_roles": {}}), ("DELETE", None)):
        for target in (chat, missing):
            response = world.call("other", method, acl(target), json=body)
            assert response.status_code == 404, (method, response.text)
            assert error_of(response) == error_of_text(NOT_FOUND_DETAIL)


@pytest.mark.parametrize(
    ("users", "groups", "says"),
    [
        ({"member": "update"}, {}, "only the role 'read'"),
        ({"member": "*"}, {}, "only the role 'read'"),
        ({"chatter": "read"}, {}, "yourself"),
        ({}, {"org_b": "read"}, "cannot share with group"),
    ],
)
def test_refused_changes_are_400(
    world: World, users: dict[str, str], groups: dict[str, str], says: str
) -> None:
    chat = new_chat(world)
    ids = {"org_b": str(world.org_b.id)}
    response = patch(
        world,
        "chatter",
        chat,
        {uid(world, k): v for k, v in users.items()},
        {ids[k]: v for k, v in groups.items()},
    )
    assert response.status_code == 400
    assert says in response.json()["message"]
    assert world.call("chatter", "GET", acl(chat)).json() == {"users": [], "groups": []}


def test_a_user_of_another_org_and_an_unknown_id_get_the_same_400(world: World) -> None:
    chat = new_chat(world)
    texts = set()
    for target in (uid(world, "other"), str(uuid.uuid4())):
        response = patch(world, "chatter", chat, {target: "read"})
        assert response.status_code == 400
        texts.add(response.json()["message"].replace(target, "<id>"))
    assert len(texts) == 1


def test_a_personal_chat_takes_any_user_but_no_group(world: World) -> None:
    chat = new_chat(world, in_org=False)
    assert patch(world, "chatter", chat, {uid(world, "other"): "read"}).status_code == 204
    assert world.call("other", "GET", f"{CHATS}/{chat}").status_code == 200
    everyone = str(world.org_a.id)
    assert patch(world, "chatter", chat, groups={everyone: "read"}).status_code == 400


def test_everyone_group_remove_and_clear(world: World) -> None:
    chat = new_chat(world)
    everyone = str(world.org_a.id)
    assert patch(world, "chatter", chat, groups={everyone: "read"}).status_code == 204
    assert world.call("org_admin", "GET", acl(chat)).json()["groups"] == [
        {"id": everyone, "name": "Everyone", "display_name": "Org-A", "role": "read"}
    ]
    assert world.call("member", "GET", f"{CHATS}/{chat}").status_code == 200
    assert world.call("other", "GET", f"{CHATS}/{chat}").status_code == 404
    assert patch(world, "chatter", chat, groups={everyone: ""}).status_code == 204
    assert world.call("member", "GET", f"{CHATS}/{chat}").status_code == 404
    assert patch(world, "chatter", chat, {uid(world, "member"): "read"}).status_code == 204
    assert world.call("chatter", "DELETE", acl(chat)).status_code == 204
    assert world.call("member", "GET", f"{CHATS}/{chat}").status_code == 404
    assert world.call("chatter", "GET", acl(chat)).json() == {"users": [], "groups": []}


def test_list_modes(world: World) -> None:
    chat = new_chat(world)
    assert patch(world, "chatter", chat, {uid(world, "other"): "read"}).status_code == 400
    personal = new_chat(world, in_org=False)
    assert patch(world, "chatter", personal, {uid(world, "other"): "read"}).status_code == 204

    def ids(actor: str, shared: str | None) -> set[str]:
        query = {"limit": 100} | ({"shared": shared} if shared else {})
        response = world.call(actor, "GET", CHATS, params=query)
        assert response.status_code == 200, response.text
        return {c["id"] for c in response.json()}

    own, only = ids("other", None), ids("other", "only")
    assert personal not in own
    assert personal in only
    assert ids("other", "exclude") == own
    assert not own & only
    assert ids("other", "include") == own | only
    assert personal not in ids("chatter", "only")
    assert world.call("other", "GET", CHATS, params={"shared": "all"}).status_code == 422


def test_kill_switch_through_the_api(world: World) -> None:
    chat = new_chat(world)
    assert patch(world, "chatter", chat, {uid(world, "member"): "read"}).status_code == 204
    off = world.client_for(Settings(experiments=frozenset({"agents"}), chat_sharing=False))

    def call(actor: str, method: str, url: str, **kwargs: Any) -> httpx2.Response:
        return off.request(method, url, headers=world.headers(actor), **kwargs)

    for response in (
        call("chatter", "PATCH", acl(chat), json={"user_roles": {uid(world, "org_admin"): "read"}}),
        call("chatter", "DELETE", acl(chat)),
    ):
        assert response.status_code == 403
        assert error_of(response) == error_of_text(SHARING_DISABLED_MESSAGE)
    assert call("member", "GET", f"{CHATS}/{chat}").status_code == 404  # the ACL grants nothing
    assert call("member", "GET", f"{CHATS}/{chat}/messages").status_code == 404
    assert call("member", "GET", CHATS, params={"shared": "only"}).json() == []
    assert call("chatter", "GET", acl(chat)).status_code == 200  # the owner still sees it
    # and the switch is per server: the same database, sharing on, still shares
    assert world.call("member", "GET", f"{CHATS}/{chat}").status_code == 200


def test_two_concurrent_patches_both_survive(world: World) -> None:
    """A third transaction holds the chat's row; both PATCHes then wait at their locked
    re-read, and each merges into what the other wrote. Without the lock both would read the
    empty ACL first and the second write would drop the first's entry."""
    chat = new_chat(world)
    targets = [uid(world, "member"), uid(world, "org_admin")]
    results: list[int] = []

    def send(target: str) -> None:
        with TestClient(world.app) as client:
            response = client.patch(
                acl(chat),
                headers=world.headers("chatter"),
                json={"user_roles": {target: "read"}},
            )
            results.append(response.status_code)

    with world.engine.connect() as holder, world.engine.connect() as watcher:
        holder.execute(sa.text("BEGIN"))
        holder.execute(sa.text("SELECT 1 FROM chats WHERE id = :id FOR UPDATE"), {"id": chat})
        threads = [threading.Thread(target=send, args=(t,)) for t in targets]
        for thread in threads:
            thread.start()
        waiting = 0
        for _ in range(500):  # until both wait on the row lock (no sleep-and-hope)
            waiting = watcher.execute(
                sa.text(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE wait_event_type = 'Lock' AND query LIKE '%chats%'"
                )
            ).scalar_one()
            watcher.rollback()  # a fresh snapshot of pg_stat_activity next time
            if waiting >= 2:
                break
            time.sleep(0.01)
        holder.execute(sa.text("COMMIT"))
        for thread in threads:
            thread.join()
    assert waiting >= 2
    assert results == [204, 204]
    users = world.call("chatter", "GET", acl(chat)).json()["users"]
    assert sorted(u["id"] for u in users) == sorted(targets)


def test_round_trips(world: World) -> None:
    """GET chat and the list stay 2 (auth + one statement), shared modes included; a PATCH
    adding a user is one transaction: the read, the locked read, the target check, the write."""
    chat = new_chat(world)
    world.call("chatter", "GET", CHATS)  # warm
    for path in (f"{CHATS}/{chat}", CHATS, f"{CHATS}?shared=include", f"{CHATS}?shared=only"):
        with count_async_round_trips() as trips:
            assert world.call("chatter", "GET", path).status_code == 200
        assert dict(trips.kinds) == {"statement": 2}, path
    with count_async_round_trips() as trips:
        assert patch(world, "chatter", chat, {uid(world, "member"): "read"}).status_code == 204
    # auth + read (the unreadable never lock) + locked read + target check + write
    assert trips.kinds["statement"] == 5


def test_generated_acl_requests_on_a_real_chat_never_get_a_5xx(world: World) -> None:
    """The schemathesis run over every operation meets the ACL routes with random chat ids
    (404s); here the generated requests hit a chat that exists, as its owner and others."""
    chat = new_chat(world)
    schema = schemathesis.openapi.from_asgi("/openapi.json", world.app)
    seen: set[int] = set()
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result
        operation = result.ok()
        if not operation.path.endswith("/acl"):
            continue

        @given(case=operation.as_strategy())
        @settings(
            max_examples=25,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def no_5xx(case: schemathesis.Case[Any]) -> None:
            case.path_parameters = {"chat_id": chat}
            for actor in ("chatter", "member", "other"):
                response = case.call(headers=world.headers(actor))
                seen.add(response.status_code)
                assert response.status_code < 500, f"{case.method} as {actor}: {response.text}"

        no_5xx()
    assert {200, 204, 404} <= seen


def readme_sharing_block() -> str:
    """The curl example under "Sharing chats" (run by the test below, as the README says)."""
    section = README.read_text().split("## Sharing chats", 1)[1].split("\n## ", 1)[0]
    match = re.search(r"```sh\n(.*?)```", section, re.DOTALL)
    assert match, "the README lost its sharing example"
    return match.group(1)


def test_the_readme_sharing_example(world: World) -> None:
    """bash expands the block (variables, quoting) with `curl` recording its arguments; each
    call is then sent to the app, and answered with the status its comment names (else 2xx)."""
    from tests.test_readme_blocks import commands_of

    block = readme_sharing_block()
    chat = new_chat(world)
    env = {
        "T": world.tokens["chatter"],
        "CHAT": chat,
        "BOB": uid(world, "member"),
        "ORG": str(world.org_a.id),
        "BOBS_TOKEN": world.tokens["member"],
        "PATH": os.environ["PATH"],
    }
    record = (
        f"curl() {{ '{sys.executable}' -c "
        "'import json, sys; print(json.dumps(sys.argv[1:]))' \"$@\"; }"
    )
    proc = subprocess.run(
        [BASH, "-c", f"set -e\n{record}\n{block}"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    expected = [
        int(m.group(1)) if (m := re.search(r"#\s*(\d{3})\b", c)) else None
        for c in commands_of(block)
        if c.lstrip().startswith("curl ")
    ]
    calls = [json.loads(line) for line in proc.stdout.splitlines()]
    assert len(calls) == len(expected) == 4
    answers = []
    for args, want in zip(calls, expected, strict=True):
        method, headers, body, url = "GET", {}, None, ""
        items = iter(args)
        for arg in items:
            if arg == "-X":
                method = next(items)
            elif arg == "-H":
                name, _, value = next(items).partition(": ")
                headers[name] = value
            elif arg == "-d":
                body = next(items)
            else:
                url = arg.removeprefix("localhost:8080")
        response = world.client.request(method, url, headers=headers, content=body)
        answers.append(response)
        assert response.status_code == want if want else 200 <= response.status_code < 300
    assert [u["id"] for u in answers[1].json()["users"]] == [uid(world, "member")]
    assert chat in {c["id"] for c in answers[2].json()}
