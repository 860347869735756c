-- name: InsertChatMessage :one
INSERT INTO chat_messages (
    chat_id, created_by, role, content, model_config_id, input_tokens, output_tokens,
    total_cost_micros
) VALUES (
    @chat_id, sqlc.narg(created_by), @role, @content, sqlc.narg(model_config_id), @input_tokens,
    @output_tokens, @total_cost_micros
)
RETURNING *;

-- name: GetChatMessages :many
-- Oldest first, keyset on id; soft-deleted messages are left out.
SELECT * FROM chat_messages
WHERE chat_id = @chat_id AND NOT deleted AND id > @after_id::bigint
ORDER BY id
LIMIT @page_limit::integer;

-- name: GetChatMessage :one
SELECT * FROM chat_messages WHERE chat_id = @chat_id AND id = @id;

-- name: SoftDeleteChatMessage :execrows
UPDATE chat_messages SET deleted = true WHERE chat_id = @chat_id AND id = @id AND NOT deleted;
