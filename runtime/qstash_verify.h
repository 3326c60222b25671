/* qstash_verify.h - checks an Upstash-Signature exactly as the official
 * QStash SDKs do (docs/qstash.md), with mbedTLS and cJSON.
 *
 * The token is a compact HS256 JWT keyed with the raw signing-key string.
 * The current key is tried first, then the next one, so a key rotation
 * never drops a delivery; signatures are compared in constant time. The
 * claims must say iss "Upstash", be within exp/nbf (with the tolerance),
 * name the expected destination in sub (when one is configured), and
 * carry in body the base64url SHA-256 of exactly the bytes received.
 */
#ifndef SYNCFN_QSTASH_VERIFY_H
#define SYNCFN_QSTASH_VERIFY_H

#include <stddef.h>
#include <time.h>

#define QSTASH_MAX_TOKEN 4096

struct qstash_verify_opts {
	const char *current_key;  /* raw key string; NULL or "": not set */
	const char *next_key;     /* tried when current does not match */
	const char *expected_sub; /* exact destination URL; NULL or "": sub
	                             is required but not compared */
	long tolerance_s;         /* widens exp and nbf; negative counts as 0 */
	time_t now;               /* the clock, injectable for tests */
};

/* Returns 0 when the token is valid for this body. Otherwise -1, and err
 * (which may be NULL) holds one line saying which check failed, e.g.
 * "signature matches neither the current nor the next signing key" or
 * "token expired at 1664713464 (now 1700000000, tolerance 5 s)" - never
 * any part of a key; on success err is "". body may be NULL when
 * body_len is 0.
 *
 * Accepted exactly when: at least one key is set; 0 < token_len <=
 * QSTASH_MAX_TOKEN; the token is three non-empty base64url segments
 * (padding optional, but exact when present); the header is a JSON object
 * with alg "HS256" and no crit; the signature is 32 bytes and equals
 * HMAC-SHA256(key, "header.payload") for the current or else the next key
 * (constant-time compare); the payload is a JSON object with string
 * claims iss, sub, body and number claims exp, nbf; iss is "Upstash";
 * now < exp + tolerance (jose: fails when exp <= now - tol); nbf <= now +
 * tolerance (nbf 0 passes); sub equals expected_sub when that is set; and
 * body, without trailing '=', equals the unpadded base64url SHA-256 of the
 * body bytes. iat, aud, jti and other claims are not checked. */
int qstash_verify(const struct qstash_verify_opts *opts, const char *token,
                  size_t token_len, const unsigned char *body,
                  size_t body_len, char *err, size_t errlen);

#endif
