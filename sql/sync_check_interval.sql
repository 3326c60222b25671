-- PostgreSQL 14+: a backend whose client died notices within this
-- interval during a long statement, rolls back and frees the run lock,
-- instead of running on for minutes. A killed process's socket closes at
-- once; a lost machine's never does, so the backend's own TCP keepalives
-- (10 s idle, then 3 probes 5 s apart) and a 30 s bound on unacknowledged
-- data turn its silence into a dead socket within about 30 s, where the
-- operating system's defaults would wait two hours. Ignored on a Unix
-- socket. Transaction-local, like every setting of the run.
SELECT pg_catalog.set_config('client_connection_check_interval', '2000', true),
       pg_catalog.set_config('tcp_keepalives_idle', '10', true),
       pg_catalog.set_config('tcp_keepalives_interval', '5', true),
       pg_catalog.set_config('tcp_keepalives_count', '3', true),
       pg_catalog.set_config('tcp_user_timeout', '30000', true)
