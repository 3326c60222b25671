-- PostgreSQL 14+: a backend whose client died (kill -9, a lost machine)
-- notices within this interval during a long statement, rolls back and
-- frees the run lock, instead of running on for minutes.
SELECT pg_catalog.set_config('client_connection_check_interval', '2000', true)
