-- name: InsertChatFile :one
INSERT INTO chat_files (id, owner_id, organization_id, name, mimetype, data)
VALUES (@id, @owner_id, sqlc.narg(organization_id), @name, @mimetype, @data)
RETURNING *;

-- name: GetChatFile :one
SELECT * FROM chat_files WHERE id = @id;
