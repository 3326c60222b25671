-- Closes a claimed run $1 with status $2, statistics $3, error $4 (the
-- full text) and answer_error $5 (as answered); for a success this runs
-- inside the data's transaction.
UPDATE syncfn.runs
SET finished_at = clock_timestamp(), status = $2, statistics = $3::jsonb,
    error = $4, answer_error = $5
WHERE id = $1::bigint
RETURNING id
