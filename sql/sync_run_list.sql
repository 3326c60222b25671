-- The latest $1 runs, newest first, as one JSON array.
SELECT COALESCE(json_agg(json_build_object(
         'id', r.id,
         'started_at', to_char(r.started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
         'finished_at', to_char(r.finished_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
         'type', r.type,
         'message_id', r.message_id,
         'status', r.status,
         'statistics', r.statistics,
         'error', r.error) ORDER BY r.id DESC), '[]')::text
FROM (SELECT * FROM syncfn.runs ORDER BY id DESC LIMIT $1::int) r
