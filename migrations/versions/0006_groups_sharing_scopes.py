"""Groups, chat ACLs and API-key scopes (issue #13; DESIGN.md, "Model v2").

* `groups` / `group_members`: a group belongs to one organization; a member row carries the
  organization too, so two composite foreign keys make "a group member is a member of the
  group's organization" a fact of the schema: removing a user from an organization removes it
  from that organization's groups in the same statement (ON DELETE CASCADE), with no code path
  that could forget it. The *Everyone* group of an organization is implicit (its id is the
  organization's id) and never stored; the CHECK keeps a stored group from taking that id.
* `chats.user_acl` / `chats.group_acl`: JSONB `{"<id>": ["read"]}`, the shape the compiled SQL
  filter tests with `@>`; GIN (`jsonb_path_ops`) indexes serve those containment tests, so a
  "shared with me" page is an index scan, not a walk over every chat.
* `api_keys.scopes` / `api_keys.allow_list`: the scope names and the allow-list (`type:id`,
  `*` allowed) a token was minted with. Existing tokens get `{all}` and `{*:*}`: they keep
  exactly the access they had.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

from __future__ import annotations

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE groups (
            id              uuid        NOT NULL DEFAULT gen_random_uuid(),
            organization_id uuid        NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
            name            text        NOT NULL,
            display_name    text        NOT NULL DEFAULT '',
            created_at      timestamptz NOT NULL DEFAULT now(),
            CONSTRAINT groups_pkey PRIMARY KEY (id),
            CONSTRAINT groups_organization_id_name_key UNIQUE (organization_id, name),
            CONSTRAINT groups_id_organization_id_key UNIQUE (id, organization_id),
            CONSTRAINT groups_not_everyone CHECK (id <> organization_id)
        )
        """
    )
    op.execute(
        """
        CREATE TABLE group_members (
            group_id        uuid        NOT NULL,
            organization_id uuid        NOT NULL,
            user_id         uuid        NOT NULL,
            created_at      timestamptz NOT NULL DEFAULT now(),
            CONSTRAINT group_members_pkey PRIMARY KEY (group_id, user_id),
            CONSTRAINT group_members_group_fkey FOREIGN KEY (group_id, organization_id)
                REFERENCES groups (id, organization_id) ON DELETE CASCADE,
            CONSTRAINT group_members_member_fkey FOREIGN KEY (organization_id, user_id)
                REFERENCES organization_members (organization_id, user_id) ON DELETE CASCADE
        )
        """
    )
    op.execute("CREATE INDEX group_members_user_id_idx ON group_members (user_id)")
    op.execute(
        """
        ALTER TABLE chats
            ADD COLUMN user_acl  jsonb NOT NULL DEFAULT '{}'::jsonb,
            ADD COLUMN group_acl jsonb NOT NULL DEFAULT '{}'::jsonb,
            ADD CONSTRAINT chats_user_acl_object CHECK (jsonb_typeof(user_acl) = 'object'),
            ADD CONSTRAINT chats_group_acl_object CHECK (jsonb_typeof(group_acl) = 'object')
        """
    )
    op.execute("CREATE INDEX chats_user_acl_idx ON chats USING gin (user_acl jsonb_path_ops)")
    op.execute("CREATE INDEX chats_group_acl_idx ON chats USING gin (group_acl jsonb_path_ops)")
    op.execute(
        """
        ALTER TABLE api_keys
            ADD COLUMN scopes     text[] NOT NULL DEFAULT '{all}',
            ADD COLUMN allow_list text[] NOT NULL DEFAULT '{*:*}',
            ADD CONSTRAINT api_keys_scopes_nonempty CHECK (cardinality(scopes) > 0),
            ADD CONSTRAINT api_keys_allow_list_nonempty CHECK (cardinality(allow_list) > 0)
        """
    )


def downgrade() -> None:
    op.execute(
        """
        ALTER TABLE api_keys
            DROP CONSTRAINT api_keys_allow_list_nonempty,
            DROP CONSTRAINT api_keys_scopes_nonempty,
            DROP COLUMN allow_list,
            DROP COLUMN scopes
        """
    )
    op.execute("DROP INDEX chats_group_acl_idx")
    op.execute("DROP INDEX chats_user_acl_idx")
    op.execute(
        """
        ALTER TABLE chats
            DROP CONSTRAINT chats_group_acl_object,
            DROP CONSTRAINT chats_user_acl_object,
            DROP COLUMN group_acl,
            DROP COLUMN user_acl
        """
    )
    op.execute("DROP TABLE group_members")
    op.execute("DROP TABLE groups")
