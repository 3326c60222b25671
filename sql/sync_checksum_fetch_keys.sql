-- The keys of the next fetch (sync_checksum_fetch.sql), $1 an array
-- literal, for the rest of the transaction or the next fetch.
SELECT pg_catalog.set_config('syncfn.fetch_keys', $1, true)
