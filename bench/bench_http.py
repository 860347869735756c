"""HTTP throughput of the authorized request path, beside a trivial endpoint, in one run.

    uv run python bench/bench_http.py [--duration S] [--concurrency 1,8,32] [--workers 1,2]
                                      [--serve-arg ARG]...

The server runs in its own process (`dbauthz serve --demo` on a throwaway data dir and a free
loopback port); the load comes from another process: `wrk` when it is installed (apt-get install
wrk), else this script's own asyncio keep-alive client started as a subprocess. For each
concurrency it drives, one after the other, the trivial `/healthz`, an authorized
`GET /api/v2/chats/{id}`, `GET /api/v2/chats?limit=50` and `POST /api/v2/chats`, and prints
req/s, p50, p99, errors, and each request's req/s as a ratio to the trivial one of the same run.

For each worker count (`--workers 1,2`: one server each, `serve --workers N`) it prints that
table, then the ratio of the last count's req/s to the first's at each concurrency, with the
p99 of the last. Loopback only; every load step is bounded in time. Extra `--serve-arg` values go
to `serve` (e.g. `--serve-arg=--http-stack=basic` for asyncio + h11 instead of uvloop +
httptools). The load generator shares the machine's CPUs with the server, and on a shared
machine so do other processes: compare ratios from one run, not absolute figures across runs.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TOKEN_LINE = re.compile(r"^\s+alice\s+(\S+)", re.MULTILINE)


@dataclass(frozen=True)
class Result:
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int


@dataclass(frozen=True)
class Target:
    name: str
    method: str
    path: str
    body: str | None
    authorized: bool


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(data_dir: Path, port: int, extra: list[str]) -> tuple[subprocess.Popen[str], str]:
    env = {**os.environ, "DBAUTHZ_DATA_DIR": str(data_dir)}
    env.pop("DATABASE_URL", None)
    cmd = [sys.executable, "-m", "server", "serve", "--demo", "--experiments", "agents"]
    cmd += ["--port", str(port), *extra]
    proc = subprocess.Popen(  # noqa: S603 - our own CLI, no shell
        cmd, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    assert proc.stdout is not None
    output = ""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        output += line
        if "listening on" in line:
            break
    # Keep draining the server's output (its access log): a full pipe would stall the server.
    threading.Thread(target=proc.stdout.read, daemon=True).start()
    match = TOKEN_LINE.search(output)
    if match is None or "listening on" not in output:
        proc.kill()
        raise SystemExit(f"server did not start:\n{output}")
    return proc, match.group(1)


def request(port: int, token: str, method: str, path: str, body: str | None = None) -> object:
    req = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        method=method,
        data=body.encode() if body is not None else None,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=10) as resp:  # noqa: S310
        return json.loads(resp.read())


WRK_SCRIPT = """
wrk.method = os.getenv("BENCH_METHOD")
wrk.body = os.getenv("BENCH_BODY")
wrk.headers["Content-Type"] = "application/json"
local token = os.getenv("BENCH_TOKEN")
if token ~= "" then wrk.headers["Authorization"] = "Bearer " .. token end
done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.status + summary.errors.timeout
  io.write(string.format("RESULT %f %f %f %d\\n", summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, errors))
end
"""


Driver = Callable[[int, str, "Target", int, float], "Result"]


def run_wrk(port: int, token: str, target: Target, conc: int, duration: float) -> Result:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(WRK_SCRIPT)
        script = handle.name
    env = {
        **os.environ,
        "BENCH_METHOD": target.method,
        "BENCH_BODY": target.body or "",
        "BENCH_TOKEN": token if target.authorized else "",
    }
    try:
        out = subprocess.run(  # noqa: S603
            [
                shutil.which("wrk") or "wrk",
                "-t1",
                f"-c{conc}",
                f"-d{max(1, round(duration))}s",
                "--timeout",
                "10s",
                "-s",
                script,
                f"http://127.0.0.1:{port}{target.path}",
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=duration + 30,
            check=True,
        ).stdout
    finally:
        os.unlink(script)
    line = next((ln for ln in out.splitlines() if ln.startswith("RESULT ")), None)
    if line is None:
        raise SystemExit(f"wrk printed no result:\n{out}")
    rps, p50, p99, errors = line.split()[1:]
    return Result(float(rps), float(p50), float(p99), int(errors))


async def _client(port: int, head: bytes, conc: int, duration: float) -> Result:
    """Keep-alive HTTP/1.1 connections, one request in flight each, for `duration` seconds."""
    latencies: list[float] = []
    errors = 0
    stop_at = time.monotonic() + duration

    async def one_connection() -> None:
        nonlocal errors
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while time.monotonic() < stop_at:
                started = time.perf_counter()
                writer.write(head)
                status_line = await reader.readline()
                length = 0
                while (line := await reader.readline()) not in (b"\r\n", b""):
                    name, _, value = line.decode("latin-1").partition(":")
                    if name.lower() == "content-length":
                        length = int(value)
                await reader.readexactly(length)
                latencies.append((time.perf_counter() - started) * 1000)
                if not status_line.split()[1].startswith((b"2", b"3")):
                    errors += 1
        finally:
            writer.close()

    began = time.monotonic()
    await asyncio.gather(*(one_connection() for _ in range(conc)))
    elapsed = time.monotonic() - began
    latencies.sort()
    return Result(
        len(latencies) / elapsed,
        statistics.median(latencies),
        latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))],
        errors,
    )


def run_python_client(port: int, token: str, target: Target, conc: int, duration: float) -> Result:
    out = subprocess.run(  # noqa: S603 - this script, in another process
        [
            sys.executable,
            __file__,
            "--client",
            json.dumps(
                {
                    "port": port,
                    "token": token if target.authorized else "",
                    "method": target.method,
                    "path": target.path,
                    "body": target.body,
                    "conc": conc,
                    "duration": duration,
                }
            ),
        ],
        capture_output=True,
        text=True,
        timeout=duration + 60,
        check=True,
    ).stdout
    return Result(**json.loads(out))


def client_main(spec: dict[str, object]) -> None:
    body = str(spec["body"] or "").encode()
    headers = [
        f"{spec['method']} {spec['path']} HTTP/1.1",
        "Host: 127.0.0.1",
        "Content-Type: application/json",
        f"Content-Length: {len(body)}",
    ]
    if spec["token"]:
        headers.append(f"Authorization: Bearer {spec['token']}")
    head = ("\r\n".join(headers) + "\r\n\r\n").encode() + body
    result = asyncio.run(
        _client(int(str(spec["port"])), head, int(str(spec["conc"])), float(str(spec["duration"])))
    )
    print(json.dumps(result.__dict__))


def measure(
    driver: Driver, workers: int, args: argparse.Namespace, levels: list[int]
) -> dict[tuple[str, int], Result]:
    """One server with `workers` workers; every target at every concurrency, printed."""
    results: dict[tuple[str, int], Result] = {}
    with tempfile.TemporaryDirectory(prefix="bench-http-") as tmp:
        port = free_port()
        proc, token = start_server(Path(tmp), port, [f"--workers={workers}", *args.serve_arg])
        try:
            wait_ready(port, token)
            chat = request(port, token, "POST", "/api/v2/chats", '{"title": "bench"}')
            assert isinstance(chat, dict)
            targets = [
                Target("trivial /healthz", "GET", "/healthz", None, authorized=False),
                Target("GET chat", "GET", f"/api/v2/chats/{chat['id']}", None, authorized=True),
                Target("list chats", "GET", "/api/v2/chats?limit=50", None, authorized=True),
                Target("POST chat", "POST", "/api/v2/chats", '{"title": "b"}', authorized=True),
            ]
            print(f"\n{workers} worker(s); load from {driver.__name__}; args {args.serve_arg}")
            print(
                f"{'request':<18}{'c':>4}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'err':>6}"
                f"{'x trivial':>11}"
            )
            for target in targets:  # warm every worker: connections, caches, first imports
                driver(port, token, target, max(levels), 1.0)
            for conc in levels:
                trivial: float | None = None
                for target in targets:
                    res = driver(port, token, target, conc, args.duration)
                    results[target.name, conc] = res
                    trivial = trivial or res.rps
                    print(
                        f"{target.name:<18}{conc:>4}{res.rps:>10.0f}{res.p50_ms:>9.2f}"
                        f"{res.p99_ms:>9.2f}{res.errors:>6}{res.rps / trivial:>11.2f}",
                        flush=True,
                    )
        finally:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
    return results


def wait_ready(port: int, token: str) -> None:
    """Workers import the app after the socket listens: wait until one answers."""
    deadline = time.monotonic() + 60
    while True:
        try:
            request(port, token, "GET", "/api/v2/chats?limit=1")
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=3.0, help="seconds per load step")
    parser.add_argument("--concurrency", default="1,8,32")
    parser.add_argument("--workers", default="1,2", help="worker counts, one server each")
    parser.add_argument("--serve-arg", action="append", default=[])
    parser.add_argument("--client", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.client:
        client_main(json.loads(args.client))
        return
    levels = [int(c) for c in args.concurrency.split(",")]
    counts = [int(w) for w in args.workers.split(",")]
    driver: Driver = run_wrk if shutil.which("wrk") else run_python_client
    runs = {workers: measure(driver, workers, args, levels) for workers in counts}
    if len(counts) > 1:
        base, top = counts[0], counts[-1]
        print(f"\n{top} workers / {base}: req/s ratio (p99 ms with {top})")
        names = list(dict.fromkeys(name for name, _ in runs[base]))
        print(f"{'request':<18}" + "".join(f"{'c=' + str(c):>16}" for c in levels))
        for name in names:
            cells = "".join(
                f"{runs[top][name, c].rps / runs[base][name, c].rps:>8.2f}"
                f"{'(' + format(runs[top][name, c].p99_ms, '.1f') + ')':>8}"
                for c in levels
            )
            print(f"{name:<18}{cells}")


if __name__ == "__main__":
    main()
