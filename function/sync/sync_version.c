/* sync_version.c - the libpq version, for `syncfn --version` (sync.h). */
#include <libpq-fe.h>
#include <stdio.h>

#include "sync.h"

const char *sync_libpq_version(void)
{
	/* static: the text outlives the call; written once, the same each time */
	static char text[32];
	int v = PQlibVersion();
	snprintf(text, sizeof text, "%d.%d", v / 10000, v % 10000);
	return text;
}
