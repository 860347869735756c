-- name: InsertAPIKey :one
-- `scopes` (built-in scope names) and `allow_list` (`type:id` entries) narrow what the key's
-- requests may do: `{all}` on `{*:*}` restricts nothing. The authorizing querier validates both
-- and refuses a scope broader than the minting actor's own.
INSERT INTO api_keys (id, hashed_secret, user_id, expires_at, scopes, allow_list)
VALUES (@id, @hashed_secret, @user_id, @expires_at, @scopes, @allow_list)
RETURNING *;

-- name: GetAPIKeyByID :one
SELECT * FROM api_keys WHERE id = @id;

-- name: UpdateAPIKeyLastUsed :execrows
UPDATE api_keys SET last_used = @last_used WHERE id = @id;

-- name: DeleteAPIKey :execrows
DELETE FROM api_keys WHERE id = @id;

-- name: GetAPIKeysByUserID :many
-- A user's keys, oldest first (callers show metadata only, never the hash).
SELECT * FROM api_keys WHERE user_id = @user_id ORDER BY created_at, id;

-- name: GetAuthorizationByAPIKey :one
-- Authenticating a request in one round trip: the key (hash to verify, expiry, last use), its
-- user's status and site roles, and every membership as 'role:org' plus the implied
-- 'organization-member:org' — the subject columns of GetAuthorizationUserRoles under the same
-- names, so one function builds the subject from either. `custom_roles` holds the definitions
-- (with their versions) of the custom roles the user holds, as JSON: a changed definition is in
-- force on the next request in every process, with no cache to invalidate and no extra query.
-- The stored groups the user is in (`group_ids`) and the key's scope (`scopes`, `allow_list`)
-- are further columns of this one row: more facts about the subject are always another column,
-- each a correlated array or JSON aggregate, never another query.
SELECT
    k.id AS key_id,
    k.hashed_secret,
    k.expires_at,
    k.last_used,
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
    )::uuid[] AS group_ids,
    k.scopes,
    k.allow_list
FROM api_keys k
JOIN users u ON u.id = k.user_id
WHERE k.id = @id;
