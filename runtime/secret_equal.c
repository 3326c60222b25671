/* secret_equal.c - see secret_equal.h. */
#include "secret_equal.h"

#include <string.h>

int secret_equal(const char *expected, const char *given)
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
