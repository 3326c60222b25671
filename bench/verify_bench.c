/* verify_bench.c - how many QStash deliveries one core can verify per
 * second: a typical token (the claims QStash sends today) over a 1 KiB
 * body, with the right key first, through qstash_verify() exactly as the
 * HTTP route calls it. Prints one line:
 *   verify: N verifications/s (1 KiB body, one core)
 * Usage: verify-bench [SECONDS] (default 2, of CPU time).
 */
#include <mbedtls/md.h>
#include <mbedtls/sha256.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "b64url.h"
#include "qstash_verify.h"

#define KEY "sig_3kTestCurrentSigningKey0001"
#define NEXT "sig_5ZTestNextSigningKey000002"
#define SUB "https://syncfn.example.test/api/background/sync/slave-to-prod"
#define NOW 1700000000L

/* CPU time of this thread: the rate is per second of one core's time,
 * even when other processes share the core. */
static double seconds(void)
{
	struct timespec t;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 2.0;
	unsigned char body[1024];
	for (size_t i = 0; i < sizeof body; i++)
		body[i] = (unsigned char)"{\"table\":\"orders\",\"n\":12345}  "[i % 32];

	unsigned char d[32];
	char hash[48], payload[512], token[1024];
	mbedtls_sha256_ret(body, sizeof body, d, 0);
	b64url(d, 32, hash);
	snprintf(payload, sizeof payload,
	         "{\"aud\":\"\",\"body\":\"%s=\",\"exp\":%ld,\"iat\":%ld,"
	         "\"iss\":\"Upstash\",\"jti\":\"jwt_6uZo7ULWr9MuezYSoTvxiYEKYHoB\","
	         "\"nbf\":0,\"sub\":\"%s\"}",
	         hash, NOW + 300, NOW, SUB);
	const char *hdr = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";
	size_t n = b64url((const unsigned char *)hdr, strlen(hdr), token);
	token[n++] = '.';
	n += b64url((const unsigned char *)payload, strlen(payload), token + n);
	unsigned char mac[32];
	mbedtls_md_hmac(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256),
	                (const unsigned char *)KEY, strlen(KEY),
	                (const unsigned char *)token, n, mac);
	token[n++] = '.';
	n += b64url(mac, 32, token + n);

	struct qstash_verify_opts o = { KEY, NEXT, SUB, 5, NOW };
	char err[256];
	if (qstash_verify(&o, token, n, body, sizeof body, err, sizeof err) != 0) {
		fprintf(stderr, "verify-bench: the benchmark token does not verify: %s\n", err);
		return 1;
	}
	long count = 0;
	double start = seconds(), el;
	do {
		for (int i = 0; i < 1000; i++)
			count += qstash_verify(&o, token, n, body, sizeof body, err,
			                       sizeof err) == 0;
		el = seconds() - start;
	} while (el < secs);
	printf("verify: %.0f verifications/s (1 KiB body, one core), %.2f us each, "
	       "%zu-byte token\n", (double)count / el, el / (double)count * 1e6, n);
	return 0;
}
