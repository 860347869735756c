-- name: InsertChatFile :one
INSERT INTO chat_files (id, owner_id, organization_id, name, mimetype, data)
VALUES (@id, @owner_id, sqlc.narg(organization_id), @name, @mimetype, @data)
RETURNING *;

-- name: GetChatFile :one
SELECT * FROM chat_files WHERE id = @id;

-- name: GetChatFileMetadata :one
-- Everything but the bytes: enough to decide a read before loading them. octet_length reads
-- the stored length from the value's header; it does not fetch or decompress the data.
SELECT id, owner_id, organization_id, name, mimetype, octet_length(data) AS size, created_at
FROM chat_files
WHERE id = @id;
