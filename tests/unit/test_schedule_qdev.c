/* test_schedule_qdev.c - the test server's own parts that tests rely on:
 * its signatures verify with the runtime's verifier (and fail with a
 * wrong key), and its cron parser accepts what QStash accepts. The two
 * source files are compiled in here, since qstash-dev is a separate
 * program. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <time.h>

#include "harness.h"
#include "qstash_verify.h"

#include "../qstash_server/cron.c"
#include "../qstash_server/jwt.c"

/* jwt.c's only outside need: a unique jti. */
void qdev_random_id(const char *prefix, char *out, size_t outlen)
{
	static int n;
	snprintf(out, outlen, "%s%d", prefix, ++n);
}

#define URL "https://app.example.test/api/background/sync/slave-to-prod"

static int verify(const char *key, const char *token, const char *body,
                  time_t now, char *err, size_t errlen)
{
	struct qstash_verify_opts o = { .current_key = key, .next_key = NULL,
		                        .expected_sub = URL, .tolerance_s = 0,
		                        .now = now };
	return qstash_verify(&o, token, strlen(token), (const unsigned char *)body,
	                     strlen(body), err, errlen);
}

TEST(signature_verifies_with_the_runtime)
{
	char err[256] = "";
	time_t now = 1795000000;
	char *tok = qdev_sign("sig_7kYjw48mhY7kAjqNGcy6cr29RJ6r", URL, "{}", 2, now);
	CHECK(tok != NULL);
	CHECK_INT(verify("sig_7kYjw48mhY7kAjqNGcy6cr29RJ6r", tok, "{}", now, err,
	                 sizeof err), 0);
	CHECK_INT(verify("sig_5ZB6DVzB1wjE8S6rZ7eenA8Pdnhs", tok, "{}", now, err,
	                 sizeof err), -1);
	CHECK_INT(verify("sig_7kYjw48mhY7kAjqNGcy6cr29RJ6r", tok, "{} ", now, err,
	                 sizeof err), -1);
	CHECK_INT(verify("sig_7kYjw48mhY7kAjqNGcy6cr29RJ6r", tok, "{}", now + 301,
	                 err, sizeof err), -1);
	free(tok);
}

TEST(signature_claims_are_qstash_shaped)
{
	char *tok = qdev_sign("k", URL, "", 0, 1795000000);
	CHECK(tok != NULL);
	char *dot1 = strchr(tok, '.'), *dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;
	CHECK(dot1 && dot2);
	if (!dot1 || !dot2)
		return;
	/* Decode the payload with openssl-free base64url: re-pad and map. */
	size_t n = (size_t)(dot2 - dot1 - 1);
	char b64[1024];
	size_t i;
	for (i = 0; i < n && i < sizeof b64 - 4; i++) {
		char c = dot1[1 + i];
		b64[i] = c == '-' ? '+' : c == '_' ? '/' : c;
	}
	while (i % 4)
		b64[i++] = '=';
	unsigned char json[1024];
	size_t olen = 0;
	CHECK_INT(mbedtls_base64_decode(json, sizeof json - 1, &olen,
	                                (unsigned char *)b64, i), 0);
	json[olen] = '\0';
	CHECK_STR((char *)json,
	          "{\"aud\":\"\",\"body\":\"47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU=\","
	          "\"exp\":1795000300,\"iat\":1795000000,\"iss\":\"Upstash\","
	          "\"jti\":\"jwt_1\",\"nbf\":0,\"sub\":\"" URL "\"}");
	free(tok);
}

TEST(cron_parses_and_matches)
{
	struct qdev_cron c;
	char err[200];
	struct tm t = { .tm_min = 0, .tm_hour = 6, .tm_mday = 15, .tm_mon = 0,
		        .tm_wday = 3 };
	CHECK_INT(qdev_cron_parse("0 */6 * * *", &c, err, sizeof err), 0);
	CHECK(qdev_cron_matches(&c, &t));
	t.tm_hour = 7;
	CHECK(!qdev_cron_matches(&c, &t));
	CHECK_INT(qdev_cron_parse("CRON_TZ=America/New_York 0 4 * * 1-5", &c, err,
	                          sizeof err), 0);
	t.tm_hour = 4;
	CHECK(qdev_cron_matches(&c, &t));
	t.tm_wday = 0;
	CHECK(!qdev_cron_matches(&c, &t));
	CHECK_INT(qdev_cron_parse("*/10 * * * * ", &c, err, sizeof err), 0);
	CHECK_INT(qdev_cron_parse("0 */6 * *", &c, err, sizeof err), -1);
	CHECK_CONTAINS(err, "5 fields");
	CHECK_INT(qdev_cron_parse("61 * * * *", &c, err, sizeof err), -1);
	CHECK_INT(qdev_cron_parse("a b c d e", &c, err, sizeof err), -1);
	CHECK_INT(qdev_cron_parse("0 0 * * 7", &c, err, sizeof err), 0);
	CHECK(c.dow & 1);
}

TEST_MAIN(CASE(signature_verifies_with_the_runtime)
          CASE(signature_claims_are_qstash_shaped) CASE(cron_parses_and_matches))
