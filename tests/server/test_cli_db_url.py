"""`dbauthz db url`: the URL psql and scripts need, password redacted unless asked."""

from __future__ import annotations

import os
import subprocess
import sys

import psycopg
import pytest
from typer.testing import CliRunner

from querier.db import DATABASE_URL_ENV
from querier.embedded import DATA_DIR_ENV
from server.cli import app as cli
from tests.conftest import TestServer, skip_unless_embedded


def test_the_configured_url_has_its_password_redacted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(DATABASE_URL_ENV, "postgresql+psycopg://bob:s3cret@db.example:5433/app")
    result = CliRunner().invoke(cli, ["db", "url"])
    assert result.exit_code == 0, result.output
    assert result.stdout == "postgresql://bob:***@db.example:5433/app\n"


def test_show_password_prints_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(DATABASE_URL_ENV, "postgresql://bob:s3cret@db.example:5433/app")
    result = CliRunner().invoke(cli, ["db", "url", "--show-password"])
    assert result.stdout == "postgresql://bob:s3cret@db.example:5433/app\n"


def test_a_bad_url_is_one_error_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(DATABASE_URL_ENV, "mysql://x@y/z")
    result = CliRunner().invoke(cli, ["db", "url"])
    assert result.exit_code == 1
    assert result.stderr.startswith("error: DATABASE_URL must be a PostgreSQL URL")


def test_the_embedded_url_is_one_psql_can_use(pg_server: TestServer) -> None:
    # A separate process attaches to the running embedded server (as `dbauthz serve` would
    # have started it) and releases its handle on exit; the server keeps running.
    skip_unless_embedded()
    embedded = pg_server.embedded
    assert embedded is not None
    env = {k: v for k, v in os.environ.items() if k != DATABASE_URL_ENV}
    env[DATA_DIR_ENV] = str(embedded.pgdata.parent)
    proc = subprocess.run(
        [sys.executable, "-m", "server", "db", "url"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    url = proc.stdout.strip()
    assert url == f"postgresql://postgres@/dbauthz?host={embedded.socket_dir}&port={embedded.port}"
    assert "not running" not in proc.stderr  # it was running: no note
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT current_database()").fetchone() == ("dbauthz",)
