-- fill.sql - rows :lo .. :hi of the benchmark table t (psql -v lo=1 -v hi=N).
-- Deterministic, so two databases filled alike hold the same rows. One row
-- is about 175 bytes as COPY text, so 1,000,000 rows are ~170 MB; every
-- tenth attrs is NULL so IS DISTINCT FROM and NULL handling are exercised.
INSERT INTO t
SELECT g,
	'customer ' || g || ' ' || md5(g::text),
	(g * 7919) % 10000,
	((g * 104729) % 10000000) / 100.0,
	ARRAY['tag' || (g % 13), 'group' || (g % 101)],
	CASE WHEN g % 10 = 0 THEN NULL
	     ELSE jsonb_build_object('plan', 'p' || (g % 5), 'score', g % 997,
	                             'ref', md5((g * 31)::text)) END,
	timestamptz '2024-01-01 00:00:00+00' + g * interval '17 seconds',
	g % 3 <> 0
FROM generate_series(:lo::bigint, :hi::bigint) g;
