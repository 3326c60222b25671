/* sync_rules.h - per-table rules (SYNC_RULES): which rows of a table are
 * its scope, which columns are left alone, whether existing rows are
 * updated, whether target rows the source lacks are deleted (and within
 * which guard), and whether the target's own triggers fire.
 *
 * The runtime reads the JSON once at start (from the variable, or from
 * the file its "@/path" names) and hands the parsed tree to
 * sync_rules_parse(), which checks everything that needs no database and
 * says every problem at once, each with its path
 * (SYNC_RULES["public.orders"].delete.max_rows: ...). The engine then
 * checks the rest against the plan (the tables and columns exist, the
 * filter is accepted by both servers) before anything is written.
 *
 * This file is linked into the main binary (no libpq), like names.c.
 */
#ifndef SYNCFN_SYNC_RULES_H
#define SYNCFN_SYNC_RULES_H

#include <stddef.h>

struct cJSON;

/* The share of a table's rows in scope that `"delete": true` may delete. */
#define SYNC_RULES_DEFAULT_PERCENT 10.0

struct sync_rule {
	char *table;         /* the key as written: name, schema.name, "Q.N" */
	char *where;         /* boolean SQL over the table's columns; NULL:
	                        every row is in scope */
	char **exclude;      /* columns never written nor compared */
	int nexclude;
	int insert_only;     /* mode insert_only: existing rows never updated */
	int delete_rows;     /* delete target rows in scope the source lacks */
	long long max_rows;  /* the guard: -1 when no row limit */
	double max_percent;  /* the guard: -1 when no share limit */
	int cascade;         /* deletes may cascade / set null elsewhere */
	int skip_triggers;   /* triggers: skip (session_replication_role) */
	/* incremental: the watermark column (NULL: every run compares the
	 * whole table); lookback as seconds (a duration) or as a number
	 * (an integer column), whichever was written; full_every in
	 * seconds, -1 when only the first run and a rule change are full */
	char *incr_column;
	long long incr_lookback;
	int incr_lookback_number;
	long long incr_full_every;
	char *text;          /* this rule as compact JSON: a change of it
	                        makes the next incremental run a full one */
};

struct sync_rules {
	struct sync_rule *rule;
	int n;
	char *text;          /* the rules as compact JSON, for the run log */
	char hash[17];       /* 64-bit FNV-1a of text, hex */
};

/* Receives one problem, a line naming its path. */
typedef void sync_rules_problem_fn(void *ctx, const char *problem);

/* Fills out from json (the parsed SYNC_RULES); every problem goes to
 * problem. Returns the number of problems (out is emptied when there is
 * one), or -1 when memory ran out. */
int sync_rules_parse(const struct cJSON *json, struct sync_rules *out,
                     sync_rules_problem_fn *problem, void *ctx);
void sync_rules_free(struct sync_rules *rules);

/* Why where cannot be a row filter, without a server: empty, a `;`, a
 * comment, an unbalanced parenthesis, a dollar sign, or a subquery
 * (SELECT): the filter must read only the row's own columns, so that it
 * means the same on both servers. NULL when none of those. */
const char *sync_rules_where_problem(const char *where);

/* A duration ("90s", "1m", "24h", "7d", "0") in seconds; -1 when not
 * one. */
long long sync_rules_duration(const char *text);

#endif
