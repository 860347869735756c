-- name: GetDefaultChatModelConfig :one
SELECT * FROM chat_model_configs WHERE is_default;

-- name: GetChatModelConfig :one
SELECT * FROM chat_model_configs WHERE id = @id;

-- name: GetChatModelConfigs :many
SELECT * FROM chat_model_configs
WHERE (NOT @enabled_only::boolean OR enabled)
ORDER BY is_default DESC, provider, model, id;

-- name: InsertChatModelConfig :one
INSERT INTO chat_model_configs (id, provider, model, display_name, enabled, is_default, context_limit)
VALUES (@id, @provider, @model, @display_name, @enabled, @is_default, @context_limit)
RETURNING *;

-- name: UpdateChatModelConfig :one
UPDATE chat_model_configs
SET display_name = @display_name, enabled = @enabled, is_default = @is_default,
    context_limit = @context_limit, updated_at = now()
WHERE id = @id
RETURNING *;

-- name: DeleteChatModelConfig :execrows
DELETE FROM chat_model_configs WHERE id = @id;

-- name: LockChatModelConfigWrites :exec
-- One transaction-scoped lock that every change of the default takes first, before reading
-- anything: writers queue on it in one order (no deadlock between two row locks and the
-- single-default index), and each then reads the default as the previous writer left it.
-- Readers never take it.
SELECT true AS locked FROM pg_advisory_xact_lock(hashtext('dbauthz.chat_model_configs.default'));
