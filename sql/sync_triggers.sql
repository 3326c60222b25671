-- The user triggers of table $1 (an oid) on the target, named for a
-- message: the ones "triggers": "skip" keeps from firing.
SELECT coalesce(pg_catalog.string_agg(pg_catalog.quote_ident(tgname), ', '
                                      ORDER BY tgname), '')
FROM pg_catalog.pg_trigger
WHERE tgrelid = $1::oid AND NOT tgisinternal
