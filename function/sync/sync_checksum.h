/* sync_checksum.h - a two-database re-sync that moves only what changed.
 *
 * Both servers hash their own rows and aggregate the hashes per segment of
 * the key space, at the same time on the two connections; only the
 * segments' aggregates (16 bytes each) cross the network (for a table
 * the last run found alike, but for the target's own rows it counted,
 * first one count and hash of the whole table, those rows taken out,
 * which spares the servers the grouping when it still matches). Segments
 * whose count and hash agree are done. For the others each side sends
 * its rows' keys and hashes, the client picks the source rows that the
 * target lacks or holds with another hash, and only those rows are
 * fetched in full and go to the stage, as the copy diff's do
 * (sync_diff.h). */
#ifndef SYNCFN_SYNC_CHECKSUM_H
#define SYNCFN_SYNC_CHECKSUM_H

#include "sync_diff.h"
#include "sync_plan.h"

/* Whether t can be checksummed between src and tgt, and its setting
 * allows it (SYNC_CHECKSUM not off). When it cannot for a reason a
 * person should know about (not for tables the method simply does not
 * cover, such as composite keys, nor for the setting), why says so in
 * one line; otherwise why is "". */
int sync_checksum_possible(const struct sync_table *t, const struct sync_db *src,
                           const struct sync_db *tgt, char *why, size_t whylen);

/* Finds the source rows of t that are new or different on the target and
 * hands them (COPY text) to d->flush, as sync_diff_stream does; d->read is
 * the source's row count, d->staged how many rows went to the stage,
 * t->out.ck what was compared (sync_plan.h). Reads only, on both
 * sides, inside the run's transactions. A table whose hint is quiet (the
 * last run found it alike, but for the target-only rows it counted)
 * whose write counts have not moved since is first compared whole, one
 * count and one hash per side: equal once those rows are taken out, it
 * is done; else the segments follow, and count the target-only rows
 * again (t->out.ck.to_known) when nothing needs fetching. */
enum sync_status sync_checksum_stream(struct sync_db *src, struct sync_db *tgt,
                                      struct sync_table *t,
                                      const struct sync_request *req,
                                      struct sync_diff *d, char *err,
                                      size_t errlen);

/* For t about to be copied whole into an empty target (copy_direct):
 * when the checksum covers t, reads both servers' write counts into
 * t->out.ck.written and sets t->out.ck.copied. The copy leaves the
 * tables alike, so the statistics carry the counts and the next run
 * compares the whole tables first if neither has moved since but by the
 * rows copied
 * (sync_run_quiet.sql), as after a run that found them alike: a hint of
 * speed only, that comparison decides. */
enum sync_status sync_checksum_before_copy(struct sync_db *src,
                                           struct sync_db *tgt,
                                           struct sync_table *t, char *err,
                                           size_t errlen);

#endif
