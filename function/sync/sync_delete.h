/* sync_delete.h - a table rule's "delete": the target rows in scope whose
 * key the source (in scope) lacks, behind a guard counted before the
 * run's first write.
 *
 * sync_delete_check (planning) refuses a table that others reference
 * with ON DELETE CASCADE / SET NULL / SET DEFAULT unless the rule says
 * "cascade": true. sync_delete_count (before any table is written) finds
 * each table's deletes (in one database against the source table; between
 * two, a table that takes the checksum is compared then and its deletes
 * are the target-only keys the comparison met, sync_table_diff_first;
 * else, or where a target-only row went without its key, against the
 * source's keys in scope copied into a temporary table) and
 * trips the guard: more than max_rows, more than max_percent of the
 * target's rows in scope, or every row in scope (an empty scope on the
 * source never empties the target, unless max_percent is 100).
 * sync_delete_apply runs after every table's inserts and updates, in the
 * reverse of the load order (children before parents).
 */
#ifndef SYNCFN_SYNC_DELETE_H
#define SYNCFN_SYNC_DELETE_H

#include "sync_plan.h"

/* Adds a problem to plan->problems for each delete rule whose table is
 * referenced with a writing ON DELETE action without "cascade": true. */
enum sync_status sync_delete_check(struct sync_plan *plan, struct sync_db *tgt,
                                   char *err, size_t errlen);

/* Counts every delete rule's rows; SYNC_GUARD (err names the table, the
 * count, the share and the limit) when a guard trips. */
enum sync_status sync_delete_count(struct sync_plan *plan, struct sync_db *src,
                                   struct sync_db *tgt, int same,
                                   const struct sync_request *req, char *err,
                                   size_t errlen);

/* Deletes, children first; fills t->deleted. */
enum sync_status sync_delete_apply(struct sync_plan *plan, struct sync_db *tgt,
                                   int same, char *err, size_t errlen);

#endif
