-- Run under the run lock: a 'running' row whose lock is free belongs to a
-- process that died (its transaction rolled back with it).
UPDATE syncfn.runs
SET status = 'abandoned', finished_at = clock_timestamp(),
    error = 'the process running it ended before the run finished; nothing of it was applied'
WHERE status = 'running'
RETURNING id, COALESCE(message_id, ''), COALESCE(instance, '')
