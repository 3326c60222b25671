/* setup_wait.h - `syncfn setup`'s last step: waits, bounded, for the run
 * that one QStash message started to settle in the run log (the target's
 * syncfn.runs, read through the sync engine as `syncfn status` reads it)
 * and prints its outcome on stdout. */
#ifndef SYNCFN_SETUP_WAIT_H
#define SYNCFN_SETUP_WAIT_H

#include "config.h"

/* Seconds added to SYNC_TIMEOUT for the default bound: the delivery, a
 * cold start, the connections. */
#define SETUP_WAIT_MARGIN_S 30

/* 0 when the message's run succeeded; 1 when it failed, or nothing
 * settled within wait_s seconds (then it says what it waited for and what
 * it last saw), the reason on stderr. */
int setup_wait_result(const struct config *cfg, const char *message_id,
                      long wait_s);

#endif
