/* sync_usage.h - what a run costs: bytes received from each server, CPU
 * time and peak memory of the process. */
#ifndef SYNCFN_SYNC_USAGE_H
#define SYNCFN_SYNC_USAGE_H

#include "sync_db.h"

/* Bytes received so far on db's connection, as the kernel counts them at
 * the socket (TCP_INFO tcpi_bytes_received: protocol, TLS and all); -1
 * when it is not a TCP connection (a Unix socket) or not connected. */
long long sync_usage_bytes(const struct sync_db *db);

struct sync_usage {
	double user_ms, sys_ms; /* CPU time of the process */
	long peak_rss_kb;       /* the process's peak resident set */
};

void sync_usage_now(struct sync_usage *u);

#endif
