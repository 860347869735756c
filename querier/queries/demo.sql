-- name: GetDemoSeed :one
-- Present only in a database that `serve --demo` seeded itself.
SELECT * FROM demo_seeds;

-- name: InsertDemoSeed :one
-- Idempotent: a second seed keeps the first one's time.
INSERT INTO demo_seeds DEFAULT VALUES
ON CONFLICT (id) DO UPDATE SET seeded_at = demo_seeds.seeded_at
RETURNING *;

-- name: GetDataPresence :one
-- Whether anything the demo would write next to already exists.
SELECT
    EXISTS (SELECT 1 FROM users) AS has_users,
    EXISTS (SELECT 1 FROM organizations) AS has_organizations,
    EXISTS (SELECT 1 FROM chat_model_configs) AS has_model_configs;
