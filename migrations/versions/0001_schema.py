"""The schema: organizations, users, memberships, chats, messages, files, model configs.

Plain SQL on purpose: a migration must keep running after the application code moves on, so it
imports nothing from the application.

Revision ID: 0001
Revises:
Create Date: 2026-11-29
"""

from __future__ import annotations

from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None

UPGRADE = """
CREATE TYPE user_status AS ENUM ('active', 'suspended', 'dormant');
CREATE TYPE chat_status AS ENUM ('waiting', 'pending', 'running', 'paused', 'completed', 'error');
CREATE TYPE chat_message_role AS ENUM ('user', 'assistant', 'system', 'tool');

CREATE TABLE organizations (
    id           uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    name         text        NOT NULL CONSTRAINT organizations_name_key UNIQUE
                             CONSTRAINT organizations_name_not_empty CHECK (name <> ''),
    display_name text        NOT NULL DEFAULT '',
    is_default   boolean     NOT NULL DEFAULT false,
    created_at   timestamptz NOT NULL DEFAULT now()
);
-- At most one default organization.
CREATE UNIQUE INDEX organizations_single_default ON organizations (is_default) WHERE is_default;

CREATE TABLE users (
    id         uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    email      text        NOT NULL CONSTRAINT users_email_not_empty CHECK (email <> ''),
    username   text        NOT NULL CONSTRAINT users_username_not_empty CHECK (username <> ''),
    -- Site role names; the implied 'member' is never stored.
    rbac_roles text[]      NOT NULL DEFAULT '{}',
    status     user_status NOT NULL DEFAULT 'active',
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email_key ON users (lower(email));
CREATE UNIQUE INDEX users_username_key ON users (lower(username));
CREATE INDEX users_created_at_id_idx ON users (created_at, id);

CREATE TABLE organization_members (
    user_id         uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    organization_id uuid        NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    -- Org role names without the org suffix; the implied 'organization-member' is never stored.
    roles           text[]      NOT NULL DEFAULT '{}',
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (organization_id, user_id)
);
CREATE INDEX organization_members_user_id_idx ON organization_members (user_id);

CREATE TABLE chat_model_configs (
    id            uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    provider      text        NOT NULL CONSTRAINT chat_model_configs_provider_not_empty
                              CHECK (provider <> ''),
    model         text        NOT NULL CONSTRAINT chat_model_configs_model_not_empty
                              CHECK (model <> ''),
    display_name  text        NOT NULL DEFAULT '',
    enabled       boolean     NOT NULL DEFAULT true,
    is_default    boolean     NOT NULL DEFAULT false,
    context_limit integer     NOT NULL CONSTRAINT chat_model_configs_context_limit_positive
                              CHECK (context_limit > 0),
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT chat_model_configs_default_is_enabled CHECK (NOT is_default OR enabled)
);
-- At most one default model config.
CREATE UNIQUE INDEX chat_model_configs_single_default ON chat_model_configs (is_default)
    WHERE is_default;

CREATE TABLE chats (
    id                   uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    owner_id             uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- NULL for a personal chat.
    organization_id      uuid        REFERENCES organizations (id) ON DELETE CASCADE,
    title                text        NOT NULL,
    status               chat_status NOT NULL DEFAULT 'waiting',
    last_model_config_id uuid        REFERENCES chat_model_configs (id) ON DELETE SET NULL,
    archived             boolean     NOT NULL DEFAULT false,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now()
);
-- Keyset pagination runs newest first: (created_at DESC, id DESC), per owner, per org and overall.
CREATE INDEX chats_owner_id_idx ON chats (owner_id, created_at DESC, id DESC);
CREATE INDEX chats_organization_id_idx ON chats (organization_id, created_at DESC, id DESC);
CREATE INDEX chats_created_at_id_idx ON chats (created_at DESC, id DESC);

CREATE TABLE chat_messages (
    id                bigserial         PRIMARY KEY,
    chat_id           uuid              NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
    created_by        uuid              REFERENCES users (id) ON DELETE SET NULL,
    role              chat_message_role NOT NULL,
    content           jsonb             NOT NULL,
    model_config_id   uuid              REFERENCES chat_model_configs (id) ON DELETE SET NULL,
    input_tokens      bigint            NOT NULL DEFAULT 0
                      CONSTRAINT chat_messages_input_tokens_nonnegative CHECK (input_tokens >= 0),
    output_tokens     bigint            NOT NULL DEFAULT 0
                      CONSTRAINT chat_messages_output_tokens_nonnegative CHECK (output_tokens >= 0),
    total_cost_micros bigint            NOT NULL DEFAULT 0
                      CONSTRAINT chat_messages_total_cost_nonnegative CHECK (total_cost_micros >= 0),
    deleted           boolean           NOT NULL DEFAULT false,
    created_at        timestamptz       NOT NULL DEFAULT now()
);
CREATE INDEX chat_messages_chat_id_idx ON chat_messages (chat_id, id);

CREATE TABLE chat_files (
    id              uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    owner_id        uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    organization_id uuid        REFERENCES organizations (id) ON DELETE CASCADE,
    name            text        NOT NULL,
    mimetype        text        NOT NULL,
    data            bytea       NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX chat_files_owner_id_idx ON chat_files (owner_id);
"""

DOWNGRADE = """
DROP TABLE chat_files;
DROP TABLE chat_messages;
DROP TABLE chats;
DROP TABLE chat_model_configs;
DROP TABLE organization_members;
DROP TABLE users;
DROP TABLE organizations;
DROP TYPE chat_message_role;
DROP TYPE chat_status;
DROP TYPE user_status;
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
