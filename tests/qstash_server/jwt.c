/* jwt.c - the Upstash-Signature of a delivery, as QStash makes it:
 * an HS256 JWT keyed with the raw signing
 * key string, claims in alphabetical order, body = padded base64url of
 * the SHA-256 of the body bytes. */
#include <cjson/cJSON.h>
#include <mbedtls/base64.h>
#include <mbedtls/md.h>
#include <mbedtls/sha256.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qdev.h"

/* base64url of in; padded keeps the '=' (the body claim), else drops it. */
static char *b64url(const unsigned char *in, size_t len, int padded)
{
	size_t cap = 4 * ((len + 2) / 3) + 1, olen = 0;
	unsigned char *out = malloc(cap);
	if (!out || mbedtls_base64_encode(out, cap, &olen, in, len) != 0) {
		free(out);
		return NULL;
	}
	for (size_t i = 0; i < olen; i++) {
		if (out[i] == '+')
			out[i] = '-';
		else if (out[i] == '/')
			out[i] = '_';
	}
	while (!padded && olen && out[olen - 1] == '=')
		olen--;
	out[olen] = '\0';
	return (char *)out;
}

static char *payload_json(const char *url, const char *body, size_t body_len,
                          time_t now)
{
	unsigned char hash[32];
	char jti[40];
	if (mbedtls_sha256_ret((const unsigned char *)body, body_len, hash, 0))
		return NULL;
	char *body_claim = b64url(hash, sizeof hash, 1);
	if (!body_claim)
		return NULL;
	qdev_random_id("jwt_", jti, sizeof jti);
	cJSON *p = cJSON_CreateObject();
	cJSON_AddStringToObject(p, "aud", "");
	cJSON_AddStringToObject(p, "body", body_claim);
	cJSON_AddNumberToObject(p, "exp", (double)(now + 300));
	cJSON_AddNumberToObject(p, "iat", (double)now);
	cJSON_AddStringToObject(p, "iss", "Upstash");
	cJSON_AddStringToObject(p, "jti", jti);
	cJSON_AddNumberToObject(p, "nbf", 0);
	cJSON_AddStringToObject(p, "sub", url);
	char *text = cJSON_PrintUnformatted(p);
	cJSON_Delete(p);
	free(body_claim);
	return text;
}

char *qdev_sign(const char *key, const char *url, const char *body,
                size_t body_len, time_t now)
{
	static const char header[] = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";
	char *payload = payload_json(url, body, body_len, now);
	char *h = b64url((const unsigned char *)header, strlen(header), 0);
	char *p = payload ? b64url((const unsigned char *)payload,
	                           strlen(payload), 0)
	                  : NULL;
	char *signing = NULL, *sig = NULL, *out = NULL;
	unsigned char mac[32];
	if (!h || !p)
		goto done;
	size_t n = strlen(h) + strlen(p) + 2;
	signing = malloc(n);
	if (!signing)
		goto done;
	snprintf(signing, n, "%s.%s", h, p);
	if (mbedtls_md_hmac(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256),
	                    (const unsigned char *)key, strlen(key),
	                    (const unsigned char *)signing, strlen(signing),
	                    mac) != 0)
		goto done;
	sig = b64url(mac, sizeof mac, 0);
	if (!sig)
		goto done;
	n = strlen(signing) + strlen(sig) + 2;
	out = malloc(n);
	if (out)
		snprintf(out, n, "%s.%s", signing, sig);
done:
	free(payload);
	free(h);
	free(p);
	free(signing);
	free(sig);
	return out;
}
