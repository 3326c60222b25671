-- QStash gave up on message $2 (first attempt at $1, unix ms, may be
-- NULL): one row per message, however often the callback comes; $3 the
-- details (JSON), $4 the error. No row back when it was recorded before.
INSERT INTO syncfn.runs (started_at, finished_at, type, message_id, status,
                         statistics, error)
VALUES (COALESCE(pg_catalog.to_timestamp($1::float8 / 1000), clock_timestamp()),
        clock_timestamp(), 'scheduled', $2, 'delivery_failed', $3::jsonb, $4)
ON CONFLICT (message_id) WHERE status = 'delivery_failed' DO NOTHING
RETURNING id
