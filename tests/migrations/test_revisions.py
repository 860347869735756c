"""Alembic hygiene for every revision: one head, a linear history, the stairway, no app imports.

Written over `ScriptDirectory.walk_revisions()`, so revisions added later are covered too.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import sqlalchemy as sa
from alembic.script import Script, ScriptDirectory
from sqlalchemy.engine import Engine

from querier.migrate import alembic_config, current_revisions, downgrade, head_revisions, upgrade
from tests.conftest import NewDatabase

# What a migration may import: the standard library, alembic and SQLAlchemy. Never the
# application (authz, querier, server, ...), or old migrations break when the code moves on.
ALLOWED_IMPORTS = frozenset(sys.stdlib_module_names) | {"alembic", "sqlalchemy"}

SCHEMA_FINGERPRINT = """
SELECT 'column' AS kind,
       table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable
           || ' ' || coalesce(column_default, '') AS item
FROM information_schema.columns WHERE table_schema = 'public'
UNION ALL
SELECT 'index', indexdef FROM pg_indexes WHERE schemaname = 'public'
UNION ALL
SELECT 'constraint', conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid)
FROM pg_constraint WHERE connamespace = 'public'::regnamespace
UNION ALL
SELECT 'enum', t.typname || '.' || e.enumlabel || ' ' || e.enumsortorder::text
FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid
UNION ALL
SELECT 'function', p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')'
FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace
UNION ALL
SELECT 'trigger', tgrelid::regclass::text || ' ' || tgname FROM pg_trigger WHERE NOT tgisinternal
ORDER BY 1, 2
"""


def _script() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config())


def _revisions_base_to_head() -> list[Script]:
    return list(reversed(list(_script().walk_revisions("base", "heads"))))


def _down_target(rev: Script) -> str:
    down = rev.down_revision
    assert down is None or isinstance(down, str), f"{rev.revision} is a merge point"
    return down or "base"


def _fingerprint(engine: Engine) -> list[tuple[str, str]]:
    with engine.connect() as conn:
        rows = conn.execute(sa.text(SCHEMA_FINGERPRINT))
        # alembic's own bookkeeping table stays behind after `downgrade base`; it is not schema.
        return [(r.kind, r.item) for r in rows if "alembic_version" not in r.item]


def test_single_head_and_linear_history() -> None:
    script = _script()
    assert len(script.get_heads()) == 1, script.get_heads()
    assert head_revisions() == tuple(script.get_heads())
    assert len(script.get_bases()) == 1, script.get_bases()
    revisions = _revisions_base_to_head()
    assert revisions, "no revisions found"
    for rev in revisions:
        assert not rev.is_merge_point, f"{rev.revision} is a merge point"
        assert not rev.is_branch_point, f"{rev.revision} branches"
        assert Path(rev.path).name.startswith(f"{rev.revision}_"), rev.path
    assert revisions[0].revision == "0001"
    assert [r.revision for r in revisions[:2]] == ["0001", "0002"]


def test_revisions_import_no_application_code() -> None:
    for rev in _revisions_base_to_head():
        tree = ast.parse(Path(rev.path).read_text(encoding="utf-8"), filename=rev.path)
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                assert node.level == 0, f"{rev.path}: relative import"
                names = [node.module or ""]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                assert top in ALLOWED_IMPORTS, f"{rev.path} imports {name}"


def test_stairway(new_database: NewDatabase) -> None:
    """Up one, down one, up again, for each revision in order; down restores the schema."""
    engine = new_database(empty=True)
    empty = _fingerprint(engine)
    before = empty
    for rev in _revisions_base_to_head():
        upgrade(engine, rev.revision)
        assert current_revisions(engine) == (rev.revision,)
        after = _fingerprint(engine)

        target = _down_target(rev)
        downgrade(engine, target)
        assert current_revisions(engine) == (() if target == "base" else (target,))
        assert _fingerprint(engine) == before, f"downgrade of {rev.revision} left changes"

        upgrade(engine, rev.revision)
        assert current_revisions(engine) == (rev.revision,)
        assert _fingerprint(engine) == after, f"re-upgrade of {rev.revision} differs"
        before = after

    downgrade(engine, "base")
    assert _fingerprint(engine) == empty
