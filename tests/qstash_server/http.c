/* http.c - reading requests and writing JSON answers with civetweb. */
#include <civetweb.h>
#include <cjson/cJSON.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "qdev.h"

int qdev_read_request(struct mg_connection *conn, struct qdev_req *req)
{
	const struct mg_request_info *ri = mg_get_request_info(conn);
	memset(req, 0, sizeof *req);
	req->conn = conn;
	req->method = ri->request_method;
	/* local_uri_raw keeps "https://" of a destination in the path;
	 * local_uri would clean it. */
	req->path = ri->local_uri_raw ? ri->local_uri_raw : ri->local_uri;
	req->query = ri->query_string;
	req->remote_addr = ri->remote_addr;
	size_t cap = 4096;
	req->body = malloc(cap + 1);
	if (!req->body)
		return -1;
	for (;;) {
		if (req->body_len == cap) {
			if (cap >= QDEV_MAX_BODY)
				return -1;
			cap *= 2;
			char *b = realloc(req->body, cap + 1);
			if (!b)
				return -1;
			req->body = b;
		}
		int n = mg_read(conn, req->body + req->body_len,
		                cap - req->body_len);
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		req->body_len += (size_t)n;
	}
	req->body[req->body_len] = '\0';
	return 0;
}

const char *qdev_header(const struct qdev_req *req, const char *name)
{
	return mg_get_header(req->conn, name);
}

long qdev_query_long(const struct qdev_req *req, const char *name, long def)
{
	char buf[32];
	if (!req->query)
		return def;
	int n = mg_get_var(req->query, strlen(req->query), name, buf,
	                   sizeof buf);
	if (n <= 0)
		return def;
	char *end;
	long v = strtol(buf, &end, 10);
	return *end ? def : v;
}

void qdev_send_json(struct mg_connection *conn, int status,
                    const struct cJSON *body, const char *const *headers)
{
	char *text = body ? cJSON_PrintUnformatted(body) : NULL;
	const char *out = text ? text : "";
	char len[32];
	snprintf(len, sizeof len, "%zu", strlen(out));
	mg_response_header_start(conn, status);
	if (body)
		mg_response_header_add(conn, "Content-Type", "application/json",
		                       -1);
	mg_response_header_add(conn, "Content-Length", len, -1);
	for (const char *const *h = headers; h && h[0]; h += 2)
		mg_response_header_add(conn, h[0], h[1], -1);
	mg_response_header_send(conn);
	mg_write(conn, out, strlen(out));
	free(text);
}

void qdev_send_error(struct mg_connection *conn, int status, const char *msg)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "error", msg);
	qdev_send_json(conn, status, o, NULL);
	cJSON_Delete(o);
}

void qdev_random_id(const char *prefix, char *out, size_t outlen)
{
	static const char alphabet[] =
		"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
	unsigned char raw[24];
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	ssize_t got = fd >= 0 ? read(fd, raw, sizeof raw) : -1;
	if (fd >= 0)
		close(fd);
	if (got != (ssize_t)sizeof raw) {
		/* Ids need to be unique, not secret. */
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		for (size_t i = 0; i < sizeof raw; i++)
			raw[i] = (unsigned char)((ts.tv_nsec >> (i % 24)) ^
			                         (i * 131) ^ ts.tv_sec);
	}
	size_t n = (size_t)snprintf(out, outlen, "%s", prefix);
	for (size_t i = 0; i < sizeof raw && n + 1 < outlen; i++)
		out[n++] = alphabet[raw[i] % (sizeof alphabet - 1)];
	if (n < outlen)
		out[n] = '\0';
}

long long qdev_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

long qdev_parse_duration_s(const char *s)
{
	char *end;
	if (!s || !*s)
		return -1;
	long v = strtol(s, &end, 10);
	if (end == s || v < 0 || v > 1000000)
		return -1;
	if (strcmp(end, "s") == 0 || *end == '\0')
		return v;
	if (strcmp(end, "m") == 0)
		return v * 60;
	if (strcmp(end, "h") == 0)
		return v * 3600;
	if (strcmp(end, "d") == 0)
		return v * 86400;
	return -1;
}
