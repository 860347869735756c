-- name: InsertOrganization :one
INSERT INTO organizations (id, name, display_name, is_default)
VALUES (@id, @name, @display_name, @is_default)
RETURNING *;

-- name: GetOrganizationByID :one
SELECT * FROM organizations WHERE id = @id;

-- name: GetDefaultOrganization :one
SELECT * FROM organizations WHERE is_default;

-- name: GetOrganizationByName :one
SELECT * FROM organizations WHERE name = @name;

-- name: GetOrganizations :many
-- By name; after_name is the last name of the previous page (a name, not an id: comparing
-- against it reveals nothing about rows the reader cannot see).
SELECT * FROM organizations
WHERE (sqlc.narg(after_name)::text IS NULL OR name > sqlc.narg(after_name)::text)
    -- @authorize_filter
ORDER BY name
LIMIT @page_limit::integer;
