"""Running the HTTP server: one process, or a supervisor with N worker processes.

The HTTP stack is uvicorn on uvloop with the httptools parser (`bench/bench_http.py` measured it
against asyncio + h11; see the README's Performance section). With `workers > 1` uvicorn's own
supervisor forks nothing itself: it spawns fresh interpreters that each import
`server.serving:worker_app`, all accepting on the one listening socket the supervisor bound.

Each worker accepts on a listening socket of its own, all bound to the one port with
`SO_REUSEPORT`, so the kernel spreads new connections evenly across the workers. (On one shared
socket, the worker that wakes first accepts a whole burst of connections — with keep-alive
clients one worker ended up serving most of them while the other idled: p99 of seconds at c=32.)
Linux lets only processes of the same user bind a port that is already bound this way.

The database stays the supervisor's: it started (or attached to) the embedded PostgreSQL,
migrated and seeded it, and it stops it after the last worker has exited. Workers get only its
URL (in `DBAUTHZ_WORKER`, never on a command line) and make their own engine and pool, as any
client of an external database does — so several workers share one embedded server safely, and
nothing in a worker owns it. SIGTERM and Ctrl-C reach the supervisor, which stops the workers
(each finishes its requests in flight), returns, and then stops the database.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass
from typing import Literal

import uvicorn
from fastapi import FastAPI
from sqlalchemy.engine import Engine
from uvicorn import Config
from uvicorn.config import STARTUP_FAILURE
from uvicorn.supervisors import Multiprocess
from uvicorn.supervisors.multiprocess import Process

from authz import Authorizer, AuthorizerProtocol
from querier.db import create_engine
from server.settings import Settings

log = logging.getLogger("uvicorn.error")

WORKER_ENV = "DBAUTHZ_WORKER"
"""JSON handed to each worker: the database URL and the settings it serves with."""

HttpStack = Literal["fast", "basic"]
"""`fast`: uvloop + httptools (the default); `basic`: asyncio + h11, for comparison only."""


@dataclass(frozen=True, slots=True)
class ServeOptions:
    workers: int = 1
    access_log: bool = False
    http_stack: HttpStack = "fast"

    @classmethod
    def parse(cls, workers: int, access_log: bool, http_stack: str) -> ServeOptions:
        if http_stack not in ("fast", "basic"):
            raise ValueError(f"--http-stack must be fast or basic, got {http_stack!r}")
        return cls(workers, access_log, "fast" if http_stack == "fast" else "basic")


def _config(app: FastAPI | str, options: ServeOptions, *, workers: int | None = None) -> Config:
    fast = options.http_stack == "fast"
    return Config(
        app,
        factory=isinstance(app, str),
        workers=workers,
        loop="uvloop" if fast else "asyncio",
        http="httptools" if fast else "h11",
        access_log=options.access_log,
        log_level="info",
        lifespan="on",  # opens and closes the worker's connection pool (`server.pool`)
    )


def listen(host: str, port: int, count: int = 1) -> list[socket.socket]:
    """`count` listening sockets on one address (`SO_REUSEPORT` when more than one), on Linux.

    Elsewhere one socket, which the workers share: BSD and macOS do not spread connections
    over `SO_REUSEPORT` sockets (the last one bound gets them all). Bound here, before the
    database starts, so a busy port or a bad host fails fast (`OSError`).
    """
    if sys.platform != "linux":
        count = 1
    family, kind, proto, _, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    sockets: list[socket.socket] = []
    try:
        for _ in range(count):
            # An explicit IPPROTO_TCP: asyncio sets TCP_NODELAY only on sockets that say so, and
            # without it every response waits ~40 ms for a delayed ACK (Nagle).
            sock = socket.socket(family, kind, proto or socket.IPPROTO_TCP)
            sockets.append(sock)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if count > 1:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            sock.bind(address)
            address = sock.getsockname()  # port 0: the others take the port the first got
            sock.listen(2048)  # connections queue from now on, before uvicorn accepts
    except OSError:
        for sock in sockets:
            sock.close()
        raise
    return sockets


@contextmanager
def closing_all(sockets: list[socket.socket]) -> Iterator[None]:
    with ExitStack() as stack:
        for sock in sockets:
            stack.enter_context(sock)
        yield


def run_server(
    listeners: list[socket.socket],
    engine: Engine,
    settings: Settings,
    authorizer: AuthorizerProtocol,
    options: ServeOptions,
) -> None:
    """Serve until SIGTERM or Ctrl-C (one socket per worker); returns once every worker stopped."""
    from server.app import create_app

    if options.workers <= 1:
        config = _config(create_app(engine, settings, authorizer=authorizer), options)
        # uvicorn handles Ctrl-C and SIGTERM (graceful shutdown), then raises the signal again
        # once it has stopped; `cli.main` turns both into KeyboardInterrupt.
        with suppress(KeyboardInterrupt):
            uvicorn.Server(config).run(sockets=listeners)
        return
    os.environ[WORKER_ENV] = json.dumps(
        {
            "url": engine.url.render_as_string(hide_password=False),
            "experiments": sorted(settings.experiments),
            "dev": settings.dev,
        }
    )
    engine.dispose()  # the supervisor serves nothing: its idle connections would only wait
    config = _config("server.serving:worker_app", options, workers=options.workers)
    # The supervisor queues SIGINT/SIGTERM itself, stops the workers and returns.
    with suppress(KeyboardInterrupt):
        _Supervisor(config, listeners).run()


class _Supervisor(Multiprocess):
    """uvicorn's supervisor, giving worker i socket i (uvicorn's gives every worker all of them).

    Only the places that start a worker differ; a worker that dies is replaced on its socket.
    Changing the number of workers at run time (SIGTTIN/SIGTTOU) is not supported.
    """

    def __init__(self, config: Config, listeners: list[socket.socket]) -> None:
        super().__init__(config, sockets=listeners)
        self.listeners = listeners

    def _socket(self, idx: int) -> list[socket.socket]:
        return [self.listeners[idx % len(self.listeners)]]  # one shared socket off Linux

    def init_processes(self) -> None:
        for idx in range(self.processes_num):
            process = Process(self.config, self._socket(idx))
            process.start()
            self.processes.append(process)

    def keep_subprocess_alive(self) -> None:
        if self.should_exit.is_set():
            return
        for idx, process in enumerate(self.processes):
            if process.is_alive(timeout=self.config.timeout_worker_healthcheck):
                continue
            process.kill()
            process.join()
            if self.should_exit.is_set():
                return
            if process.exitcode == STARTUP_FAILURE:  # would fail the same way every time
                log.error("worker %s failed to start; stopping", process.pid)
                self.should_exit.set()
                return
            log.info("worker %s died; starting another", process.pid)
            process = Process(self.config, self._socket(idx))
            process.start()
            self.processes[idx] = process

    def restart_all(self) -> None:  # SIGHUP: replace each worker on its own socket
        for idx, old in enumerate(self.processes):
            if self.should_exit.is_set():
                return
            new = Process(self.config, self._socket(idx))
            new.start()
            old.terminate()
            old.join()
            self.processes[idx] = new

    def handle_ttin(self) -> None:
        log.info("SIGTTIN ignored: the number of workers is fixed (--workers)")

    def handle_ttou(self) -> None:
        log.info("SIGTTOU ignored: the number of workers is fixed (--workers)")


def worker_app() -> FastAPI:
    """The application in a worker process: its own engine on the supervisor's database."""
    from server.app import create_app

    spec = json.loads(os.environ[WORKER_ENV])
    settings = Settings(experiments=frozenset(spec["experiments"]), dev=bool(spec["dev"]))
    return create_app(create_engine(spec["url"]), settings, authorizer=Authorizer())
