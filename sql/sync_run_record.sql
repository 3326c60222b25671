-- Records one run. For a success this runs inside the data's transaction.
INSERT INTO syncfn.runs (started_at, finished_at, type, message_id, status,
                         statistics, error, answer_error)
VALUES ($1::timestamptz, clock_timestamp(), $2, $3, $4, $5::jsonb, $6, $7)
RETURNING id
