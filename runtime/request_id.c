/* request_id.c - see request_id.h. */
#include "request_id.h"

#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

static int acceptable(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n == 0 || n >= REQUEST_ID_MAX)
		return 0;
	/* Only characters that cannot break a log line or a header. */
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	                 "0123456789._:-") == n;
}

void request_id_make(const char *given, char out[REQUEST_ID_MAX])
{
	if (acceptable(given)) {
		snprintf(out, REQUEST_ID_MAX, "%s", given);
		return;
	}
	unsigned char r[8];
	if (getrandom(r, sizeof r, GRND_NONBLOCK) != (ssize_t)sizeof r) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		memcpy(r, &ts.tv_nsec, sizeof r < sizeof ts.tv_nsec ? sizeof r : sizeof ts.tv_nsec);
	}
	for (size_t i = 0; i < sizeof r; i++)
		snprintf(out + 2 * i, 3, "%02x", r[i]);
}
