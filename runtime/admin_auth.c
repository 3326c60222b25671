/* admin_auth.c - see admin_auth.h. */
#include "admin_auth.h"

#include <string.h>
#include <strings.h>

int admin_auth_equal(const char *expected, const char *given)
{
	size_t elen = strlen(expected), glen = strlen(given);
	unsigned char diff = (unsigned char)(elen != glen);
	for (size_t i = 0; i < elen; i++) {
		/* Past the end of `given`, compare against its NUL again, so
		 * the loop always runs elen times. */
		unsigned char g = (unsigned char)given[i < glen ? i : glen];
		diff |= (unsigned char)(expected[i] ^ g);
	}
	return diff == 0;
}

int admin_auth_ok(const char *configured_token, const char *authorization)
{
	if (!configured_token || !*configured_token || !authorization)
		return 0;
	if (strncasecmp(authorization, "Bearer ", 7) != 0)
		return 0;
	const char *given = authorization + 7;
	while (*given == ' ')
		given++;
	return admin_auth_equal(configured_token, given);
}
