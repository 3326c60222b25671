/* sync_dupkey.h - refuses a source that holds one key more than once.
 *
 * The merge compares each source row with the target row of its key; two
 * source rows with one key would take turns on the target, run after run,
 * each reported as an update. So every path refuses them, with one
 * message. */
#ifndef SYNCFN_SYNC_DUPKEY_H
#define SYNCFN_SYNC_DUPKEY_H

#include "sync_db.h"
#include "sync_plan.h"

/* Writes the error naming table t and its key; returns SYNC_FAILED. */
enum sync_status sync_dupkey_error(const struct sync_table *t, char *err,
                                   size_t errlen);

/* Same database: checks the source rows of t for a repeated key, unless
 * a unique index on the source rules that out. */
enum sync_status sync_dupkey_check_source(const struct sync_table *t,
                                          struct sync_db *db,
                                          const char *what, char *err,
                                          size_t errlen);

/* Two databases: puts a unique index on the key of the stage (filled by
 * COPY); a repeated key fails with sync_dupkey_error's message. */
enum sync_status sync_dupkey_index_stage(const struct sync_table *t,
                                         struct sync_db *tgt,
                                         const char *stage, const char *what,
                                         char *err, size_t errlen);

#endif
