/* http_server.h - the civetweb runtime: one process, one invocation.
 *
 * http_server_run() listens on 0.0.0.0:port, answers every request from
 * civetweb's begin_request callback (which exists before any worker
 * runs, so a request that arrives the moment the port opens is never
 * lost), and ends the process itself:
 *   - once:      right after the first invocation's connection closed;
 *   - idle_exit: after that many seconds without an invocation;
 *   - SIGTERM/SIGINT: new invocations get 503, an in-flight one may
 *     finish within cfg->shutdown_grace_s, then it is cancelled (the
 *     sync rolls back); a second signal cancels at once.
 * The process leaves with _exit(): civetweb 1.15's mg_stop() needs about
 * two seconds and there is nothing left to clean up.
 */
#ifndef SYNCFN_HTTP_SERVER_H
#define SYNCFN_HTTP_SERVER_H

#include "config.h"

struct serve_opts {
	int port;        /* overrides cfg->port when > 0 */
	int once;
	int idle_exit_s; /* 0 = never */
};

/* Returns only on failure to start, with exit status 1. */
int http_server_run(const struct config *cfg, const struct serve_opts *opts);

#endif
