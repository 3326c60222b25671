/* admin_auth.c - see admin_auth.h. */
#include "admin_auth.h"

#include <string.h>
#include <strings.h>

#include "secret_equal.h"

int admin_auth_ok(const char *configured_token, const char *authorization)
{
	if (!configured_token || !*configured_token || !authorization)
		return 0;
	if (strncasecmp(authorization, "Bearer ", 7) != 0)
		return 0;
	const char *given = authorization + 7;
	while (*given == ' ')
		given++;
	return secret_equal(configured_token, given);
}

int monitor_auth_ok(const char *admin_token, const char *monitor_token,
                    const char *authorization)
{
	int admin = admin_auth_ok(admin_token, authorization);
	int monitor = admin_auth_ok(monitor_token, authorization);
	return admin | monitor;
}
