-- name: GetChatCostSummary :one
-- Totals over the owner's assistant messages in [start_date, end_date); soft-deleted excluded.
-- Sums are numeric, never bigint: stored values are each within bigint, their sum need not be,
-- and a read must never fail because of what is stored.
-- The authorization filter (on chats c) keeps out chats the reader may not read, e.g. the
-- owner's chats in an organization it has left.
SELECT
    coalesce(sum(m.total_cost_micros), 0)::numeric AS total_cost_micros,
    coalesce(sum(m.input_tokens), 0)::numeric AS total_input_tokens,
    coalesce(sum(m.output_tokens), 0)::numeric AS total_output_tokens,
    count(m.id)::bigint AS message_count
FROM chat_messages m
JOIN chats c ON c.id = m.chat_id
WHERE c.owner_id = @owner_id
  AND m.role = 'assistant'
  AND NOT m.deleted
  AND m.created_at >= @start_date::timestamptz
  AND m.created_at < @end_date::timestamptz
  -- @authorize_filter
;

-- name: GetChatCostPerModel :many
-- Same window, grouped by model config; messages whose config is gone share one NULL row.
SELECT
    m.model_config_id,
    coalesce(mc.provider, '')::text AS provider,
    coalesce(mc.model, '')::text AS model,
    coalesce(mc.display_name, '')::text AS display_name,
    sum(m.total_cost_micros)::numeric AS total_cost_micros,
    sum(m.input_tokens)::numeric AS total_input_tokens,
    sum(m.output_tokens)::numeric AS total_output_tokens,
    count(m.id)::bigint AS message_count
FROM chat_messages m
JOIN chats c ON c.id = m.chat_id
LEFT JOIN chat_model_configs mc ON mc.id = m.model_config_id
WHERE c.owner_id = @owner_id
  AND m.role = 'assistant'
  AND NOT m.deleted
  AND m.created_at >= @start_date::timestamptz
  AND m.created_at < @end_date::timestamptz
  -- @authorize_filter
GROUP BY m.model_config_id, mc.provider, mc.model, mc.display_name
ORDER BY total_cost_micros DESC, m.model_config_id;

-- name: GetChatCostPerChat :many
SELECT
    c.id AS chat_id,
    c.title,
    sum(m.total_cost_micros)::numeric AS total_cost_micros,
    sum(m.input_tokens)::numeric AS total_input_tokens,
    sum(m.output_tokens)::numeric AS total_output_tokens,
    count(m.id)::bigint AS message_count
FROM chat_messages m
JOIN chats c ON c.id = m.chat_id
WHERE c.owner_id = @owner_id
  AND m.role = 'assistant'
  AND NOT m.deleted
  AND m.created_at >= @start_date::timestamptz
  AND m.created_at < @end_date::timestamptz
  -- @authorize_filter
GROUP BY c.id, c.title
ORDER BY total_cost_micros DESC, c.id;
