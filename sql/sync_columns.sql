-- The columns of table $1 (an oid) that rows can be read from or written
-- to: no dropped and no generated ones (generated = false filters them on
-- the target only, where $2 is true). text_cmp says the type has no
-- equality that implies an identical value (json, xml, point, float: -0 = 0,
-- numeric: 1.0 = 1.00, interval: 1 day = 24 hours, jsonb, non-deterministic
-- collations ...): such columns are compared as text. seq is a JSON array
-- of the sequences (quoted, schema-qualified) the column owns (serial or
-- identity) or its DEFAULT draws from (nextval(...) in pg_attrdef, found
-- through pg_depend, owned or not), only those that count upwards; NULL
-- when none. seq_int says whether the column is an integer that setval
-- can take.
-- cast_type is the type a same-database value is converted to before the
-- INSERT assigns it (the domain's base type, no typmod: named by its
-- schema and catalog name, since SQL's own names mean a length, as
-- character for character(1) or bit for bit(1)), so that the
-- assignment, not an explicit cast, applies the length: an error for a
-- value too long, as COPY gives, never a truncation. collation is the
-- column's collation, quoted, or NULL when the type has none. required:
-- an insert must give the column a value (NOT NULL, and neither a default
-- of its own or of its type, nor an identity, fills it). text_out is
-- the (base) type's output function, qualified, when its cast to text is
-- another function (bpchar's drops trailing blanks, bool's says "true",
-- inet's adds the netmask) or none (xml's stored text keeps a declaration
-- its output drops; string types' stored text is their output): the text
-- COPY writes is then textin(out(v)), not v::text. not_null: the column
-- is NOT NULL. builtin: the type COPY converts a value's text into (the
-- column's, or a domain's base type) is one of PostgreSQL's own, so the
-- other server has it too, with the same input and output. in_fn and in_args
-- call the input function of the type COPY converts a value's text into
-- (a domain's base type, which it then checks), the typmod included (the
-- column's, or the domain's over its base type): in_fn(text, in_args).
SELECT a.attname,
       pg_catalog.format_type(a.atttypid, a.atttypmod) AS type,
       a.attidentity = 'a' AS identity_always,
       NOT (
         COALESCE(co.collisdeterministic, true)
         AND (bt.typtype = 'e'
              OR bt.oid::regtype = ANY (safe.types)
              OR (bt.oid = 'numeric'::regtype AND t.typtype <> 'd'
                  AND a.atttypmod <> -1)
              OR (bt.typcategory = 'A'
                  AND (et.typtype = 'e' OR et.oid::regtype = ANY (safe.types))))
       ) AS text_cmp,
       seq.name AS seq,
       a.attgenerated <> '' AS generated,
       pg_catalog.quote_ident(ctn.nspname) || '.'
         || pg_catalog.quote_ident(ct.typname) AS cast_type,
       CASE WHEN a.attcollation <> 0
            THEN pg_catalog.quote_ident(cn.nspname) || '.'
                 || pg_catalog.quote_ident(co.collname) END AS collation,
       bt.oid IN ('int2'::regtype, 'int4'::regtype, 'int8'::regtype) AS seq_int,
       a.attnotnull AND NOT a.atthasdef AND a.attidentity = ''
         AND a.attgenerated = '' AND t.typdefault IS NULL
         AND t.typdefaultbin IS NULL AS required,
       (SELECT pg_catalog.quote_ident(pn.nspname) || '.'
               || pg_catalog.quote_ident(p.proname)
        FROM pg_catalog.pg_proc p
        JOIN pg_catalog.pg_namespace pn ON pn.oid = p.pronamespace
        WHERE p.oid = bt.typoutput
          AND EXISTS (SELECT FROM pg_catalog.pg_cast k
                      WHERE k.castsource = bt.oid
                        AND k.casttarget = 'pg_catalog.text'::pg_catalog.regtype
                        AND (k.castmethod = 'f'
                             OR (k.castmethod = 'b' AND bt.typcategory <> 'S'))))
         AS text_out,
       a.attnotnull AS not_null,
       ctn.nspname = 'pg_catalog' AS builtin,
       (SELECT pg_catalog.quote_ident(pn.nspname) || '.'
               || pg_catalog.quote_ident(p.proname)
        FROM pg_catalog.pg_proc p
        JOIN pg_catalog.pg_namespace pn ON pn.oid = p.pronamespace
        WHERE p.oid = ct.typinput) AS in_fn,
       (SELECT CASE WHEN p.pronargs = 1 THEN ''
                    ELSE ', ' || (CASE WHEN ct.typelem <> 0 THEN ct.typelem
                                       ELSE ct.oid END)::pg_catalog.int8
                         || '::pg_catalog.oid, '
                         || CASE WHEN t.typtype = 'd' THEN b.typmod
                                 ELSE a.atttypmod END END
        FROM pg_catalog.pg_proc p WHERE p.oid = ct.typinput) AS in_args
FROM pg_catalog.pg_attribute a
JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
-- a domain's base type, through domains over domains (PostgreSQL keeps
-- the chain acyclic, so the recursion ends), and the typmod its input
-- gets: that of the domain right over it, as getBaseTypeAndTypmod finds
JOIN LATERAL (
  WITH RECURSIVE chain(oid, typtype, typbasetype, typtypmod, over) AS (
    SELECT t.oid, t.typtype, t.typbasetype, t.typtypmod, -1
    UNION ALL
    SELECT p.oid, p.typtype, p.typbasetype, p.typtypmod, c.typtypmod
    FROM pg_catalog.pg_type p JOIN chain c ON p.oid = c.typbasetype
    WHERE c.typtype = 'd'
  )
  SELECT chain.oid AS base, chain.over AS typmod
  FROM chain WHERE chain.typtype <> 'd' LIMIT 1
) b ON true
JOIN pg_catalog.pg_type bt ON bt.oid = b.base
LEFT JOIN pg_catalog.pg_type et ON et.oid = bt.typelem AND bt.typcategory = 'A'
JOIN pg_catalog.pg_type ct ON ct.oid = CASE WHEN t.typtype = 'd' THEN bt.oid ELSE t.oid END
JOIN pg_catalog.pg_namespace ctn ON ctn.oid = ct.typnamespace
LEFT JOIN pg_catalog.pg_collation co ON co.oid = a.attcollation
LEFT JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace
CROSS JOIN (SELECT ARRAY['int2', 'int4', 'int8', 'oid', 'bool', 'text', 'varchar',
                         'name', '"char"', 'bytea', 'date', 'time', 'timestamp',
                         'timestamptz', 'uuid', 'inet', 'cidr', 'macaddr', 'money',
                         'bit', 'varbit']::regtype[] AS types) safe
LEFT JOIN LATERAL (
  SELECT pg_catalog.json_agg(pg_catalog.quote_ident(sn.nspname) || '.'
                             || pg_catalog.quote_ident(s.relname)
                             ORDER BY sn.nspname, s.relname) AS name
  FROM pg_catalog.pg_class s
  JOIN pg_catalog.pg_namespace sn ON sn.oid = s.relnamespace
  JOIN pg_catalog.pg_sequence ps ON ps.seqrelid = s.oid AND ps.seqincrement > 0
  WHERE s.relkind = 'S'
    AND s.oid IN (
      -- owned by the column (serial: 'a', identity: 'i')
      SELECT d.objid FROM pg_catalog.pg_depend d
      WHERE d.classid = 'pg_catalog.pg_class'::regclass
        AND d.refclassid = 'pg_catalog.pg_class'::regclass
        AND d.refobjid = a.attrelid AND d.refobjsubid = a.attnum
        AND d.deptype IN ('a', 'i')
      UNION
      -- named by the column's default
      SELECT d.refobjid FROM pg_catalog.pg_attrdef ad
      JOIN pg_catalog.pg_depend d
        ON d.classid = 'pg_catalog.pg_attrdef'::regclass AND d.objid = ad.oid
       AND d.refclassid = 'pg_catalog.pg_class'::regclass
      WHERE ad.adrelid = a.attrelid AND ad.adnum = a.attnum)
) seq ON true
WHERE a.attrelid = $1::oid
  AND a.attnum > 0
  AND NOT a.attisdropped
  AND (NOT $2::bool OR a.attgenerated = '')
ORDER BY a.attnum
