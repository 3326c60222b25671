/* sync_order.c - orders the plan's tables by the target's foreign keys:
 * parents before children, so each statement's checks find their rows.
 * The keys are read here; the order, and which cycles are refused, is
 * sync_order_sort.c's.
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
#include "sync_order_sort.h"
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

enum sync_status sync_plan_order(struct sync_plan *plan, struct sync_db *tgt,
                                 char *err, size_t errlen)
{
	struct edge *e = NULL;
	int ne = 0, n = plan->n, defer = 0;
	enum sync_status st = read_edges(plan, tgt, &e, &ne, err, errlen);
	if (st != SYNC_OK)
		return st;
	struct sync_fkey *k = calloc((size_t)ne + 1, sizeof *k);
	int *order = calloc((size_t)n + 1, sizeof *order);
	struct sync_table *sorted = calloc((size_t)n + 1, sizeof *sorted);
	int refused = k && order && sorted ? -1 : -2;
	for (int i = 0; refused == -1 && i < ne; i++)
		k[i] = (struct sync_fkey){ e[i].child, e[i].parent, e[i].deferrable };
	if (refused == -1)
		refused = sync_order_sort(n, k, ne, order, &defer);
	if (refused == -2) {
		fn_err(err, errlen, "out of memory ordering tables");
		st = SYNC_FAILED;
	} else if (refused >= 0) {
		const struct edge *x = &e[refused];
		int c = x->child, p = x->parent;
		fn_err(err, errlen, "foreign key %s of table %s%s%s%s "
		       "closes a cycle of NOT DEFERRABLE keys (%s <-> "
		       "%s%s%s), so the rows cannot be loaded in any "
		       "order; make it DEFERRABLE (ALTER TABLE %s ALTER "
		       "CONSTRAINT %s DEFERRABLE) or sync these tables "
		       "separately", x->name, plan->t[c].label,
		       x->on[0] ? " (declared on its partition " : "",
		       x->on, x->on[0] ? ")" : "",
		       plan->t[c].label, plan->t[p].label,
		       x->to[0] ? ", through its partition " : "",
		       x->to, x->on[0] ? x->on : plan->t[c].label, x->name);
		st = SYNC_CONFIG;
	} else {
		plan->defer = plan->defer || defer;
		for (int i = 0; i < n; i++)
			sorted[i] = plan->t[order[i]];
		memcpy(plan->t, sorted, sizeof *sorted * (size_t)n);
	}
	free(e);
	free(k);
	free(order);
	free(sorted);
	return st;
}
