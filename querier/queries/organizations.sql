-- name: InsertOrganization :one
INSERT INTO organizations (id, name, display_name, is_default)
VALUES (@id, @name, @display_name, @is_default)
RETURNING *;

-- name: GetOrganizationByID :one
SELECT * FROM organizations WHERE id = @id;

-- name: GetDefaultOrganization :one
SELECT * FROM organizations WHERE is_default;
