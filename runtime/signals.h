/* signals.h - SIGTERM and SIGINT, delivered to a callback on a thread of
 * their own instead of interrupting whatever runs.
 *
 * signals_start() blocks both signals in the calling thread (so in every
 * thread created after it) and starts a thread that waits for them and
 * calls on_signal(ctx, signo) for each. Call it before starting any other
 * thread. Returns 0, or -1 with a message in err.
 */
#ifndef SYNCFN_SIGNALS_H
#define SYNCFN_SIGNALS_H

#include <stddef.h>

typedef void signals_fn(void *ctx, int signo);

int signals_start(signals_fn *on_signal, void *ctx, char *err, size_t errlen);

#endif
