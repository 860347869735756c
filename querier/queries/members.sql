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
-- Leaving an organization leaves its groups (ON DELETE CASCADE) and, in the same statement, the
-- ACLs of its chats: a user entry of a non-member grants nothing, but left in place it would
-- grant again on rejoining, and would still be listed and counted. The containment test is the
-- form the GIN index serves (only `read` is ever granted).
WITH scrubbed AS (
    UPDATE chats
    SET user_acl = user_acl - (@user_id::uuid)::text
    WHERE organization_id = @organization_id::uuid
      AND user_acl @> jsonb_build_object((@user_id::uuid)::text, '["read"]'::jsonb)
)
DELETE FROM organization_members
WHERE organization_id = @organization_id::uuid AND user_id = @user_id::uuid;
