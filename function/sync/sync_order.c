/* sync_order.c - orders the plan's tables by the target's foreign keys:
 * parents before children, so each statement's checks find their rows.
 *
 * A self-reference needs nothing: a NOT DEFERRABLE key is checked at the
 * end of the statement, and each table is one statement. A cycle across
 * tables needs some of its keys deferred to commit, which PostgreSQL only
 * allows for DEFERRABLE keys: the tables of a cycle load in an order that
 * every NOT DEFERRABLE key allows, and only its DEFERRABLE keys wait for
 * the commit. A cycle of NOT DEFERRABLE keys alone cannot load in every
 * case, so the run stops before writing and names a key of it.
 *
 * A key declared on a partition (at any depth) is a key of the synced
 * partitioned table, and a key referencing a partition references that
 * table: both order the load, and close cycles, the same way. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fn_log.h"
#include "sql_text.h"
#include "sync_buf.h"
#include "sync_plan.h"

struct edge {
	int child, parent, deferrable;
	char name[128];
	char on[300], to[300]; /* the partitions it is declared on and
	                          references, or "" */
};

static int index_of(const struct sync_plan *plan, unsigned oid)
{
	for (int i = 0; i < plan->n; i++)
		if (plan->t[i].tgt_oid == oid)
			return i;
	return -1;
}

static enum sync_status read_edges(struct sync_plan *plan, struct sync_db *tgt,
                                   struct edge **edges, int *nedges,
                                   char *err, size_t errlen)
{
	struct sync_buf oids = { 0 };
	sync_buf_add(&oids, "{");
	for (int i = 0; i < plan->n; i++)
		sync_buf_addf(&oids, "%s%u", i ? "," : "", plan->t[i].tgt_oid);
	sync_buf_add(&oids, "}");
	const char *p[1] = { sync_buf_str(&oids) };
	PGresult *r;
	enum sync_status st = sync_db_exec(tgt, sql_sync_fkeys, 1, p, &r, NULL,
	                                   err, errlen);
	sync_buf_free(&oids);
	if (st != SYNC_OK)
		return st;
	int n = PQntuples(r);
	*edges = calloc((size_t)n + 1, sizeof **edges);
	if (!*edges) {
		PQclear(r);
		return SYNC_FAILED;
	}
	*nedges = 0;
	for (int i = 0; i < n; i++) {
		struct edge *e = &(*edges)[*nedges];
		e->child = index_of(plan, (unsigned)strtoul(PQgetvalue(r, i, 1),
		                                           NULL, 10));
		e->parent = index_of(plan, (unsigned)strtoul(PQgetvalue(r, i, 2),
		                                            NULL, 10));
		e->deferrable = strcmp(PQgetvalue(r, i, 3), "t") == 0;
		snprintf(e->name, sizeof e->name, "%s", PQgetvalue(r, i, 0));
		snprintf(e->on, sizeof e->on, "%s", PQgetvalue(r, i, 4));
		snprintf(e->to, sizeof e->to, "%s", PQgetvalue(r, i, 5));
		if (e->child >= 0 && e->parent >= 0)
			(*nedges)++;
	}
	PQclear(r);
	return SYNC_OK;
}

/* Transitive closure of the n x n relation m (Warshall). */
static void closure(char *m, int n)
{
	for (int k = 0; k < n; k++)
		for (int a = 0; a < n; a++)
			if (m[a * n + k])
				for (int b = 0; b < n; b++)
					if (m[k * n + b])
						m[a * n + b] = 1;
}

enum sync_status sync_plan_order(struct sync_plan *plan, struct sync_db *tgt,
                                 char *err, size_t errlen)
{
	struct edge *e = NULL;
	int ne = 0, n = plan->n;
	enum sync_status st = read_edges(plan, tgt, &e, &ne, err, errlen);
	if (st != SYNC_OK)
		return st;
	/* reach[a*n+b]: a references b, directly or not */
	char *reach = calloc((size_t)n * (size_t)n + 1, 1);
	char *nd = calloc((size_t)n * (size_t)n + 1, 1);
	int *order = calloc((size_t)n + 1, sizeof *order);
	char *done = calloc((size_t)n + 1, 1);
	struct sync_table *sorted = calloc((size_t)n + 1, sizeof *sorted);
	if (!reach || !nd || !order || !done || !sorted) {
		fn_err(err, errlen, "out of memory ordering tables");
		st = SYNC_FAILED;
		goto out;
	}
	for (int i = 0; i < ne; i++)
		reach[e[i].child * n + e[i].parent] = 1;
	closure(reach, n);
	/* nd[a*n+b]: a references b through NOT DEFERRABLE keys alone
	 * (self-references left out: one statement satisfies them) */
	for (int i = 0; i < ne; i++)
		if (!e[i].deferrable && e[i].child != e[i].parent)
			nd[e[i].child * n + e[i].parent] = 1;
	closure(nd, n);
	for (int i = 0; i < ne; i++) {
		int c = e[i].child, p = e[i].parent;
		if (c == p || !reach[p * n + c])
			continue; /* self-reference, or not in a cycle */
		if (!e[i].deferrable && nd[p * n + c]) {
			fn_err(err, errlen, "foreign key %s of table %s%s%s%s "
			       "closes a cycle of NOT DEFERRABLE keys (%s <-> "
			       "%s%s%s), so the rows cannot be loaded in any "
			       "order; make it DEFERRABLE (ALTER TABLE %s ALTER "
			       "CONSTRAINT %s DEFERRABLE) or sync these tables "
			       "separately", e[i].name, plan->t[c].label,
			       e[i].on[0] ? " (declared on its partition " : "",
			       e[i].on, e[i].on[0] ? ")" : "",
			       plan->t[c].label, plan->t[p].label,
			       e[i].to[0] ? ", through its partition " : "",
			       e[i].to,
			       e[i].on[0] ? e[i].on : plan->t[c].label,
			       e[i].name);
			st = SYNC_CONFIG;
			goto out;
		}
		if (e[i].deferrable)
			plan->defer = 1;
	}
	/* Kahn's algorithm, keeping the configured order among equals. A
	 * table waits for the parents of its NOT DEFERRABLE keys, and for
	 * every parent outside its own cycle; a DEFERRABLE key inside a
	 * cycle is checked at commit (SET CONSTRAINTS ALL DEFERRED), so its
	 * parent may come later. The NOT DEFERRABLE keys of a cycle have no
	 * cycle of their own (refused above), so a table is always ready. */
	for (int placed = 0; placed < n; placed++) {
		int pick = -1;
		for (int t = 0; t < n && pick < 0; t++) {
			if (done[t])
				continue;
			int ready = 1;
			for (int i = 0; i < ne && ready; i++) {
				int c = e[i].child, p = e[i].parent;
				if (c == t && p != t && !done[p] &&
				    !(e[i].deferrable && reach[p * n + c] &&
				      reach[c * n + p]))
					ready = 0;
			}
			if (ready)
				pick = t;
		}
		if (pick < 0) /* cannot happen: see above */
			for (pick = 0; done[pick]; pick++)
				;
		done[pick] = 1;
		order[placed] = pick;
	}
	for (int i = 0; i < n; i++)
		sorted[i] = plan->t[order[i]];
	memcpy(plan->t, sorted, sizeof *sorted * (size_t)n);
out:
	free(e);
	free(reach);
	free(nd);
	free(order);
	free(done);
	free(sorted);
	return st;
}
