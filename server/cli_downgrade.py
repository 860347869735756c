"""What `dbauthz db downgrade` undoes, in words, so nobody drops data without being told.

Each migration's docstring opens with one line saying what it adds; a downgrade lists the
migrations it undoes with those lines (and, to base, that every table goes), then asks.
"""

from __future__ import annotations

import typer


def revisions_between(current: tuple[str, ...], target: str) -> list[tuple[str, str]]:
    """`(revision, what it added)` for each migration a downgrade to `target` undoes, newest
    first; what it added is the first line of the migration's docstring."""
    from alembic.script import ScriptDirectory

    from querier.migrate import alembic_config

    scripts = ScriptDirectory.from_config(alembic_config())
    lower = None if target == "base" else target
    undone = []
    for head in current:
        for script in scripts.iterate_revisions(head, lower or "base"):
            if lower is not None and script.revision == scripts.get_revision(lower).revision:
                continue
            doc = (script.module.__doc__ or script.doc or "").strip().splitlines()
            undone.append((script.revision, doc[0] if doc else ""))
    return undone


def downgrade_warning(target: str, undone: list[tuple[str, str]]) -> str:
    """What a downgrade loses, in words, before anyone confirms it."""
    steps = "; ".join(f"{rev} ({what})" for rev, what in undone)
    if target == "base":
        return (
            "downgrading to base drops every table and all data (users, tokens, "
            f"organizations, chats, messages, files); it undoes {steps}"
        )
    return (
        f"downgrading to {target} undoes {steps}: whatever those migrations added is dropped, "
        "with its data — back it up first if you need it"
    )


def first_line_of(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def confirmed(question: str) -> bool:
    """Ask on stderr; no answer at all (stdin closed, as in a script) counts as no."""
    try:
        return typer.confirm(question, default=False, err=True)
    except typer.Abort:
        typer.echo("", err=True)
        return False
