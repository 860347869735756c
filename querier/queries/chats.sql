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
