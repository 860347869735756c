-- name: InsertCustomRole :one
INSERT INTO custom_roles (organization_id, name, display_name, org_permissions, member_permissions)
VALUES (@organization_id, @name, @display_name, @org_permissions::text[], @member_permissions::text[])
RETURNING *;

-- name: GetCustomRole :one
SELECT * FROM custom_roles WHERE organization_id = @organization_id AND name = @name;

-- name: GetCustomRoleForUpdate :one
-- Locks the definition until the transaction ends (update and delete decide on it).
SELECT * FROM custom_roles
WHERE organization_id = @organization_id AND name = @name
FOR UPDATE;

-- name: GetCustomRolesByOrganization :many
SELECT * FROM custom_roles WHERE organization_id = @organization_id ORDER BY name;

-- name: UpdateCustomRole :one
-- Every update bumps the version: it is part of the compiled-table cache key.
UPDATE custom_roles
SET display_name = @display_name,
    org_permissions = @org_permissions::text[],
    member_permissions = @member_permissions::text[],
    version = version + 1,
    updated_at = now()
WHERE organization_id = @organization_id AND name = @name
RETURNING *;

-- name: GetCustomRolesForAssignment :many
-- The named roles of the organization, share-locked until the transaction ends: a delete (which
-- locks the role FOR UPDATE, then counts its holders) waits for the assignment to commit and
-- then counts it, or wins and the assignment finds no such role.
SELECT * FROM custom_roles
WHERE organization_id = @organization_id AND name = ANY (@names::text[])
ORDER BY name
FOR SHARE;

-- name: DeleteCustomRoleIfUnused :one
-- Deletes the role only if no member of the organization holds it, in one statement; `members`
-- is how many hold it (the caller reports a refusal with it), `deleted` 1 or 0.
WITH held AS (
    SELECT count(*)::bigint AS members FROM organization_members
    WHERE organization_id = @organization_id::uuid AND roles @> ARRAY[@name::text]
), gone AS (
    DELETE FROM custom_roles
    WHERE organization_id = @organization_id::uuid AND name = @name::text
      AND (SELECT members FROM held) = 0
    RETURNING 1
)
SELECT (SELECT members FROM held)::bigint AS members,
       (SELECT count(*) FROM gone)::bigint AS deleted;
