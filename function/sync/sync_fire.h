/* sync_fire.h - "triggers": "fire" (the default rule) without churn: a
 * target BEFORE row trigger that rewrites a column (moddatetime, an ORM's
 * updated_at) would make every re-sync update the rows it touched again.
 *
 * Only a table whose target has enabled user BEFORE row triggers on
 * INSERT or UPDATE pays for this: its merge returns what it wrote and
 * compares it, in the same statement, with the source's values; a
 * compared column whose written value differs was rewritten by one of
 * those triggers. The run warns once per table, and records the columns
 * in syncfn.rewritten (in the run's transaction) with a hash of the
 * triggers' definitions and functions. Later runs, while the hash is the
 * same, leave those columns out of every comparison (written still, as an
 * excluded column is not). */
#ifndef SYNCFN_SYNC_FIRE_H
#define SYNCFN_SYNC_FIRE_H

#include "fn_log.h"
#include "sync_plan.h"

/* Reads t's triggers on the target (unless its rule skips them) and the
 * columns recorded for them, which it marks uncompared. Before the
 * table's fragments are built. */
enum sync_status sync_fire_read(struct sync_table *t, struct sync_db *tgt,
                                char *err, size_t errlen);

/* Takes the merge's answer (the 1-based indexes of the rewritten
 * columns, "3,5", or "") into t->fire.found and found_cols; the plan's
 * comparisons stay as they were for the rest of the run. -1 out of
 * memory. */
int sync_fire_found(struct sync_table *t, const char *indexes);

/* After t's writes: warns about the columns found rewritten and records
 * them (with those recorded before, under the same triggers). */
enum sync_status sync_fire_finish(struct sync_plan *plan, struct sync_table *t,
                                  struct sync_db *tgt,
                                  const struct fn_logger *log, char *err,
                                  size_t errlen);

#endif
