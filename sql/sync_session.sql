-- Settings for the current transaction on both connections: text
-- round-trips exact and reads the same on both servers, whatever the
-- database's or role's defaults (ALTER DATABASE ... SET): dates,
-- intervals, floats, time zone, money, bytea, arrays (array_nulls: a
-- NULL element stays a NULL, not the string "NULL"), xml (xmloption:
-- fragments as well as documents), string literals
-- (standard_conforming_strings), quoting (quote_all_identifiers), and
-- name lookup: pg_catalog first in the search_path, so a schema of the
-- database's path cannot stand in for a built-in function, operator or
-- type (the rest of the path stays, for the target's triggers).
-- Bounded waits ($1 statement_timeout, $2 lock_timeout) so a run never
-- queues forever behind production locks; no idle-in-transaction limit,
-- since the source's transaction waits while the target merges.
-- is_local = true (SET LOCAL) keeps them inside the transaction, as a
-- pooler needs.
SELECT pg_catalog.set_config('search_path',
         'pg_catalog, ' || pg_catalog.current_setting('search_path'), true),
       pg_catalog.set_config('DateStyle', 'ISO, MDY', true),
       pg_catalog.set_config('IntervalStyle', 'postgres', true),
       pg_catalog.set_config('extra_float_digits', '3', true),
       pg_catalog.set_config('TimeZone', 'UTC', true),
       pg_catalog.set_config('lc_monetary', 'C', true),
       pg_catalog.set_config('bytea_output', 'hex', true),
       pg_catalog.set_config('array_nulls', 'on', true),
       pg_catalog.set_config('xmloption', 'content', true),
       pg_catalog.set_config('standard_conforming_strings', 'on', true),
       pg_catalog.set_config('quote_all_identifiers', 'off', true),
       pg_catalog.set_config('client_encoding', 'UTF8', true),
       pg_catalog.set_config('statement_timeout', $1, true),
       pg_catalog.set_config('lock_timeout', $2, true),
       pg_catalog.set_config('idle_in_transaction_session_timeout', '0', true)
