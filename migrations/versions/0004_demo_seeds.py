"""A marker for databases that `serve --demo` seeded itself.

`--demo` writes users, tokens and chats; it must never do so into real data. It seeds a database
only when the database is empty (and records that here) or when this marker says an earlier
`--demo` run seeded it. One row at most.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from __future__ import annotations

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE demo_seeds (
            id        boolean     PRIMARY KEY DEFAULT true
                      CONSTRAINT demo_seeds_single_row CHECK (id),
            seeded_at timestamptz NOT NULL DEFAULT now()
        )
        """
    )


def downgrade() -> None:
    op.execute("DROP TABLE demo_seeds")
