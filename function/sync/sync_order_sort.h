/* sync_order_sort.h - the load order of tables linked by foreign keys,
 * as arithmetic on a graph: no server, so that it is tested alone
 * (tests/unit) against a brute-force reading of the same rules.
 *
 * Parents load before children. A self-reference needs nothing (each
 * table is one statement, and a NOT DEFERRABLE key is checked at its
 * end). A cycle across tables loads in an order its NOT DEFERRABLE keys
 * allow, its DEFERRABLE keys waiting for the commit; a cycle of NOT
 * DEFERRABLE keys alone cannot load in every case, and is refused. */
#ifndef SYNCFN_SYNC_ORDER_SORT_H
#define SYNCFN_SYNC_ORDER_SORT_H

/* A foreign key: table child references table parent (indexes into the
 * tables, 0 .. n - 1). */
struct sync_fkey {
	int child, parent;
	int deferrable;
};

/* Orders tables 0 .. n - 1 by the keys e[0 .. ne - 1] into order[]
 * (n entries: the table to load first, ...), keeping the given order
 * among tables that may load in either. *defer is set to 1 when a
 * DEFERRABLE key inside a cycle must wait for the commit, else 0.
 * Returns -1 when ordered, -2 when out of memory, else the index of a
 * NOT DEFERRABLE key that closes a cycle of NOT DEFERRABLE keys (order
 * is then not filled). */
int sync_order_sort(int n, const struct sync_fkey *e, int ne, int *order,
                    int *defer);

#endif
