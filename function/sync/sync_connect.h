/* sync_connect.h - the source's connection made while the target's is.
 *
 * A run needs both servers, and each connection costs round trips (TLS,
 * SCRAM's key stretching on both ends) that have nothing to do with the
 * other's: the source's is made on a thread of its own, started before
 * the target's, and waited for where the run first needs it. The thread
 * touches nothing but its own struct and the sync_db it fills. */
#ifndef SYNC_CONNECT_H
#define SYNC_CONNECT_H

#include <pthread.h>
#include <stdatomic.h>

#include "sync_db.h"

struct sync_connect {
	struct sync_db *db;
	const char *url;
	int timeout_s;
	const atomic_int *cancel;
	pthread_t thread;
	int started;          /* the thread runs; else the wait connects */
	enum sync_status st;
	char err[1024];
};

/* Starts connecting db to url (the source) on a thread; when no thread
 * can be made, sync_connect_wait connects in the caller's. */
void sync_connect_start(struct sync_connect *c, struct sync_db *db,
                        const char *url, int timeout_s,
                        const atomic_int *cancel);

/* Waits for the connection: SYNC_OK, or its error in err. Called exactly
 * once per start, also when the caller no longer needs the connection
 * (it then closes db itself). */
enum sync_status sync_connect_wait(struct sync_connect *c, char *err,
                                   size_t errlen);

#endif
