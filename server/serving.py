"""Running the HTTP server: one process, or a supervisor with N worker processes.

The HTTP stack is uvicorn on uvloop with the httptools parser (`bench/bench_http.py` measured it
against asyncio + h11; see the README's Performance section). With `workers > 1` uvicorn's own
supervisor forks nothing itself: it spawns fresh interpreters that each import
`server.serving:worker_app`, all accepting on the one listening socket the supervisor bound.

The database stays the supervisor's: it started (or attached to) the embedded PostgreSQL,
migrated and seeded it, and it stops it after the last worker has exited. Workers get only its
URL (in `DBAUTHZ_WORKER`, never on a command line) and make their own engine and pool, as any
client of an external database does — so several workers share one embedded server safely, and
nothing in a worker owns it. SIGTERM and Ctrl-C reach the supervisor, which stops the workers
(each finishes its requests in flight), returns, and then stops the database.
"""

from __future__ import annotations

import json
import os
import socket
from contextlib import suppress
from dataclasses import dataclass
from typing import Literal

import uvicorn
from fastapi import FastAPI
from sqlalchemy.engine import Engine
from uvicorn import Config
from uvicorn.supervisors import Multiprocess

from authz import Authorizer, AuthorizerProtocol
from querier.db import create_engine
from server.settings import Settings

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
        lifespan="off",
    )


def run_server(
    listener: socket.socket,
    engine: Engine,
    settings: Settings,
    authorizer: AuthorizerProtocol,
    options: ServeOptions,
) -> None:
    """Serve on `listener` until SIGTERM or Ctrl-C; returns once every worker has stopped."""
    from server.app import create_app

    if options.workers <= 1:
        config = _config(create_app(engine, settings, authorizer=authorizer), options)
        # uvicorn handles Ctrl-C and SIGTERM (graceful shutdown), then raises the signal again
        # once it has stopped; `cli.main` turns both into KeyboardInterrupt.
        with suppress(KeyboardInterrupt):
            uvicorn.Server(config).run(sockets=[listener])
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
        Multiprocess(config, sockets=[listener]).run()


def worker_app() -> FastAPI:
    """The application in a worker process: its own engine on the supervisor's database."""
    from server.app import create_app

    spec = json.loads(os.environ[WORKER_ENV])
    settings = Settings(experiments=frozenset(spec["experiments"]), dev=bool(spec["dev"]))
    return create_app(create_engine(spec["url"]), settings, authorizer=Authorizer())
