/* request_id.h - the id that tags every log line and response of one
 * request: the platform's (Fly-Request-Id, X-Request-Id) when it is
 * sane, else a fresh random one. */
#ifndef SYNCFN_REQUEST_ID_H
#define SYNCFN_REQUEST_ID_H

#include <stddef.h>

#define REQUEST_ID_MAX 64

/* Copies given into out if it is 1..63 characters of [A-Za-z0-9._:-],
 * else writes 16 random hex digits. */
void request_id_make(const char *given, char out[REQUEST_ID_MAX]);

#endif
