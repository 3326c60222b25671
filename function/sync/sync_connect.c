/* sync_connect.c - the source's connection made while the target's is. */
#include "sync_connect.h"

#include <stdio.h>

static void *connect_source(void *arg)
{
	struct sync_connect *c = arg;
	c->st = sync_db_connect(c->db, "source", c->url, c->timeout_s,
	                        c->cancel, c->err, sizeof c->err);
	return NULL;
}

void sync_connect_start(struct sync_connect *c, struct sync_db *db,
                        const char *url, int timeout_s,
                        const atomic_int *cancel)
{
	*c = (struct sync_connect){ .db = db, .url = url,
	                            .timeout_s = timeout_s, .cancel = cancel };
	c->started = pthread_create(&c->thread, NULL, connect_source, c) == 0;
}

enum sync_status sync_connect_wait(struct sync_connect *c, char *err,
                                   size_t errlen)
{
	if (c->started)
		pthread_join(c->thread, NULL);
	else
		connect_source(c);
	c->started = 0;
	if (c->st != SYNC_OK)
		snprintf(err, errlen, "%s", c->err);
	return c->st;
}
