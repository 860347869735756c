-- name: InsertGroup :one
INSERT INTO groups (id, organization_id, name, display_name)
VALUES (@id, @organization_id, @name, @display_name)
RETURNING *;

-- name: GetGroup :one
SELECT * FROM groups WHERE id = @id;

-- name: GetGroupForUpdate :one
-- Locks the group until the transaction ends: a rename, a roster change or a delete decides on
-- the row it then changes.
SELECT * FROM groups WHERE id = @id FOR UPDATE;

-- name: GetGroupsByOrganization :many
-- The authorization filter goes inside the WHERE clause: the list holds only groups the reader
-- may read (its own groups through their ACL entry, every group for those who manage them).
SELECT * FROM groups
WHERE organization_id = @organization_id
    -- @authorize_filter
ORDER BY name, id;

-- name: UpdateGroup :one
-- NULL keeps a value.
UPDATE groups
SET name = COALESCE(sqlc.narg(name)::text, name),
    display_name = COALESCE(sqlc.narg(display_name)::text, display_name)
WHERE id = @id
RETURNING *;

-- name: DeleteGroup :execrows
-- Its roster goes with it (ON DELETE CASCADE), and, in the same statement, its entries in the
-- ACLs of its organization's chats: they would grant nobody, but would still count against a
-- chat's bound without being listed (so without a way to remove them one by one).
WITH scrubbed AS (
    UPDATE chats c
    SET group_acl = c.group_acl - g.id::text
    FROM groups g
    WHERE g.id = @id::uuid
      AND c.organization_id = g.organization_id
      AND c.group_acl @> jsonb_build_object(g.id::text, '["read"]'::jsonb)
)
DELETE FROM groups WHERE id = @id::uuid;

-- name: GetGroupMembers :many
-- The group's roster; the organization is part of the key, so a group of another organization
-- has no rows here.
SELECT * FROM group_members
WHERE group_id = @group_id AND organization_id = @organization_id
ORDER BY created_at, user_id;

-- name: GetOrganizationMemberIdsForShare :many
-- Which of these users are members of the organization, key-share-locked until the
-- transaction ends (as the foreign key of an insert would): a member leaving concurrently
-- waits, then takes its new group memberships with it (ON DELETE CASCADE).
SELECT user_id FROM organization_members
WHERE organization_id = @organization_id AND user_id = ANY (@user_ids::uuid[])
ORDER BY user_id
FOR KEY SHARE;

-- name: InsertGroupMembers :many
-- Adds every user in one statement (all or none: the foreign key to organization_members
-- refuses the whole statement if one is not a member); users already in the group are skipped.
-- Returns the rows added.
INSERT INTO group_members (group_id, organization_id, user_id)
SELECT @group_id::uuid, @organization_id::uuid, u.user_id
FROM unnest(@user_ids::uuid[]) AS u(user_id)
ON CONFLICT (group_id, user_id) DO NOTHING
RETURNING *;

-- name: DeleteGroupMembers :execrows
-- Removes every listed user in one statement; users not in the group are ignored.
DELETE FROM group_members
WHERE group_id = @group_id AND organization_id = @organization_id
  AND user_id = ANY (@user_ids::uuid[]);
