/* version.c - see version.h. */
#include "version.h"

#include <civetweb.h>
#include <cjson/cJSON.h>
#include <mbedtls/version.h>

#include "engines.h"

#ifndef SYNCFN_COMMIT
#define SYNCFN_COMMIT "unknown"
#endif

void version_print(FILE *out)
{
	char mbed[32], err[512];
	mbedtls_version_get_string(mbed);
	fprintf(out, "syncfn %s (commit %s)\n", SYNCFN_VERSION, SYNCFN_COMMIT);
	fprintf(out, "  civetweb %s\n  cJSON %s\n  mbedTLS %s\n", mg_version(),
	        cJSON_Version(), mbed);
	sync_libpq_version_fn *pq = engines_sync_libpq_version(err, sizeof err);
	fprintf(out, "  libpq %s\n", pq ? pq() : err);
	schedule_libcurl_version_fn *curl =
		engines_schedule_libcurl_version(err, sizeof err);
	fprintf(out, "  libcurl %s\n", curl ? curl() : err);
}
