"""Custom organization roles (issue #14; DESIGN.md, "Custom organization roles").

One row per role of an organization. Permissions are stored as their text (`type:action`);
the querier validates names and permissions (`authz.custom_roles`) before they reach a row,
so what is stored always parses. `version` is bumped by every update: the compiled-table
cache key includes it, and the subject-loading queries return each held role's definition
(with its version) in the same statement, so every server process uses the new definition
on its next request.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from __future__ import annotations

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE custom_roles (
            organization_id    uuid        NOT NULL
                               REFERENCES organizations (id) ON DELETE CASCADE,
            name               text        NOT NULL,
            display_name       text        NOT NULL DEFAULT '',
            org_permissions    text[]      NOT NULL DEFAULT '{}',
            member_permissions text[]      NOT NULL DEFAULT '{}',
            version            bigint      NOT NULL DEFAULT 1,
            created_at         timestamptz NOT NULL DEFAULT now(),
            updated_at         timestamptz NOT NULL DEFAULT now(),
            CONSTRAINT custom_roles_pkey PRIMARY KEY (organization_id, name)
        )
        """
    )


def downgrade() -> None:
    op.execute("DROP TABLE custom_roles")
