"""Grant the `chat-access` site role to every user who owns at least one chat.

Plain members lose their chat permissions (chat access is now gated by the built-in site role
`chat-access`). So that nobody who already uses chats is cut off, this backfill appends
`chat-access` to `users.rbac_roles` for every user who owns at least one chat -- archived chats
and chats inside an organization count, the user's status does not matter -- unless the user
already holds it. Users who never created a chat (and users created later) do not get it; an
administrator grants it to them.

Up is a single UPDATE over the whole table, inside alembic's transaction. Its WHERE clause
selects exactly the rows that change (owners of a chat *not* holding the role), so no other row
is rewritten: no new row versions, no dead tuples, and a second run updates nothing. Other roles
keep their order; the new role goes last.

Down removes `chat-access` from every user who holds it (`array_remove`, so the order of the
other roles is kept; its WHERE clause skips users without the role). **This is lossy: down cannot
tell a grant made by this backfill from one made by hand, so it also removes grants made by an
administrator after the upgrade** (and any made before it).

Locking: a plain UPDATE takes ROW EXCLUSIVE on `users` (plus ACCESS SHARE on `chats` for the
subquery) and row locks on the rows it changes. ROW EXCLUSIVE conflicts only with SHARE and
stronger modes, so readers of `users` are never blocked -- they keep seeing the old row versions
until commit. Only a concurrent *write* to one of the changed user rows waits, and only until
the migration's transaction commits. Nothing here takes ACCESS EXCLUSIVE (no DDL).

`updated_at` is deliberately left alone: this is a data migration, not a user's edit.

Plain SQL on purpose: a migration must keep running after the application code moves on, so it
imports nothing from the application (the role name is spelled out here, not imported).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""

from __future__ import annotations

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None

# `@>` rather than `= ANY(...)`: containment is never NULL for a non-NULL array (even one that
# holds NULL elements), so the predicate cannot silently drop a row.
# `IN (SELECT DISTINCT owner_id ...)` rather than `EXISTS (...)`: measured at 1M users / 300k
# owners (bench/bench_backfill.py) the join costs the same (~1.5 s), but the time goes into the
# row updates, and those are cheapest in the table's physical order. The DISTINCT form hashes
# one entry per owner and streams `users` past it (an inner hash join, users on the probe side);
# with EXISTS the planner hashes every chat, and once owners have many chats it flips to
# hashing `users` and probing with `chats` (a right semi join), so rows are updated in chat
# order: at 10 chats per owner that took 10-11 s against 6.5-8 s for this form.
UPGRADE = """
UPDATE users
SET rbac_roles = array_append(rbac_roles, 'chat-access')
WHERE id IN (SELECT DISTINCT owner_id FROM chats)
  AND NOT (rbac_roles @> ARRAY['chat-access']::text[])
"""

DOWNGRADE = """
UPDATE users
SET rbac_roles = array_remove(rbac_roles, 'chat-access')
WHERE rbac_roles @> ARRAY['chat-access']::text[]
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
