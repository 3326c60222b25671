/* sync_order_sort.c - the load order by foreign keys (see
 * sync_order_sort.h). */
#include "sync_order_sort.h"

#include <assert.h>
#include <stdlib.h>

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

/* Whether table t may load now: each key of t waits for its parent,
 * but for a self-reference and a DEFERRABLE key inside t's cycle
 * (checked at commit, SET CONSTRAINTS ALL DEFERRED). */
static int ready(int t, const struct sync_fkey *e, int ne, const char *done,
                 const char *reach, int n)
{
	for (int i = 0; i < ne; i++) {
		int c = e[i].child, p = e[i].parent;
		if (c == t && p != t && !done[p] &&
		    !(e[i].deferrable && reach[p * n + c] && reach[c * n + p]))
			return 0;
	}
	return 1;
}

/* The first NOT DEFERRABLE key closing a cycle of NOT DEFERRABLE keys,
 * -1 when none; sets *defer when a DEFERRABLE key is inside a cycle. */
static int refused_key(const struct sync_fkey *e, int ne, const char *reach,
                       const char *nd, int n, int *defer)
{
	for (int i = 0; i < ne; i++) {
		int c = e[i].child, p = e[i].parent;
		if (c == p || !reach[p * n + c])
			continue; /* self-reference, or not in a cycle */
		if (!e[i].deferrable && nd[p * n + c])
			return i;
		if (e[i].deferrable)
			*defer = 1;
	}
	return -1;
}

int sync_order_sort(int n, const struct sync_fkey *e, int ne, int *order,
                    int *defer)
{
	*defer = 0;
	/* reach[a*n+b]: a references b, directly or not; nd: through NOT
	 * DEFERRABLE keys alone (self-references left out) */
	char *reach = calloc((size_t)n * (size_t)n + 1, 1);
	char *nd = calloc((size_t)n * (size_t)n + 1, 1);
	char *done = calloc((size_t)n + 1, 1);
	if (!reach || !nd || !done) {
		free(reach), free(nd), free(done);
		return -2;
	}
	for (int i = 0; i < ne; i++) {
		assert(e[i].child >= 0 && e[i].child < n);
		assert(e[i].parent >= 0 && e[i].parent < n);
		reach[e[i].child * n + e[i].parent] = 1;
		if (!e[i].deferrable && e[i].child != e[i].parent)
			nd[e[i].child * n + e[i].parent] = 1;
	}
	closure(reach, n);
	closure(nd, n);
	int refused = refused_key(e, ne, reach, nd, n, defer);
	/* Kahn's algorithm, keeping the given order among equals. A cycle's
	 * NOT DEFERRABLE keys have no cycle of their own (refused above), so
	 * some table is always ready. */
	for (int placed = 0; refused < 0 && placed < n; placed++) {
		int pick = -1;
		for (int t = 0; t < n && pick < 0; t++)
			if (!done[t] && ready(t, e, ne, done, reach, n))
				pick = t;
		assert(pick >= 0);
		done[pick] = 1;
		order[placed] = pick;
	}
	free(reach), free(nd), free(done);
	return refused;
}
