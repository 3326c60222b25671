/* qstash_verify.c - checks an Upstash-Signature the way the official QStash
 * SDKs do, strictly: HS256 only, the claims the
 * Python SDK requires plus body, and a base64url decoder that refuses
 * other alphabets, wrong padding and non-zero leftover bits ('=' padding
 * itself is optional, as the SDKs' decoders allow it).
 *
 * Order of checks: shape and size, header, signature (current key, then
 * next), then the claims and the body. Nothing in the payload is believed
 * before a key has vouched for it.
 */
#include "qstash_verify.h"

#include "json_guard.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <mbedtls/constant_time.h>
#include <mbedtls/md.h>
#include <mbedtls/sha256.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define HS256_LEN 32
/* Unpadded base64url of a SHA-256 digest. */
#define DIGEST_B64_LEN 43
/* Decoded header or payload: at most 3/4 of the token, plus a NUL. */
#define SEGMENT_CAP (QSTASH_MAX_TOKEN / 4 * 3 + 1)
/* How much of a signed claim value an error message may quote. */
#define QUOTE_MAX 90
/* QStash tokens live 5 minutes; an exp further away than this is not
 * QStash's and would make a leaked token valid for good. */
#define MAX_EXP_AHEAD_S 86400

__attribute__((format(printf, 3, 4))) static int
fail(char *err, size_t errlen, const char *fmt, ...)
{
	if (err && errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* Each base64url character's 6-bit value plus one; 0 for every other
 * byte. */
static const unsigned char b64url_table[256] = {
	['A'] = 1, ['B'] = 2, ['C'] = 3, ['D'] = 4, ['E'] = 5, ['F'] = 6, ['G'] = 7,
	['H'] = 8, ['I'] = 9, ['J'] = 10, ['K'] = 11, ['L'] = 12, ['M'] = 13,
	['N'] = 14, ['O'] = 15, ['P'] = 16, ['Q'] = 17, ['R'] = 18, ['S'] = 19,
	['T'] = 20, ['U'] = 21, ['V'] = 22, ['W'] = 23, ['X'] = 24, ['Y'] = 25,
	['Z'] = 26, ['a'] = 27, ['b'] = 28, ['c'] = 29, ['d'] = 30, ['e'] = 31,
	['f'] = 32, ['g'] = 33, ['h'] = 34, ['i'] = 35, ['j'] = 36, ['k'] = 37,
	['l'] = 38, ['m'] = 39, ['n'] = 40, ['o'] = 41, ['p'] = 42, ['q'] = 43,
	['r'] = 44, ['s'] = 45, ['t'] = 46, ['u'] = 47, ['v'] = 48, ['w'] = 49,
	['x'] = 50, ['y'] = 51, ['z'] = 52, ['0'] = 53, ['1'] = 54, ['2'] = 55,
	['3'] = 56, ['4'] = 57, ['5'] = 58, ['6'] = 59, ['7'] = 60, ['8'] = 61,
	['9'] = 62, ['-'] = 63, ['_'] = 64
};

/* Decodes RFC 4648 section 5 text into out (cap bytes). Padding is
 * optional but, when present, must be exactly right; the unused low bits
 * of the last character must be zero, so no two texts decode alike.
 * Returns the decoded length, or -1. */
static long b64url_decode(const char *in, size_t len, unsigned char *out,
                          size_t cap)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t pad = 0;
	while (pad < len && s[len - 1 - pad] == '=')
		pad++;
	size_t n = len - pad, rem = n % 4;
	if ((pad && (pad > 2 || len % 4 != 0)) || rem == 1 ||
	    n / 4 * 3 + (rem ? rem - 1 : 0) > cap)
		return -1;
	const unsigned char *t = b64url_table;
	size_t i = 0, o = 0;
	unsigned bad = 0;
	for (; i + 4 <= n; i += 4) {
		unsigned a = t[s[i]], b = t[s[i + 1]], c = t[s[i + 2]], d = t[s[i + 3]];
		bad |= (a == 0) | (b == 0) | (c == 0) | (d == 0);
		unsigned long v = (a - 1ul) << 18 | (b - 1ul) << 12 |
		                  (c - 1ul) << 6 | (d - 1ul);
		out[o++] = (unsigned char)(v >> 16);
		out[o++] = (unsigned char)(v >> 8);
		out[o++] = (unsigned char)v;
	}
	if (rem) {
		unsigned a = t[s[i]], b = t[s[i + 1]], c = rem == 3 ? t[s[i + 2]] : 1;
		if (bad || !a || !b || !c)
			return -1;
		unsigned long v = (a - 1ul) << 18 | (b - 1ul) << 12 | (c - 1ul) << 6;
		out[o++] = (unsigned char)(v >> 16);
		if (rem == 3)
			out[o++] = (unsigned char)(v >> 8);
		if (v & (rem == 3 ? 0xfful : 0xfffful))
			return -1;
	}
	return bad ? -1 : (long)o;
}

/* Unpadded base64url of a SHA-256 digest, NUL-terminated. */
static void b64url_digest(const unsigned char d[32],
                          char out[DIGEST_B64_LEN + 1])
{
	static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	                          "abcdefghijklmnopqrstuvwxyz0123456789-_";
	size_t o = 0;
	for (size_t i = 0; i < 30; i += 3) {
		unsigned long v = (unsigned long)d[i] << 16 | d[i + 1] << 8 | d[i + 2];
		out[o++] = abc[v >> 18 & 63];
		out[o++] = abc[v >> 12 & 63];
		out[o++] = abc[v >> 6 & 63];
		out[o++] = abc[v & 63];
	}
	unsigned long v = (unsigned long)d[30] << 16 | d[31] << 8;
	out[o++] = abc[v >> 18 & 63];
	out[o++] = abc[v >> 12 & 63];
	out[o++] = abc[v >> 6 & 63];
	out[o] = '\0';
}

/* Decodes one segment as a JSON object. NULL (and err) on any flaw: the
 * parse is bounded in depth (json_guard.h), and a repeated key or a
 * \u0000 escape is refused, since other JWT libraries (jose takes the
 * last of two "sub") would read such a token differently. */
static cJSON *segment_json(const char *seg, size_t len, const char *what,
                           char *err, size_t errlen)
{
	char buf[SEGMENT_CAP];
	long n = b64url_decode(seg, len, (unsigned char *)buf, sizeof buf - 1);
	if (n < 0) {
		fail(err, errlen, "token %s is not valid base64url", what);
		return NULL;
	}
	const char *why = NULL;
	cJSON *j = json_guard_parse(buf, (size_t)n, &why);
	if (!j && why && strcmp(why, "is not valid JSON") != 0) {
		fail(err, errlen, "token %s %s", what, why);
		return NULL;
	}
	if (!cJSON_IsObject(j)) {
		cJSON_Delete(j);
		fail(err, errlen, "token %s is not a JSON object", what);
		return NULL;
	}
	return j;
}

/* 1 if s is a JOSE algorithm name (RFC 7518 3.1), in any case. */
static int known_alg(const char *s)
{
	static const char *const algs[] = {
		"none", "HS256", "HS384", "HS512", "RS256", "RS384", "RS512",
		"ES256", "ES384", "ES512", "PS256", "PS384", "PS512", "EdDSA",
	};
	for (size_t i = 0; i < sizeof algs / sizeof algs[0]; i++)
		if (strcasecmp(s, algs[i]) == 0)
			return 1;
	return 0;
}

/* The header QStash sends, {"alg":"HS256","typ":"JWT"}, needs no parse. */
static const char qstash_header[] = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9";

static int check_header(const char *seg, size_t len, char *err, size_t errlen)
{
	if (len == sizeof qstash_header - 1 && memcmp(seg, qstash_header, len) == 0)
		return 0;
	cJSON *h = segment_json(seg, len, "header", err, errlen);
	if (!h)
		return -1;
	const cJSON *alg = cJSON_GetObjectItemCaseSensitive(h, "alg");
	int rc = 0;
	if (!alg)
		rc = fail(err, errlen, "token header has no alg (want HS256)");
	else if (!cJSON_IsString(alg) || strcmp(alg->valuestring, "HS256") != 0)
		/* Unsigned text: quoted only when it names a JWT algorithm, so
		 * that the answer (redacted on its way out) never tells a
		 * caller whether a guess was one of our secrets. */
		rc = fail(err, errlen, "token alg is %s, only HS256 is accepted",
		          cJSON_IsString(alg) && known_alg(alg->valuestring)
		                  ? alg->valuestring : "not HS256");
	else if (cJSON_GetObjectItemCaseSensitive(h, "crit"))
		/* RFC 7515 4.1.11: extensions we do not know must not be
		 * ignored. */
		rc = fail(err, errlen, "token header has crit extensions, "
		                       "which QStash never sends");
	cJSON_Delete(h);
	return rc;
}

/* 1 if the HMAC-SHA256 of msg under key is sig, 0 if not, -1 on failure. */
static int hmac_matches(const char *key, const unsigned char *msg, size_t len,
                        const unsigned char sig[HS256_LEN])
{
	unsigned char mac[HS256_LEN];
	const mbedtls_md_info_t *md = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
	if (!md || mbedtls_md_hmac(md, (const unsigned char *)key, strlen(key),
	                           msg, len, mac) != 0)
		return -1;
	return mbedtls_ct_memcmp(mac, sig, HS256_LEN) == 0;
}

static int has_key(const char *key) { return key && *key; }

static int check_signature(const struct qstash_verify_opts *o,
                           const char *token, size_t signed_len,
                           const char *seg, size_t seglen, char *err,
                           size_t errlen)
{
	unsigned char sig[HS256_LEN + 3];
	long n = b64url_decode(seg, seglen, sig, sizeof sig);
	if (n < 0)
		return fail(err, errlen, "token signature is not valid base64url");
	if (n != HS256_LEN)
		return fail(err, errlen, "token signature is %ld bytes, an HS256 "
		                         "signature is 32", n);
	const char *keys[2] = { o->current_key, o->next_key };
	for (int i = 0; i < 2; i++) {
		if (!has_key(keys[i]))
			continue;
		int m = hmac_matches(keys[i], (const unsigned char *)token,
		                     signed_len, sig);
		if (m < 0)
			return fail(err, errlen, "HMAC-SHA256 could not be computed "
			                         "(out of memory?)");
		if (m)
			return 0;
	}
	if (has_key(o->current_key) && has_key(o->next_key))
		return fail(err, errlen, "signature matches neither the current nor "
		                         "the next signing key");
	return fail(err, errlen, "signature does not match the %s signing key "
	                         "(QSTASH_%s_SIGNING_KEY is not set)",
	            has_key(o->current_key) ? "current" : "next",
	            has_key(o->current_key) ? "NEXT" : "CURRENT");
}

/* The number claim `name`, or NULL (and err) when absent or not a number. */
static const cJSON *number_claim(const cJSON *p, const char *name, char *err,
                                 size_t errlen)
{
	const cJSON *c = cJSON_GetObjectItemCaseSensitive(p, name);
	if (!c)
		fail(err, errlen, "token has no %s claim", name);
	else if (!cJSON_IsNumber(c))
		fail(err, errlen, "token %s claim is not a number", name);
	else
		return c;
	return NULL;
}

/* The string claim `name`, or NULL (and err). */
static const char *string_claim(const cJSON *p, const char *name, char *err,
                                size_t errlen)
{
	const cJSON *c = cJSON_GetObjectItemCaseSensitive(p, name);
	if (!c)
		fail(err, errlen, "token has no %s claim", name);
	else if (!cJSON_IsString(c))
		fail(err, errlen, "token %s claim is not a string", name);
	else
		return c->valuestring;
	return NULL;
}

/* exp and nbf, each widened by the tolerance, as jose does: expired once
 * now >= exp + tol; not yet valid while now < nbf - tol. Compared as
 * doubles, since a claim may be any JSON number. */
static int check_times(const cJSON *p, const struct qstash_verify_opts *o,
                       char *err, size_t errlen)
{
	const cJSON *exp = number_claim(p, "exp", err, errlen);
	const cJSON *nbf = exp ? number_claim(p, "nbf", err, errlen) : NULL;
	if (!nbf)
		return -1;
	double now = (double)o->now;
	double tol = o->tolerance_s > 0 ? (double)o->tolerance_s : 0;
	if (!isfinite(exp->valuedouble) || !isfinite(nbf->valuedouble))
		return fail(err, errlen, "token exp or nbf is not a finite number");
	if (exp->valuedouble > now + tol + MAX_EXP_AHEAD_S)
		return fail(err, errlen, "token exp is more than %d s ahead (QStash "
		                         "tokens live 5 minutes)", MAX_EXP_AHEAD_S);
	if (!(now < exp->valuedouble + tol))
		return fail(err, errlen, "token expired at %.0f (now %.0f, "
		                         "tolerance %.0f s)",
		            exp->valuedouble, now, tol);
	if (nbf->valuedouble > now + tol)
		return fail(err, errlen, "token not valid before %.0f (nbf; now "
		                         "%.0f, tolerance %.0f s)",
		            nbf->valuedouble, now, tol);
	return 0;
}

/* The body claim against SHA-256 of the bytes received; trailing '=' is
 * padding on either side and ignored. */
static int check_body(const char *claim, const unsigned char *body,
                      size_t body_len, char *err, size_t errlen)
{
	unsigned char d[32];
	char want[DIGEST_B64_LEN + 1];
	if (mbedtls_sha256_ret(body, body_len, d, 0) != 0)
		return fail(err, errlen, "SHA-256 of the body could not be computed");
	b64url_digest(d, want);
	size_t n = strlen(claim);
	while (n && claim[n - 1] == '=')
		n--;
	if (n != DIGEST_B64_LEN || memcmp(claim, want, n) != 0)
		return fail(err, errlen, "body hash does not match: the body claim is "
		                         "%.50s, the %zu bytes received hash to %s",
		            claim, body_len, want);
	return 0;
}

static int check_claims(const char *seg, size_t len,
                        const struct qstash_verify_opts *o,
                        const unsigned char *body, size_t body_len, char *err,
                        size_t errlen)
{
	cJSON *p = segment_json(seg, len, "payload", err, errlen);
	if (!p)
		return -1;
	int rc = -1;
	const char *iss = string_claim(p, "iss", err, errlen);
	const char *sub = iss ? string_claim(p, "sub", err, errlen) : NULL;
	const char *hash = sub ? string_claim(p, "body", err, errlen) : NULL;
	if (!hash)
		goto out;
	if (strcmp(iss, "Upstash") != 0) {
		fail(err, errlen, "token iss claim is \"%.30s\", want \"Upstash\"",
		     iss);
		goto out;
	}
	if (check_times(p, o, err, errlen) != 0)
		goto out;
	/* Lengths too: a sub with a hidden NUL is refused by the parse, and
	 * must stay refused here. */
	if (o->expected_sub && *o->expected_sub &&
	    (strlen(sub) != strlen(o->expected_sub) ||
	     memcmp(sub, o->expected_sub, strlen(sub)) != 0)) {
		fail(err, errlen, "token sub %.*s does not match the destination %.*s",
		     QUOTE_MAX, sub, QUOTE_MAX, o->expected_sub);
		goto out;
	}
	rc = check_body(hash, body, body_len, err, errlen);
out:
	cJSON_Delete(p);
	return rc;
}

int qstash_verify(const struct qstash_verify_opts *opts, const char *token,
                  size_t token_len, const unsigned char *body,
                  size_t body_len, char *err, size_t errlen)
{
	if (err && errlen)
		err[0] = '\0';
	if (!opts || (!has_key(opts->current_key) && !has_key(opts->next_key)))
		return fail(err, errlen, "no signing keys configured: set "
		                         "QSTASH_CURRENT_SIGNING_KEY and "
		                         "QSTASH_NEXT_SIGNING_KEY");
	if (!token || token_len == 0)
		return fail(err, errlen, "missing Upstash-Signature token");
	if (token_len > QSTASH_MAX_TOKEN)
		return fail(err, errlen, "token is %zu bytes, over the %d-byte limit",
		            token_len, QSTASH_MAX_TOKEN);
	if (!body && body_len)
		return fail(err, errlen, "body is NULL but %zu bytes long", body_len);
	const char *end = token + token_len;
	const char *dot1 = memchr(token, '.', token_len);
	const char *dot2 = dot1 ? memchr(dot1 + 1, '.', (size_t)(end - dot1 - 1))
	                        : NULL;
	if (!dot1 || !dot2 || memchr(dot2 + 1, '.', (size_t)(end - dot2 - 1)))
		return fail(err, errlen, "token must have 3 dot-separated segments "
		                         "(header.payload.signature)");
	if (dot1 == token || dot2 == dot1 + 1 || dot2 + 1 == end)
		return fail(err, errlen, "token has an empty segment");
	if (check_header(token, (size_t)(dot1 - token), err, errlen) != 0)
		return -1;
	if (check_signature(opts, token, (size_t)(dot2 - token), dot2 + 1,
	                    (size_t)(end - dot2 - 1), err, errlen) != 0)
		return -1;
	return check_claims(dot1 + 1, (size_t)(dot2 - dot1 - 1), opts,
	                    body ? body : (const unsigned char *)"", body_len,
	                    err, errlen);
}
