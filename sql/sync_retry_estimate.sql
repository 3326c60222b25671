-- For a delivery that finds a sync running: the longest of the last five
-- successful runs and how long the running one has run (seconds; NULL
-- when unknown).
SELECT (SELECT max(EXTRACT(EPOCH FROM r.finished_at - r.started_at))
        FROM (SELECT started_at, finished_at FROM syncfn.runs
              WHERE status = 'ok' AND finished_at IS NOT NULL
              ORDER BY id DESC LIMIT 5) r)::float8,
       (SELECT EXTRACT(EPOCH FROM clock_timestamp() - started_at)
        FROM syncfn.runs WHERE status = 'running'
        ORDER BY id DESC LIMIT 1)::float8
