/* sync_plan.h - which tables a run syncs, in which order, and the SQL
 * fragments (quoted column lists, comparisons) each table's statements
 * are filled with. Built from both catalogs before anything is written.
 */
#ifndef SYNCFN_SYNC_PLAN_H
#define SYNCFN_SYNC_PLAN_H

#include <stdint.h>

#include "sync.h"
#include "sync_buf.h"
#include "sync_db.h"

struct cJSON;

struct sync_col {
	char *name;
	char *src_type;
	char *tgt_type;
	int is_key;
	int identity_always; /* GENERATED ALWAYS AS IDENTITY on the target */
	int text_cmp;        /* no exact equality: compare as text */
	char **seq;          /* target sequences the column owns or its
	                        default draws from, quoted, NULL-terminated;
	                        NULL when none */
	char *cast_type;     /* target type a same-database value is cast to
	                        before the INSERT assigns it (no typmod) */
	char *coll, *src_coll; /* quoted collations (target, source), or NULL */
	/* the output function, qualified, of a type whose cast to text is
	 * not it (bpchar, bool, inet ...: sync_col_text), or NULL; target
	 * and source */
	char *text_out, *src_text_out;
	int not_null;        /* NOT NULL on both sides */
	int tgt_builtin;     /* the type COPY converts into on the target
	                        (a domain's base type) is PostgreSQL's own,
	                        so the source has it too */
	/* the input function, qualified, of the type COPY converts a
	 * value's text into (a domain's base type, the domain's typmod) and
	 * the arguments after the text (", type, typmod"): in_fn(cstring
	 * in_args) is what COPY makes of it, less a domain's checks */
	char *in_fn, *in_args;
	int uncompared;      /* an earlier run saw a target trigger
	                        rewrite it (sync_fire.h): written, never
	                        compared */
};

/* Appends the text COPY writes for the value of expression expr (NULL
 * stays NULL): its type's output function, which is not always what
 * ::text calls (text_out, sync_col's). */
struct sync_buf;
void sync_col_text(struct sync_buf *b, const char *expr, const char *text_out);

/* The fragments a table's templates are filled with. */
struct sync_frag {
	char *src;      /* ONLY "schema"."table" on the source */
	char *src_table; /* "schema"."table" on the source */
	char *tgt;      /* "schema"."table" on the target */
	char *tgt_only; /* ONLY "schema"."table" (plain for partitioned) */
	char *cols;     /* "a", "b" */
	char *s_cols;   /* s."a", s."b" */
	char *diff_cols; /* c1, c2, ...: the columns of the partitioned
	                    merge's own row set, names no user name can
	                    collide with */
	char *s_key;    /* the source's key values as the target compares
	                   them: converted, with the target's collation */
	char *key;      /* "id" */
	char *join;     /* d."id" = s."id" AND ... */
	char *missing;  /* d."id" IS NULL */
	char *d_cmp, *s_cmp;   /* compared columns of target / source row */
	char *t_cmp, *x_cmp;   /* the same for the ON CONFLICT guard */
	char *set;      /* "a" = excluded."a", ...; NULL: nothing to update */
	char *set_src;  /* "a" = s."a" (as src_expr gives it), ...: the same
	                   for a plain UPDATE ... FROM the source */
	const char *overriding; /* "OVERRIDING SYSTEM VALUE" or "" */
	/* the rule's scope (SYNC_RULES where): tgt_scope reads the target's
	 * rows in scope ("(SELECT * FROM ... WHERE (...))", tgt_only when
	 * there is no filter; src above is filtered the same way);
	 * d_scope / t_scope are " AND <the row d / t is in scope>", or "" */
	char *tgt_scope, *d_scope, *t_scope;
	/* a table whose target has BEFORE row triggers (sync_fire.h):
	 * ret adds the written key and compared columns to the merge's
	 * RETURNING, rw reads from them the compared columns whose written
	 * value differs from the source's; both "" otherwise */
	char *ret, *rw;
	char *ret_d;    /* ret for the plain UPDATE, whose row is d */
};

/* An incremental rule (sync_incr.h): on .. hash are the plan (the
 * planner's, read-only after); full .. src_full are this run's state,
 * which sync_incr.c writes as the table's run starts and ends. */
struct sync_incr {
	int on;              /* the table has an incremental rule */
	char kind;           /* 'z' timestamptz, 't' timestamp, 'd' date,
	                        'i' integer */
	char *col;           /* the column, quoted for the source */
	char *type;          /* its type as SQL writes it */
	char hash[17];       /* of the rule and the table's columns */
	int full;            /* this run compares the whole table */
	const char *reason;  /* why it is full */
	char *prev;          /* the watermark the run started from, or NULL */
	char *from, *to;     /* read from (partial runs); stored after */
	char *src_full;      /* f.src while a partial run filters it */
};

/* A table's target triggers that may rewrite what the merge writes
 * (sync_fire.h): the enabled BEFORE row INSERT/UPDATE triggers (names,
 * the hash of their definitions), NULL when none or skipped, read by the
 * planner; the columns this run found them rewriting ("a, b"), or NULL,
 * written by the merge. */
struct sync_fire_state {
	char *triggers;
	char hash[33];
	int recorded;        /* syncfn.rewritten can be read */
	char *found;
	unsigned char *found_cols; /* per column: found rewritten (NULL
	                              until the first); the plan's
	                              cols[].uncompared stay as planned */
	int user_triggers;   /* the target's user triggers of any kind that
	                        are not disabled (the planner's), -1 unread */
};

/* A delete rule's working state on one run (sync_delete.c), with what
 * the checksum path leaves for it: the table is compared before any
 * table is written (pre_diffed; pre_staged rows wait in its stage for
 * its turn, pre_tgt_bytes came from the target then), the checksum
 * keeping the keys of the target-only rows it meets (collect) in to_keys
 * (ck_keep_key's format), and the target's rows in scope in tgt_rows;
 * keys_all: every target-only row was met with its key (else the
 * source's keys are streamed, as off the checksum); listed: the deletes
 * are those keys; counted: the guard counted the deletes, before the
 * first write (only such a table deletes). */
struct sync_delete_state {
	int pre_diffed, collect, keys_all;
	int listed, counted;
	long long pre_staged, pre_tgt_bytes, tgt_rows;
	struct sync_buf to_keys;
};

/* The checksum's hint from the run log (sync_runlog.c writes it before
 * the table runs, the checksum reads it): the last run found every
 * segment alike, or alike but for the target's own rows (quiet), with
 * the servers' write counts then (source, target; -1 unknown): when they
 * have not moved since, the whole table is compared first. Target-only
 * rows (keys the source lacks: prod's own): how many and the XOR of
 * their row hashes, as the last run knew them. */
struct sync_ck_hint {
	int quiet;
	long long written[2];
	long long to_rows;
	uint64_t to_hash;
	/* not from the run log: the source's table takes at least four
	 * times the target's bytes (sync_table.c's use_checksum), so its
	 * scans get one parallel worker (sql/sync_checksum_worker.sql) */
	int src_worker;
};

/* What the checksum found (sync_checksum.c): the whole table was
 * compared first (whole); the servers' write counts now (source,
 * target; -1 unknown); segments compared (1: the whole table, which
 * matched), how many differed; target-only rows as this run found them
 * (to_known: every one was counted and nothing was fetched, so the next
 * run may compare the whole tables with them taken out). copied: copied
 * into an empty target, with the write counts
 * (sync_checksum_before_copy). */
struct sync_ck_result {
	int whole, to_known, copied;
	long long written[2];
	long long segments, differing;
	long long to_rows;
	uint64_t to_hash;
};

/* What the run did to one table: written by the stage that produces
 * each figure (sync_table.c, sync_delete.c, sync_sequence.c, sync_run.c),
 * read for the statistics, the logs and the run log. */
struct sync_outcome {
	long long source_rows, inserted, updated;
	long long delete_found, deleted; /* a delete rule's rows: counted
	                                    before any write, deleted */
	long long keys_bytes; /* a delete rule's source keys, read before
	                        the table's run (two databases) */
	double copy_ms, analyze_ms, merge_ms, count_ms, diff_ms, total_ms;
	/* "insert_select", "insert_direct", "copy_direct", "copy_stage",
	 * "copy_diff", "checksum" */
	const char *method;
	/* why the checksum could not run ("" if it did or was not meant
	 * to); bytes received from each server while the table ran, -1
	 * when not measurable */
	char fallback[400];
	long long src_bytes, tgt_bytes;
	int sequences_advanced;
	struct sync_ck_result ck;
};

/* One table of the run. The plan, src_schema .. checksum, is written
 * by the planner (sync_plan_build; checksum from the settings as the run
 * starts) and read-only after: a stage that only reads it takes a const
 * struct sync_table. The rest has its writers named at its struct: incr
 * and fire are part plan, part this run's findings; del is a delete
 * rule's working state; hint comes from the run log before the table
 * runs (but src_worker, from the tables' sizes); out is what the run
 * did, reported in the statistics. */
struct sync_table {
	char *src_schema, *src_name, *tgt_schema, *tgt_name;
	char label[300];     /* "public.orders" (target), for messages */
	char src_label[300];
	unsigned src_oid, tgt_oid;
	char key_index[128]; /* the target index rows are matched on */
	int key_converted;   /* same database: a key column is converted or
	                        collated differently on the way */
	int tgt_partitioned, src_partitioned;
	int from_star;       /* found by SYNC_TABLES=*, not named */
	char *required;      /* target-only columns an insert cannot fill
	                        (NOT NULL, no default): "a, b", or NULL */
	int skipped;         /* from_star without a usable key: left out */
	int src_generated;   /* a synced column is generated on the source */
	int tgt_rls;         /* target has row level security enabled */
	long long estimate;  /* source reltuples, -1 unknown */
	const struct sync_rule *rule; /* its SYNC_RULES entry, or NULL */
	int insert_only;     /* the rule's mode: existing rows never updated */
	unsigned excluded_key; /* bit k: the rule's exclude_columns[k] is a
	                          key column (no fragments then: the run
	                          stops on the rule's problem) */
	struct sync_col *cols;
	int ncols;
	struct sync_frag f;
	/* checksum method (sync_checksum.h) as configured */
	enum sync_checksum checksum;

	struct sync_incr incr;
	struct sync_fire_state fire;
	struct sync_delete_state del;
	struct sync_ck_hint hint;
	struct sync_outcome out;
};

struct sync_plan {
	struct sync_table *t;  /* in load order: parents first */
	int n;
	int defer;             /* SET CONSTRAINTS ALL DEFERRED is needed */
	struct cJSON *warnings; /* array of strings */
	struct cJSON *skipped;  /* array of the labels of the tables that
	                           SYNC_TABLES=* found without a usable key
	                           and left out (each also a warning) */
	struct sync_buf problems; /* every SYNC_RULES problem found, "; "
	                             between them: reported at once */
	const char *tables_var; /* where the tables were named, for errors:
	                           "SYNC_TABLES" or "--tables" */
};

/* Resolves the tables of one run: tables is s->tables, or the run's own
 * list (syncfn sync --tables), which its errors then name; NULL or empty
 * is "*". same: src and tgt are one connection.
 * Warnings (source-only / target-only columns, RLS) are logged and kept
 * in plan->warnings. SYNC_CONFIG when it can never work as configured; a
 * table that SYNC_TABLES=* found without a usable key is left out with a
 * warning instead (plan->skipped), a named one is SYNC_CONFIG. */
enum sync_status sync_plan_build(struct sync_plan *plan, struct sync_db *src,
                                 struct sync_db *tgt,
                                 const struct sync_settings *s,
                                 const char *tables,
                                 const struct fn_logger *log, char *err,
                                 size_t errlen);
void sync_plan_free(struct sync_plan *plan);

/* A warning about table, logged and kept in plan->warnings (cut to 700
 * bytes). */
void sync_plan_warn(struct sync_plan *plan, const struct fn_logger *log,
                    const char *table, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Sorts plan->t by foreign keys of the target (parents first), sets
 * plan->defer when a cycle of deferrable keys needs it, and fails with
 * SYNC_CONFIG naming a NOT DEFERRABLE key that closes a cycle. */
enum sync_status sync_plan_order(struct sync_plan *plan, struct sync_db *tgt,
                                 char *err, size_t errlen);

/* The column (by name) of t, or NULL. */
const struct sync_col *sync_plan_col(const struct sync_table *t,
                                     const char *name);

#endif
