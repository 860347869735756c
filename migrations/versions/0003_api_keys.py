"""API keys: how the HTTP API knows who is calling.

Only a SHA-256 of each key's secret is stored, never the secret itself; the public id is the
lookup key and the secret is compared in constant time by the application.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

from __future__ import annotations

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE api_keys (
            id            text        PRIMARY KEY
                          CONSTRAINT api_keys_id_format CHECK (id ~ '^[a-z0-9]{10,32}$'),
            hashed_secret bytea       NOT NULL
                          CONSTRAINT api_keys_hashed_secret_length CHECK (octet_length(hashed_secret) = 32),
            user_id       uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
            expires_at    timestamptz NOT NULL,
            created_at    timestamptz NOT NULL DEFAULT now(),
            last_used     timestamptz NOT NULL DEFAULT now()
        );
        CREATE INDEX api_keys_user_id_idx ON api_keys (user_id);
        """
    )


def downgrade() -> None:
    op.execute("DROP TABLE api_keys")
