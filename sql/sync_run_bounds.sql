-- Bounds for the run log read or written outside a run, in a transaction
-- of its own: the status route, a busy answer's Retry-After, a failed
-- delivery's record, the CLI's timeout check. They answer an HTTP request
-- or a person, so a session holding a lock on syncfn.runs (a VACUUM FULL,
-- an ALTER TABLE) makes them fail in seconds rather than hang the answer;
-- fixed, since the run's own bounds may be none.
SELECT pg_catalog.set_config('lock_timeout', '2s', true),
       pg_catalog.set_config('statement_timeout', '10s', true)
