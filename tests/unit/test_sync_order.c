/* test_sync_order.c - the load order by foreign keys (sync_order_sort.h)
 * on random graphs, against a brute-force reading of its rules: a cycle
 * of NOT DEFERRABLE keys is refused exactly when there is one (depth-first
 * search), and otherwise every key is respected by the order but a
 * self-reference and a DEFERRABLE key inside a cycle, and tables free to
 * load in either order keep the given one. */
#include <stdint.h>
#include <stdlib.h>

#include "harness.h"
#include "sync_order_sort.h"

static uint64_t rng_state = 12345;

static unsigned rnd(unsigned below)
{
	rng_state = rng_state * 6364136223846793005u + 1442695040888963407u;
	return (unsigned)(rng_state >> 33) % below;
}

#define MAXN 9

/* Whether b is reachable from a by keys (child -> parent), using only NOT
 * DEFERRABLE keys when nd_only, self-references left out. */
static int path(int a, int b, const struct sync_fkey *e, int ne, int nd_only,
                char *seen)
{
	if (seen[a])
		return 0;
	seen[a] = 1;
	for (int i = 0; i < ne; i++) {
		if (e[i].child != a || e[i].child == e[i].parent ||
		    (nd_only && e[i].deferrable))
			continue;
		if (e[i].parent == b || path(e[i].parent, b, e, ne, nd_only, seen))
			return 1;
	}
	return 0;
}

static int reaches(int a, int b, const struct sync_fkey *e, int ne, int nd_only)
{
	char seen[MAXN] = { 0 };
	return path(a, b, e, ne, nd_only, seen);
}

static int nd_cycle(int n, const struct sync_fkey *e, int ne)
{
	for (int t = 0; t < n; t++)
		if (reaches(t, t, e, ne, 1))
			return 1;
	return 0;
}

static void check_graph(int n, const struct sync_fkey *e, int ne)
{
	int order[MAXN], pos[MAXN], defer;
	int r = sync_order_sort(n, e, ne, order, &defer);
	CHECK(r != -2);
	CHECK_INT(r >= 0, nd_cycle(n, e, ne));
	if (r >= 0) {
		/* the key named closes a cycle of NOT DEFERRABLE keys */
		CHECK(!e[r].deferrable && e[r].child != e[r].parent);
		CHECK(reaches(e[r].parent, e[r].child, e, ne, 1));
		return;
	}
	char placed[MAXN] = { 0 };
	for (int i = 0; i < n; i++) {
		CHECK(order[i] >= 0 && order[i] < n && !placed[order[i]]);
		placed[order[i]] = 1;
		pos[order[i]] = i;
	}
	int want_defer = 0;
	for (int i = 0; i < ne; i++) {
		int c = e[i].child, p = e[i].parent;
		if (c == p)
			continue;
		int in_cycle = reaches(p, c, e, ne, 0);
		if (e[i].deferrable && in_cycle)
			want_defer = 1;
		else
			CHECK(pos[p] < pos[c]);
	}
	CHECK_INT(defer, want_defer);
	/* stable: whenever a table goes before one given earlier, that one
	 * was still waiting for a parent not yet placed (else it would have
	 * gone first) */
	for (int i = 0; i + 1 < n; i++) {
		int low = order[i + 1];
		if (low > order[i])
			continue;
		int waits = 0;
		for (int k = 0; k < ne && !waits; k++) {
			int c = e[k].child, p = e[k].parent;
			if (c != low || p == low || pos[p] < i)
				continue;
			waits = !(e[k].deferrable && reaches(p, c, e, ne, 0));
		}
		CHECK(waits);
	}
}

TEST(no_keys_keeps_the_given_order)
{
	int order[4], defer;
	CHECK_INT(sync_order_sort(4, NULL, 0, order, &defer), -1);
	for (int i = 0; i < 4; i++)
		CHECK_INT(order[i], i);
	CHECK_INT(defer, 0);
}

TEST(parents_first_and_cycles)
{
	int order[3], defer;
	/* 0 -> 1 -> 2: 2, 1, 0 */
	struct sync_fkey chain[] = { { 0, 1, 0 }, { 1, 2, 0 } };
	CHECK_INT(sync_order_sort(3, chain, 2, order, &defer), -1);
	CHECK_INT(order[0], 2);
	CHECK_INT(order[1], 1);
	CHECK_INT(order[2], 0);
	/* a self-reference needs nothing */
	struct sync_fkey self[] = { { 1, 1, 0 } };
	CHECK_INT(sync_order_sort(3, self, 1, order, &defer), -1);
	CHECK_INT(order[0], 0);
	CHECK_INT(defer, 0);
	/* a cycle with one DEFERRABLE key: the other key's order, deferred */
	struct sync_fkey cyc[] = { { 0, 1, 1 }, { 1, 0, 0 } };
	CHECK_INT(sync_order_sort(2, cyc, 2, order, &defer), -1);
	CHECK_INT(order[0], 0);
	CHECK_INT(order[1], 1);
	CHECK_INT(defer, 1);
	/* NOT DEFERRABLE both ways: refused, naming one of them */
	struct sync_fkey bad[] = { { 0, 1, 0 }, { 1, 0, 0 } };
	int r = sync_order_sort(2, bad, 2, order, &defer);
	CHECK(r == 0 || r == 1);
}

TEST(random_graphs_against_brute_force)
{
	for (int round = 0; round < 30000; round++) {
		int n = 1 + (int)rnd(MAXN);
		int ne = (int)rnd((unsigned)(2 * n + 1));
		struct sync_fkey e[2 * MAXN + 1];
		for (int i = 0; i < ne; i++)
			e[i] = (struct sync_fkey){ (int)rnd((unsigned)n), (int)rnd((unsigned)n),
			                           rnd(3) == 0 };
		check_graph(n, e, ne);
	}
}

TEST_MAIN(CASE(no_keys_keeps_the_given_order) CASE(parents_first_and_cycles)
          CASE(random_graphs_against_brute_force))
