-- Closes a claimed run $1 with status $2, statistics $3 and error $4; for
-- a success this runs inside the data's transaction.
UPDATE syncfn.runs
SET finished_at = clock_timestamp(), status = $2, statistics = $3::jsonb,
    error = $4
WHERE id = $1::bigint
RETURNING id
