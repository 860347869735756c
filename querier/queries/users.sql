-- name: GetUserByID :one
SELECT * FROM users WHERE id = @id;

-- name: GetUserByIDForUpdate :one
-- Locks the row until the transaction ends: role changes are computed from roles that cannot
-- change underneath them.
SELECT * FROM users WHERE id = @id FOR UPDATE;

-- name: GetUserByEmailOrUsername :one
-- Case-insensitive, like the unique indexes.
SELECT * FROM users
WHERE lower(email) = lower(@email::text) OR lower(username) = lower(@username::text)
LIMIT 1;

-- name: GetUsers :many
-- Keyset pagination in creation order; after_id NULL starts at the beginning.
SELECT * FROM users
WHERE
    (sqlc.narg(after_id)::uuid IS NULL
     OR (created_at, id) > (SELECT u.created_at, u.id FROM users u WHERE u.id = sqlc.narg(after_id)::uuid))
    AND (sqlc.narg(status)::user_status IS NULL OR status = sqlc.narg(status)::user_status)
    -- @authorize_filter
ORDER BY created_at, id
LIMIT @page_limit::integer;

-- name: InsertUser :one
INSERT INTO users (id, email, username, rbac_roles, status)
VALUES (@id, @email, @username, @rbac_roles::text[], @status)
RETURNING *;

-- name: UpdateUserRoles :one
-- Replaces the site roles; the implied 'member' is never stored.
UPDATE users
SET rbac_roles = @granted_roles::text[], updated_at = now()
WHERE id = @id
RETURNING *;

-- name: UpdateUserStatus :one
UPDATE users SET status = @status, updated_at = now() WHERE id = @id RETURNING *;

-- name: GetAuthorizationUserRoles :one
-- Everything needed to build a subject, in one round trip: site roles, status, and every
-- membership as 'role:org' plus the implied 'organization-member:org', and the definitions of
-- the custom roles held (JSON; see GetAuthorizationByAPIKey), and the stored groups it is in
-- (the organizations' implicit Everyone groups are implied by the memberships).
SELECT
    u.id,
    u.username,
    u.status,
    u.rbac_roles,
    array(
        SELECT r || ':' || m.organization_id::text
        FROM organization_members m, unnest(m.roles || ARRAY['organization-member']::text[]) AS r
        WHERE m.user_id = u.id
        ORDER BY m.organization_id, r
    )::text[] AS org_roles,
    coalesce((
        SELECT json_agg(json_build_object(
            'org', cr.organization_id, 'name', cr.name, 'display_name', cr.display_name,
            'org_permissions', cr.org_permissions, 'member_permissions', cr.member_permissions,
            'version', cr.version
        ) ORDER BY cr.organization_id, cr.name)
        FROM organization_members m
        JOIN custom_roles cr ON cr.organization_id = m.organization_id AND cr.name = ANY (m.roles)
        WHERE m.user_id = u.id
    ), '[]')::text AS custom_roles,
    array(
        SELECT gm.group_id FROM group_members gm WHERE gm.user_id = u.id ORDER BY gm.group_id
    )::uuid[] AS group_ids
FROM users u
WHERE u.id = @user_id;

-- name: GetUserAndOwnersForUpdate :many
-- Locks the user's row and every owner that can still act (not suspended), in id order, until
-- the transaction ends. Every role or status change takes its locks here, in one statement and
-- in one order, so two of them never deadlock, and a change that would leave no owner able to
-- act is decided on rows that cannot change underneath it (READ COMMITTED re-checks a row it
-- waited for: an owner demoted meanwhile drops out of the result).
SELECT * FROM users
WHERE id = @id OR (status <> 'suspended' AND rbac_roles @> ARRAY['owner']::text[])
ORDER BY id
FOR NO KEY UPDATE;
