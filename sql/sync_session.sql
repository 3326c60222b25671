-- Settings for the current transaction on both connections: text
-- round-trips exact and reads the same on both servers (dates,
-- intervals, floats, time zone, money, bytea), and bounded
-- waits ($1 statement_timeout, $2 lock_timeout) so a run never queues
-- forever behind production locks; no idle-in-transaction limit, since
-- the source's transaction waits while the target merges. is_local = true
-- (SET LOCAL) keeps them inside the transaction, as a pooler needs.
SELECT pg_catalog.set_config('DateStyle', 'ISO', true),
       pg_catalog.set_config('IntervalStyle', 'postgres', true),
       pg_catalog.set_config('extra_float_digits', '3', true),
       pg_catalog.set_config('TimeZone', 'UTC', true),
       pg_catalog.set_config('lc_monetary', 'C', true),
       pg_catalog.set_config('bytea_output', 'hex', true),
       pg_catalog.set_config('statement_timeout', $1, true),
       pg_catalog.set_config('lock_timeout', $2, true),
       pg_catalog.set_config('idle_in_transaction_session_timeout', '0', true)
