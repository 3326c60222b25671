-- The run log's summary, as one JSON object: when the last run committed
-- ('ok') and how many seconds ago by the server's clock, when the last
-- run was made, how many runs failed since that success, and the newest
-- of those failures' error as its answer said it (no row data; the same
-- choice as sync_run_list.sql). A dry run, a run refused as busy and a
-- run still running are no outcome: they neither succeed nor fail.
WITH last_ok AS (
  SELECT r.id, COALESCE(r.finished_at, r.started_at) AS at
  FROM syncfn.runs r WHERE r.status = 'ok' ORDER BY r.id DESC LIMIT 1
), failures AS (
  SELECT r.* FROM syncfn.runs r
  WHERE r.id > COALESCE((SELECT id FROM last_ok), 0)
    AND r.status IN ('failed', 'config_error', 'guard_tripped', 'cancelled',
                     'unreachable', 'abandoned', 'delivery_failed')
), last_run AS (
  SELECT r.started_at FROM syncfn.runs r
  WHERE r.status NOT IN ('dry_run', 'busy') ORDER BY r.id DESC LIMIT 1
)
SELECT json_build_object(
  'last_success_at', (SELECT to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') FROM last_ok),
  'age_s', (SELECT GREATEST(0, floor(extract(epoch FROM now() - at)))::bigint FROM last_ok),
  'last_run_at', (SELECT to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') FROM last_run),
  'consecutive_failures', (SELECT count(*) FROM failures),
  'last_error', (SELECT CASE
      WHEN f.status IN ('delivery_failed', 'abandoned') THEN f.error
      WHEN to_jsonb(f) ->> 'answer_error' IS NOT NULL
        THEN to_jsonb(f) ->> 'answer_error'
      WHEN f.error IS NOT NULL
        THEN 'recorded by an older syncfn: the text is in syncfn.runs.error'
      ELSE f.status
    END FROM failures f ORDER BY f.id DESC LIMIT 1)
)::text
