"""Every code block in the README runs as written, on a throwaway embedded database.

`readme_blocks()` finds each fenced block. Each one is, exactly one of:

* **marked** `<!-- not-run: REASON -->` on the line before it (a synopsis, a formula);
* **run by another test**, which extracts the very same text from the README (the extractor
  functions in `ELSEWHERE` are imported, so a block they stop taking is no longer counted);
* **run here**, in README order, by `test_the_readme_walk_through`: Python blocks in a
  subprocess; shell blocks verbatim in `bash` from the repository root, with a fresh
  `DBAUTHZ_DATA_DIR` and no `DATABASE_URL`. The substitutions a reader makes are the only
  changes: a free port for 8080 (`serve` gets `--port N`, `localhost:8080` becomes
  `localhost:N`) and alice's token for `<alice's token>`. `serve --demo` stays up as the test
  server for the blocks after it; `curl` answers are checked against the status in the
  line's comment (`# 201`), 2xx otherwise; every other command must exit 0.

`test_every_readme_block_is_run_or_marked` fails on a block none of these takes — before the
slow walk-through starts.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx2
import pytest

from querier.db import DATABASE_URL_ENV
from querier.embedded import DATA_DIR_ENV

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
NOT_RUN = re.compile(r"<!--\s*not-run:\s*(.+?)\s*-->")
START_TIMEOUT_S = 180
BASH = shutil.which("bash") or "/bin/bash"


@dataclass(frozen=True)
class Block:
    line: int  # of the opening fence, 1-based
    lang: str
    code: str
    section: str
    not_run: str | None  # the reason, when marked

    def __str__(self) -> str:
        return f"README.md:{self.line} ({self.lang} block under {self.section!r})"


def readme_blocks(text: str | None = None) -> list[Block]:
    lines = (README.read_text() if text is None else text).splitlines(keepends=True)
    blocks, section, i = [], "", 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("## "):
            section = line[3:].strip()
        fence = re.match(r"^```(\w*)\s*$", line)
        if fence:
            start = i
            i += 1
            body = []
            while not lines[i].startswith("```"):
                body.append(lines[i])
                i += 1
            previous = next((lines[j] for j in range(start - 1, -1, -1) if lines[j].strip()), "")
            marker = NOT_RUN.search(previous)
            blocks.append(
                Block(start + 1, fence.group(1), "".join(body), section,
                      marker.group(1) if marker else None)
            )  # fmt: skip
        i += 1
    return blocks


def _elsewhere() -> dict[str, Callable[[], list[str]]]:
    """Tests that extract a block from the README and run it; what each takes."""
    from tests.server.test_chat_acl_api import readme_sharing_block
    from tests.server.test_least_privilege import readme_roles_sql
    from tests.test_adding_a_query import readme_steps
    from tests.test_readme_example import kit_example, python_block

    return {
        "tests/test_readme_example.py (Using the library)": lambda: [
            python_block("Using the library")
        ],
        "tests/test_readme_example.py (The async face)": lambda: [python_block("The async face")],
        "tests/test_readme_example.py (the test kit)": lambda: [kit_example()],
        "tests/test_adding_a_query.py (the four steps)": lambda: list(readme_steps()),
        "tests/server/test_least_privilege.py (the two roles)": lambda: [readme_roles_sql()],
        "tests/server/test_chat_acl_api.py (Sharing chats)": lambda: [readme_sharing_block()],
    }


ELSEWHERE = _elsewhere()

SUITE_ITSELF = "uv run pytest"
"""The one command not run here: the whole suite, which this test is part of (CI runs it)."""


def run_here(block: Block) -> bool:
    """Whether the walk-through knows how to run this block."""
    return block.lang in ("python", "sh")


def classify(blocks: list[Block]) -> dict[Block, str]:
    """Who runs each block; raises naming the blocks nobody runs."""
    taken = {code: who for who, extract in ELSEWHERE.items() for code in extract()}
    out, orphans = {}, []
    for block in blocks:
        if block.not_run is not None:
            out[block] = f"not run: {block.not_run}"
        elif block.code in taken:
            out[block] = taken[block.code]
        elif run_here(block):
            out[block] = "test_the_readme_walk_through"
        else:
            orphans.append(str(block))
    if orphans:
        raise AssertionError(
            "README blocks nothing runs — make them runnable here, extract them in a test, "
            "or mark them `<!-- not-run: why -->`: " + ", ".join(orphans)
        )
    return out


def test_every_readme_block_is_run_or_marked() -> None:
    blocks = readme_blocks()
    who = classify(blocks)
    assert len(blocks) >= 15
    for extract_name, extract in ELSEWHERE.items():  # each extractor still finds its blocks
        for code in extract():
            assert any(b.code == code for b in blocks), extract_name
    assert sum(1 for w in who.values() if w.startswith("not run")) <= 3  # few, and deliberate


def test_an_unmarked_block_nobody_runs_fails() -> None:
    text = "## X\n\n```toml\na = 1\n```\n\n<!-- not-run: an example -->\n```toml\nb = 2\n```\n"
    blocks = readme_blocks(text)
    with pytest.raises(AssertionError, match=r"README.md:3 \(toml block under 'X'\)"):
        classify(blocks)
    assert classify(blocks[1:]) == {blocks[1]: "not run: an example"}


# --- the walk-through ----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    proc: subprocess.Popen[str]
    port: int
    output: list[str]

    def stop(self) -> int:
        self.proc.send_signal(signal.SIGINT)  # Ctrl-C, as the README says
        try:
            rest, _ = self.proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rest, _ = self.proc.communicate()
        self.output.append(rest)
        return self.proc.returncode


class Walk:
    """The state a reader carries from block to block: the data dir, the server, a token."""

    def __init__(self, tmp: Path) -> None:
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "COV_"))}
        self.env.pop(DATABASE_URL_ENV, None)
        self.env[DATA_DIR_ENV] = str(tmp / "data")
        self.tmp = tmp
        self.servers: list[Server] = []
        self.token: str | None = None
        self.port: int | None = None
        self.log: list[str] = []

    # -- commands

    def start(self, command: str) -> Server:
        port = free_port()
        proc = subprocess.Popen(
            [BASH, "-c", f"exec {command} --port {port}"], cwd=ROOT, env=self.env,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        output: list[str] = []
        assert proc.stdout is not None
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            output.append(line)
            if line.startswith("listening on "):
                server = Server(proc, port, output)
                self.servers.append(server)
                self.drain(server)
                assert httpx2.get(f"http://127.0.0.1:{port}/healthz").status_code == 200
                return server
        proc.kill()
        raise AssertionError(f"`{command}` did not start:\n{''.join(output)}")

    def drain(self, server: Server) -> None:
        """Keep reading the server's output so its pipe never fills up."""
        import threading

        def read() -> None:
            assert server.proc.stdout is not None
            for line in server.proc.stdout:
                server.output.append(line)

        threading.Thread(target=read, daemon=True).start()

    def bash(self, script: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [BASH, "-c", script], cwd=ROOT, env=self.env, capture_output=True, text=True,
            timeout=600,
        )  # fmt: skip

    # -- blocks

    def python(self, block: Block) -> None:
        proc = subprocess.run(
            [sys.executable, "-c", block.code], cwd=ROOT, env=self.env, capture_output=True,
            text=True, timeout=300,
        )  # fmt: skip
        assert proc.returncode == 0, f"{block}:\n{proc.stdout}{proc.stderr}"

    def shell(self, block: Block) -> None:
        commands = commands_of(block.code)
        if any("curl " in c for c in commands):
            self.curls(block, commands)
            return
        if any("python -m querier.gen" in c for c in commands):
            self.generator(block, commands)
            return
        for command in commands:
            if command.split(" #")[0].strip() == SUITE_ITSELF:
                continue  # this suite is what runs the walk-through
            if re.match(r"uv run dbauthz serve\b", command):
                self.serve(command)
                continue
            proc = self.bash(command)
            self.log.append(f"$ {command}\n{proc.stdout}{proc.stderr}")
            assert proc.returncode == 0, f"{block}: `{command}` exited {proc.returncode}:\n" + (
                proc.stdout + proc.stderr
            )

    def serve(self, command: str) -> None:
        bare = command.split(" #", 1)[0].strip()
        server = self.start(bare)
        if "--demo" not in bare:  # the first taste: it starts, answers, and stops cleanly
            assert server.stop() == 0, "".join(server.output)
            self.servers.remove(server)
            return
        self.port = server.port
        tokens = dict(re.findall(r"^  (\w+)\s+(\S+)\s+#", "".join(server.output), re.MULTILINE))
        self.token = tokens["alice"]

    def curls(self, block: Block, commands: list[str]) -> None:
        assert self.port is not None, f"{block}: no `serve --demo` ran before it"
        assert self.token is not None
        script = block.code.replace("<alice's token>", self.token).replace(
            "localhost:8080", f"localhost:{self.port}"
        )
        status = "command curl -sS -o /dev/null -w '%{http_code}\\n' \"$@\""
        proc = self.bash(f"set -e\ncurl() {{ {status}; }}\n{script}")
        assert proc.returncode == 0, f"{block}:\n{proc.stdout}{proc.stderr}"
        expected = [
            int(m.group(1)) if (m := re.search(r"#\s*(\d{3})\b", c)) else None
            for c in commands
            if c.lstrip().startswith("curl ")
        ]
        answered = [int(code) for code in proc.stdout.split()]
        assert len(answered) == len(expected), proc.stdout
        for want, got in zip(expected, answered, strict=True):
            assert got == want if want is not None else 200 <= got < 300, (block, answered)

    def generator(self, block: Block, commands: list[str]) -> None:
        """`querier.gen` rewrites files: it runs on a copy of the project (the same venv)."""
        from tests.test_adding_a_query import copy_project

        project = self.tmp / "project"
        copy_project(project)
        env = self.env | {"UV_PROJECT_ENVIRONMENT": sys.prefix, "UV_NO_SYNC": "1"}
        for command in commands:
            proc = subprocess.run(
                [BASH, "-c", command], cwd=project, env=env, capture_output=True, text=True,
                timeout=600,
            )  # fmt: skip
            assert proc.returncode == 0, f"{block}: `{command}`:\n{proc.stdout}{proc.stderr}"
        for name in ("querier/schema.sql", "querier/generated/protocol.py"):  # nothing changed
            assert (project / name).read_text() == (ROOT / name).read_text(), name

    def close(self) -> None:
        for server in self.servers:
            code = server.stop()
            assert code == 0, "".join(server.output)


def commands_of(code: str) -> list[str]:
    """The block's commands: continuation lines joined, blank and comment-only lines dropped."""
    joined = re.sub(r"\\\n\s*", " ", code)
    return [
        line.strip() for line in joined.splitlines() if line.strip() and not line.startswith("#")
    ]


@pytest.fixture
def walk(tmp_path: Path) -> Iterator[Walk]:
    if shutil.which("uv") is None or shutil.which("curl") is None:
        pytest.fail("the README's commands need `uv` and `curl` on PATH")
    walk = Walk(tmp_path)
    try:
        yield walk
    finally:
        for server in walk.servers:
            if server.proc.poll() is None:
                server.proc.kill()


@pytest.mark.slow
def test_the_readme_walk_through(walk: Walk, capsys: pytest.CaptureFixture[str]) -> None:
    started = time.monotonic()
    ran = []
    for block, who in classify(readme_blocks()).items():
        if who != "test_the_readme_walk_through":
            continue
        if block.lang == "python":
            walk.python(block)
        else:
            walk.shell(block)
        ran.append(block.line)
    walk.close()
    took = time.monotonic() - started
    with capsys.disabled():
        print(f"\nREADME walk-through: {len(ran)} blocks in {took:.0f} s")  # not asserted
    # the CLI attached to the database `serve --demo` runs instead of starting its own
    assert any("attaching to the running embedded database" in entry for entry in walk.log)
