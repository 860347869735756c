-- name: InsertOrganizationMember :one
INSERT INTO organization_members (user_id, organization_id, roles)
VALUES (@user_id, @organization_id, @roles::text[])
RETURNING *;

-- name: GetOrganizationMember :one
SELECT * FROM organization_members WHERE organization_id = @organization_id AND user_id = @user_id;

-- name: GetOrganizationMemberForUpdate :one
-- Locks the membership until the transaction ends (role changes and removal read it first).
SELECT * FROM organization_members
WHERE organization_id = @organization_id AND user_id = @user_id
FOR UPDATE;

-- name: UpdateMemberRoles :one
UPDATE organization_members
SET roles = @granted_roles::text[]
WHERE organization_id = @organization_id AND user_id = @user_id
RETURNING *;

-- name: GetOrganizationMembers :many
SELECT * FROM organization_members
WHERE organization_id = @organization_id
ORDER BY created_at, user_id;

-- name: DeleteOrganizationMember :execrows
DELETE FROM organization_members WHERE organization_id = @organization_id AND user_id = @user_id;
