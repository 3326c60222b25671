/* log.h - the process's log: one line per event on stderr, as text (on a
 * terminal) or JSON lines, with time, level, request id, event and fields.
 *
 * log_setup() is called once at start with the secrets of the
 * configuration; every line is then scrubbed of them (and of any password
 * written inside a URL) before it is written, so a secret never reaches a
 * log whatever a caller passes in.
 */
#ifndef SYNCFN_LOG_H
#define SYNCFN_LOG_H

#include <stddef.h>
#include <stdio.h>

#include "config.h"

#include "fn_log.h"


/* Once, before any thread starts. secrets are borrowed for the process's
 * lifetime. */
void log_setup(enum log_format format, const char *const *secrets,
               int nsecrets);

/* One event. fields may be NULL. request_id may be NULL or "". */
void log_event(const char *request_id, enum fn_level level, const char *event,
               const struct cJSON *fields);

/* Like fn_log(): key, FN_STR(...)/FN_INT(...), ..., NULL. */
void log_line(const char *request_id, enum fn_level level, const char *event,
              ...);

/* A logger to hand to function/, tagging each event with request_id
 * (which must outlive the logger). */
struct fn_logger log_fn_logger(const char *request_id);

/* j serialised (indented when pretty) and scrubbed like a log line, for
 * everything syncfn prints or answers: a response is as public as a log.
 * malloc'd, the caller frees; NULL when out of memory. */
char *log_json_text(const struct cJSON *j, int pretty);

/* Replaces, in place, each occurrence of every secret and every password
 * inside "scheme://user:password@" with "[REDACTED]"; the result never
 * grows beyond cap - 1 bytes. Exposed for tests. */
void log_redact(char *s, size_t cap);

/* printf to f, scrubbed like a log line: every line a command prints
 * (results, errors of the engines, hints) goes through it. */
void log_printf(FILE *f, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
