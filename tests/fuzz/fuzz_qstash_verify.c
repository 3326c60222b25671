/* fuzz_qstash_verify.c - libFuzzer harness for qstash_verify().
 *
 * Input: one flags byte, the token, a '\n', then the body (the rest).
 *   bit 0  re-sign: replace the signature with a correct HMAC of the
 *          input's first two segments (current key), so the fuzzer also
 *          reaches the payload and claim checks that only signed tokens
 *          get to; without it the token is verified as given.
 *   bit 1  check sub against FUZZ_SUB.
 *   bit 2  only the next key is configured; bit 3: tolerance 5 s.
 * The clock is fixed at FUZZ_NOW, so seeds made for it stay valid
 * (tests/fuzz/run.sh makes them with openssl).
 *
 * Beyond the sanitizers it checks: the error text is terminated, never
 * empty on failure, empty on success, and never holds a key. The
 * verifier runs on a thread with a civetweb worker's stack
 * (worker_stack.h), as it does in the server.
 */
#include <mbedtls/md.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "b64url.h"
#include "qstash_verify.h"
#include "worker_stack.h"

#define FUZZ_CUR "sig_3kTestCurrentSigningKey0001"
#define FUZZ_NEXT "sig_5ZTestNextSigningKey000002"
#define FUZZ_SUB "https://syncfn.example.test/api/background/sync/slave-to-prod"
#define FUZZ_NOW 1700000000

/* token with its signature segment replaced by a correct one; the caller
 * frees. NULL when the token has no second dot. */
static char *resign(const char *tok, size_t len, size_t *outlen)
{
	const char *d1 = memchr(tok, '.', len);
	const char *d2 = d1 ? memchr(d1 + 1, '.', len - (size_t)(d1 + 1 - tok)) : NULL;
	if (!d2)
		return NULL;
	size_t signed_len = (size_t)(d2 - tok);
	unsigned char mac[32];
	if (mbedtls_md_hmac(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256),
	                    (const unsigned char *)FUZZ_CUR, strlen(FUZZ_CUR),
	                    (const unsigned char *)tok, signed_len, mac) != 0)
		return NULL;
	char *out = malloc(signed_len + 1 + 44);
	if (!out)
		return NULL;
	memcpy(out, tok, signed_len + 1);
	*outlen = signed_len + 1 + b64url(mac, 32, out + signed_len + 1);
	return out;
}

struct call {
	const struct qstash_verify_opts *o;
	const char *token;
	size_t token_len;
	const unsigned char *body;
	size_t body_len;
	char err[256];
	int rc;
};

static void *verify_on_thread(void *arg)
{
	struct call *c = arg;
	c->rc = qstash_verify(c->o, c->token, c->token_len, c->body, c->body_len,
	                      c->err, sizeof c->err);
	return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	unsigned flags = data[0];
	const char *tok = (const char *)data + 1;
	const char *nl = memchr(tok, '\n', size - 1);
	size_t tlen = nl ? (size_t)(nl - tok) : size - 1;
	const unsigned char *body = nl ? (const unsigned char *)nl + 1 : NULL;
	size_t blen = nl ? size - 1 - tlen - 1 : 0;

	char *signed_tok = NULL;
	if (flags & 1) {
		size_t n;
		signed_tok = resign(tok, tlen, &n);
		if (signed_tok) {
			tok = signed_tok;
			tlen = n;
		}
	}
	/* A copy of exactly tlen bytes, so reading past it is caught. */
	char *copy = malloc(tlen ? tlen : 1);
	if (!copy)
		abort();
	memcpy(copy, tok, tlen);
	struct qstash_verify_opts o = {
		.current_key = flags & 4 ? NULL : FUZZ_CUR,
		.next_key = FUZZ_NEXT,
		.expected_sub = flags & 2 ? FUZZ_SUB : NULL,
		.tolerance_s = flags & 8 ? 5 : 0,
		.now = FUZZ_NOW,
	};
	struct call c = { .o = &o, .token = copy, .token_len = tlen, .body = body,
	                  .body_len = blen };
	memset(c.err, 'x', sizeof c.err);
	c.err[0] = '\0';
	on_worker_stack(verify_on_thread, &c);
	if (memchr(c.err, '\0', sizeof c.err) == NULL)
		abort();
	if ((c.rc == 0) != (c.err[0] == '\0') || (c.rc != 0 && c.rc != -1))
		abort();
	if (strstr(c.err, &FUZZ_CUR[4]) || strstr(c.err, &FUZZ_NEXT[4]))
		abort();
	free(copy);
	free(signed_tok);
	return 0;
}
