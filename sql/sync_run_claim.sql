-- Claims a run before its work, committed on its own so that other
-- deliveries see it: $1 started_at, $2 type, $3 message id, $4 instance.
INSERT INTO syncfn.runs (started_at, type, message_id, status, instance)
VALUES ($1::timestamptz, $2, $3, 'running', $4)
RETURNING id
