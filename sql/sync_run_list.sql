-- The latest $1 runs, newest first, as one JSON array.
SELECT COALESCE(json_agg(json_build_object(
         'id', r.id,
         'started_at', to_char(r.started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
         'finished_at', to_char(r.finished_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
         'type', r.type,
         'message_id', r.message_id,
         'status', r.status,
         'statistics', r.statistics,
         'error', CASE
           -- the answer's own text (no row data); error, with
           -- PostgreSQL's message and DETAIL, stays in the table
           WHEN r.status IN ('delivery_failed', 'abandoned') THEN r.error
           WHEN to_jsonb(r) ->> 'answer_error' IS NOT NULL
             THEN to_jsonb(r) ->> 'answer_error'
           WHEN r.error IS NOT NULL
             THEN 'recorded by an older syncfn: the text is in syncfn.runs.error'
         END) ORDER BY r.id DESC), '[]')::text
FROM (SELECT * FROM syncfn.runs ORDER BY id DESC LIMIT $1::int) r
