"""The actor context: isolated per thread and per asyncio task; denials logged without content."""

from __future__ import annotations

import asyncio
import logging
import threading
import uuid

import pytest
from sqlalchemy.engine import Connection

from authz import Authorizer, NoActorError, NotAuthorizedError, Subject
from querier.dbauthz import AuthzQuerier, as_actor, as_chatd, as_system_restricted, current_actor
from querier.generated.sql import SqlQuerier
from tests import factories as f


def subject() -> Subject:
    return Subject(id=uuid.uuid4(), roles=("member",))


def test_no_actor_by_default_and_restored_after_the_block() -> None:
    with pytest.raises(NoActorError):
        current_actor()
    outer, inner = subject(), subject()
    with as_actor(outer):
        with as_actor(inner):
            assert current_actor() is inner
        assert current_actor() is outer
    with pytest.raises(NoActorError):
        current_actor()


def test_system_actors() -> None:
    with as_system_restricted() as system:
        assert current_actor() is system
    with as_chatd() as chatd:
        assert current_actor() is chatd
        assert chatd.id != system.id


def test_threads_never_see_each_others_actor() -> None:
    seen: dict[int, uuid.UUID] = {}
    barrier = threading.Barrier(4)

    def work(i: int) -> None:
        me = subject()
        with as_actor(me):
            barrier.wait()  # all four actors are set at the same time
            seen[i] = current_actor().id
            assert seen[i] == me.id

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(seen.values())) == 4


def test_a_new_thread_starts_without_an_actor() -> None:
    errors: list[BaseException] = []

    def work() -> None:
        try:
            current_actor()
        except NoActorError as exc:
            errors.append(exc)

    with as_actor(subject()):
        t = threading.Thread(target=work)
        t.start()
        t.join()
    assert len(errors) == 1


def test_asyncio_tasks_keep_their_own_actor() -> None:
    async def task(me: Subject) -> uuid.UUID:
        with as_actor(me):
            await asyncio.sleep(0.01)  # interleave with the other tasks
            return current_actor().id

    async def main() -> list[uuid.UUID]:
        subjects = [subject() for _ in range(5)]
        got = await asyncio.gather(*(task(s) for s in subjects))
        assert got == [s.id for s in subjects]
        return got

    assert len(set(asyncio.run(main()))) == 5


def test_denials_are_logged_with_ids_and_without_content(
    conn: Connection, caplog: pytest.LogCaptureFixture
) -> None:
    raw = SqlQuerier(conn)
    owner = f.user(raw, "chat-access")
    chat = f.chat(raw, owner, title="TOP-SECRET-TITLE")
    intruder = subject()
    caplog.set_level(logging.DEBUG, logger="dbauthz")
    with as_actor(intruder), pytest.raises(NotAuthorizedError):
        AuthzQuerier(raw, Authorizer()).update_chat_title(id=chat.id, title="NEW-SECRET-TITLE")
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name == "dbauthz")
    assert str(intruder.id) in logged
    assert str(chat.id) in logged
    assert "update" in logged
    assert "SECRET" not in logged


def test_a_denied_read_is_logged_once(conn: Connection, caplog: pytest.LogCaptureFixture) -> None:
    raw = SqlQuerier(conn)
    chat = f.chat(raw, f.user(raw, "chat-access"), title="TOP-SECRET-TITLE")
    caplog.set_level(logging.DEBUG, logger="dbauthz")
    with as_actor(subject()), pytest.raises(NotAuthorizedError):
        AuthzQuerier(raw, Authorizer()).get_chat(id=chat.id)
    denials = [r.getMessage() for r in caplog.records if r.name == "dbauthz"]
    assert len(denials) == 1
    assert str(chat.id) in denials[0]
    assert "read" in denials[0]
    assert "SECRET" not in denials[0]
