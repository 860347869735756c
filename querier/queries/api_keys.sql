-- name: InsertAPIKey :one
INSERT INTO api_keys (id, hashed_secret, user_id, expires_at)
VALUES (@id, @hashed_secret, @user_id, @expires_at)
RETURNING *;

-- name: GetAPIKeyByID :one
SELECT * FROM api_keys WHERE id = @id;

-- name: UpdateAPIKeyLastUsed :execrows
UPDATE api_keys SET last_used = @last_used WHERE id = @id;

-- name: DeleteAPIKey :execrows
DELETE FROM api_keys WHERE id = @id;

-- name: GetAPIKeysByUserID :many
-- A user's keys, oldest first (callers show metadata only, never the hash).
SELECT * FROM api_keys WHERE user_id = @user_id ORDER BY created_at, id;
