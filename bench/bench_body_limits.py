"""Peak server memory under hostile request bodies: 4 parallel 250 MiB bodies, several ways.

    uv run python bench/bench_body_limits.py [--mib 250] [--streams 4]

Starts `dbauthz serve` in its own process (a throwaway DBAUTHZ_DATA_DIR, a free loopback
port), then, from this process, streams `--streams` bodies of `--mib` MiB at once for each
scenario: without a token (declared Content-Length, then chunked), and with a token (chunked, so
only the cap while reading can stop it). Bodies are generated on the fly from one 64 KiB buffer:
the client never holds a body. The server's peak RSS is read from /proc (VmHWM, reset before each
scenario through /proc/PID/clear_refs); the growth over its resting RSS is printed per scenario
next to the target (< 50 MiB). Linux only; loopback only; each scenario is bounded in time.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

CHUNK = b"x" * (64 * 1024)
MiB = 1024 * 1024
TARGET_MIB = 50
STREAM_TIMEOUT = 120.0


@dataclass(frozen=True)
class Scenario:
    name: str
    token: bool
    chunked: bool


SCENARIOS = (
    Scenario("no token, Content-Length", token=False, chunked=False),
    Scenario("no token, chunked", token=False, chunked=True),
    Scenario("token, chunked (cut at 1 MiB)", token=True, chunked=True),
)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def memory_kib(pid: int, field: str) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    match = re.search(rf"^{field}:\s+(\d+) kB", status, re.MULTILINE)
    assert match is not None, field
    return int(match.group(1))


def reset_peak(pid: int) -> None:
    Path(f"/proc/{pid}/clear_refs").write_text("5")  # VmHWM := current RSS


def request_head(port: int, path: str, token: str | None, length: int | None) -> bytes:
    lines = [
        f"POST {path} HTTP/1.1",
        f"Host: 127.0.0.1:{port}",
        "Content-Type: application/json",
        "Transfer-Encoding: chunked" if length is None else f"Content-Length: {length}",
    ]
    if token is not None:
        lines.append(f"Authorization: Bearer {token}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def stream_body(
    port: int, path: str, token: str | None, total: int, chunked: bool
) -> tuple[int | None, int]:
    """Send one body; return the response status (None if none came) and bytes sent."""
    sent = 0
    with socket.create_connection(("127.0.0.1", port), timeout=STREAM_TIMEOUT) as sock:
        sock.sendall(request_head(port, path, token, None if chunked else total))
        try:
            while sent < total:
                piece = CHUNK[: min(len(CHUNK), total - sent)]
                if chunked:
                    sock.sendall(b"%x\r\n" % len(piece) + piece + b"\r\n")
                else:
                    sock.sendall(piece)
                sent += len(piece)
            if chunked:
                sock.sendall(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered and closed: exactly what should happen
        try:
            head = sock.recv(4096)
        except (ConnectionResetError, TimeoutError):
            head = b""
    match = re.match(rb"HTTP/1\.1 (\d{3})", head)
    return (int(match.group(1)) if match else None), sent


def run_scenario(
    scenario: Scenario, pid: int, port: int, token: str, streams: int, total: int
) -> tuple[float, Counter[int | None], int]:
    path = f"/api/v2/chats/{uuid.uuid4()}/messages"
    time.sleep(0.5)
    rest = memory_kib(pid, "VmRSS")
    reset_peak(pid)
    results: list[tuple[int | None, int]] = []
    lock = threading.Lock()

    def one() -> None:
        result = stream_body(port, path, token if scenario.token else None, total, scenario.chunked)
        with lock:
            results.append(result)

    threads = [threading.Thread(target=one) for _ in range(streams)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    peak = memory_kib(pid, "VmHWM")
    statuses = Counter(status for status, _ in results)
    return (peak - rest) / 1024, statuses, max(sent for _, sent in results)


def start_server(data_dir: str, port: int) -> subprocess.Popen[str]:
    env = os.environ | {"DBAUTHZ_DATA_DIR": data_dir}
    env.pop("DATABASE_URL", None)
    server = subprocess.Popen(  # noqa: S603 - this interpreter, fixed arguments, no shell
        [sys.executable, "-m", "server", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert server.stdout is not None
    deadline = time.monotonic() + 120
    for line in server.stdout:
        if "listening on" in line:
            break
        if time.monotonic() > deadline:
            raise RuntimeError("the server did not start")
    else:
        raise RuntimeError("the server exited before listening")
    threading.Thread(target=server.stdout.read, daemon=True).start()  # keep the pipe drained
    return server


def make_token(data_dir: str) -> str:
    env = os.environ | {"DBAUTHZ_DATA_DIR": data_dir}
    env.pop("DATABASE_URL", None)
    command = ["users", "create", "bench@example.com", "bench", "--role", "chat-access"]
    out = subprocess.run(  # noqa: S603 - this interpreter, fixed arguments, no shell
        [sys.executable, "-m", "server", *command],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.strip().splitlines()[-1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mib", type=int, default=250, help="body size per stream")
    parser.add_argument("--streams", type=int, default=4, help="bodies sent at once")
    args = parser.parse_args()
    total = args.mib * MiB

    with tempfile.TemporaryDirectory(prefix="dbauthz-bench-") as data_dir:
        port = free_port()
        server = start_server(data_dir, port)
        try:
            token = make_token(data_dir)
            rest = memory_kib(server.pid, "VmRSS") / 1024
            print(f"server pid {server.pid}, resting RSS {rest:.0f} MiB")
            print(f"{args.streams} parallel bodies of {args.mib} MiB each, target growth < 50 MiB")
            print(f"{'scenario':<32} {'peak RSS growth':>16} {'max sent':>10}  statuses")
            worst = 0.0
            for scenario in SCENARIOS:
                growth, statuses, sent = run_scenario(
                    scenario, server.pid, port, token, args.streams, total
                )
                worst = max(worst, growth)
                answered = ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items(), key=str))
                print(f"{scenario.name:<32} {growth:>12.1f} MiB {sent / MiB:>6.0f} MiB  {answered}")
            verdict = "within" if worst < TARGET_MIB else "OVER"
            print(f"worst growth {worst:.1f} MiB: {verdict} the {TARGET_MIB} MiB target")
        finally:
            server.send_signal(signal.SIGINT)  # Ctrl-C: uvicorn stops, then the database
            try:
                server.wait(timeout=60)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
    return 0 if worst < TARGET_MIB else 1


if __name__ == "__main__":
    sys.exit(main())
