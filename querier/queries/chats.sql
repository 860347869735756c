-- name: GetChat :one
SELECT * FROM chats WHERE id = @id;

-- name: GetChats :many
-- Newest first, keyset pagination on (created_at, id): after_id is the last chat of the
-- previous page. The authorization filter goes inside the WHERE clause, so pages stay full.
SELECT * FROM chats
WHERE
    (sqlc.narg(owner_id)::uuid IS NULL OR owner_id = sqlc.narg(owner_id)::uuid)
    AND (sqlc.narg(archived)::boolean IS NULL OR archived = sqlc.narg(archived)::boolean)
    AND (sqlc.narg(after_id)::uuid IS NULL
         OR (created_at, id) < (SELECT c.created_at, c.id FROM chats c WHERE c.id = sqlc.narg(after_id)::uuid))
    -- @authorize_filter
ORDER BY created_at DESC, id DESC
LIMIT @page_limit::integer;

-- name: InsertChat :one
INSERT INTO chats (id, owner_id, organization_id, title, status, last_model_config_id)
VALUES (@id, @owner_id, sqlc.narg(organization_id), @title, @status, sqlc.narg(last_model_config_id))
RETURNING *;

-- name: UpdateChatTitle :one
UPDATE chats SET title = @title, updated_at = now() WHERE id = @id RETURNING *;

-- name: UpdateChatStatus :one
UPDATE chats SET status = @status, updated_at = now() WHERE id = @id RETURNING *;

-- name: ArchiveChat :one
UPDATE chats SET archived = true, updated_at = now() WHERE id = @id RETURNING *;

-- name: UnarchiveChat :one
UPDATE chats SET archived = false, updated_at = now() WHERE id = @id RETURNING *;

-- name: DeleteChat :execrows
DELETE FROM chats WHERE id = @id;

-- name: GetChatACL :many
-- Who a chat is shared with: one row per ACL entry that names an existing user, group or the
-- chat's organization (its implicit Everyone group), with the actions granted. Entries whose
-- key is not a UUID, or names nobody any more (a deleted user or group), are left out: they
-- grant nothing a reader could act on. Ordered users first, then by name.
WITH c AS (SELECT user_acl, group_acl, organization_id FROM chats WHERE id = @chat_id::uuid),
users_e AS (
    SELECT CASE WHEN e.key ~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
                THEN e.key::uuid END AS id, e.value
    FROM c, jsonb_each(c.user_acl) AS e
),
groups_e AS (
    SELECT CASE WHEN e.key ~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
                THEN e.key::uuid END AS id, e.value, c.organization_id
    FROM c, jsonb_each(c.group_acl) AS e
)
SELECT kind, id, name, display_name, actions FROM (
    SELECT 'user'::text AS kind, u.id, u.username AS name, ''::text AS display_name,
           array(SELECT jsonb_array_elements_text(
               CASE WHEN jsonb_typeof(ue.value) = 'array' THEN ue.value ELSE '[]' END))::text[]
               AS actions
    FROM users_e ue JOIN users u ON u.id = ue.id
    UNION ALL
    SELECT 'group'::text, g.id, g.name, g.display_name,
           array(SELECT jsonb_array_elements_text(
               CASE WHEN jsonb_typeof(ge.value) = 'array' THEN ge.value ELSE '[]' END))::text[]
    FROM groups_e ge JOIN groups g ON g.id = ge.id AND g.organization_id = ge.organization_id
    UNION ALL
    SELECT 'group'::text, o.id, 'Everyone'::text, o.display_name,
           array(SELECT jsonb_array_elements_text(
               CASE WHEN jsonb_typeof(ge.value) = 'array' THEN ge.value ELSE '[]' END))::text[]
    FROM groups_e ge JOIN organizations o ON o.id = ge.id AND o.id = ge.organization_id
) AS entries
ORDER BY kind DESC, name, id;

-- name: GetChatForShare :one
-- The chat, locked until the transaction ends: an ACL change is decided on, merged into and
-- written over a row no concurrent change can alter meanwhile (two PATCHes run one after the
-- other, so neither loses the other's entries). NO KEY UPDATE: messages inserted meanwhile
-- (their foreign key takes KEY SHARE) do not wait.
SELECT * FROM chats WHERE id = @id FOR NO KEY UPDATE;

-- name: GetChatShareTargets :one
-- Of the given ids, the ones a chat in `organization_id` may be shared with, in ONE statement:
-- for an org chat, users that are members of the org and groups of the org (its Everyone
-- group, id = org id, included); for a personal chat (NULL org), users that exist and no
-- group at all (group entries never apply to an object without an org).
SELECT
    array(
        SELECT u.id FROM users u
        WHERE u.id = ANY (@user_ids::uuid[])
          AND (sqlc.narg(organization_id)::uuid IS NULL OR EXISTS (
              SELECT 1 FROM organization_members m
              WHERE m.organization_id = sqlc.narg(organization_id)::uuid AND m.user_id = u.id))
        ORDER BY u.id
    )::uuid[] AS user_ids,
    array(
        SELECT g.id FROM groups g
        WHERE g.organization_id = sqlc.narg(organization_id)::uuid
          AND g.id = ANY (@group_ids::uuid[])
        UNION
        SELECT o.id FROM organizations o
        WHERE o.id = sqlc.narg(organization_id)::uuid AND o.id = ANY (@group_ids::uuid[])
        ORDER BY 1
    )::uuid[] AS group_ids;

-- name: UpdateChatACL :one
-- Replaces both ACLs (the caller merged them into what it read under `GetChatForShare`'s lock).
UPDATE chats SET user_acl = @user_acl::jsonb, group_acl = @group_acl::jsonb
WHERE id = @id
RETURNING *;
