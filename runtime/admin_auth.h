/* admin_auth.h - the admin bearer token (SYNC_ADMIN_TOKEN).
 *
 * Returns 1 when the Authorization header is exactly "Bearer <token>"
 * (the scheme case-insensitive) and a token is configured; compared in
 * constant time, so response timing tells nothing about the token.
 * No token configured: always 0, so admin routes answer 401 to everyone.
 */
#ifndef SYNCFN_ADMIN_AUTH_H
#define SYNCFN_ADMIN_AUTH_H

#include <stddef.h>

int admin_auth_ok(const char *configured_token, const char *authorization);

/* The read-only routes (status, health): the admin token or the monitor
 * token (SYNC_MONITOR_TOKEN). Both are compared, in constant time, so the
 * timing does not tell which one matched. The monitor token opens no
 * other route: the sync and schedule routes ask admin_auth_ok() only. */
int monitor_auth_ok(const char *admin_token, const char *monitor_token,
                    const char *authorization);

#endif
