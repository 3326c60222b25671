/* b64url.h - base64url without padding, for test and bench programs that
 * build QStash tokens themselves (the verifier under test only decodes).
 * Writes ceil(4n/3) characters and a NUL; returns the characters written. */
#ifndef SYNCFN_TEST_B64URL_H
#define SYNCFN_TEST_B64URL_H

#include <stddef.h>

static size_t b64url(const unsigned char *in, size_t n, char *out)
{
	static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	                          "abcdefghijklmnopqrstuvwxyz0123456789-_";
	size_t o = 0;
	for (size_t i = 0; i < n; i += 3) {
		unsigned long v = (unsigned long)in[i] << 16;
		if (i + 1 < n)
			v |= (unsigned long)in[i + 1] << 8;
		if (i + 2 < n)
			v |= in[i + 2];
		out[o++] = abc[v >> 18 & 63];
		out[o++] = abc[v >> 12 & 63];
		if (i + 1 < n)
			out[o++] = abc[v >> 6 & 63];
		if (i + 2 < n)
			out[o++] = abc[v & 63];
	}
	out[o] = '\0';
	return o;
}

#endif
