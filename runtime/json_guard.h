/* json_guard.h - parses JSON from the network with a bounded stack.
 *
 * cJSON parses (and frees, and prints) recursively, one stack frame per
 * nesting level, up to its compiled-in limit of 1,000 levels: far more
 * than a civetweb worker's 100 KiB stack holds. A JWT segment or an
 * action body needs a few levels, so the text is first scanned without
 * recursion and refused when it nests deeper than max_depth.
 */
#ifndef SYNCFN_JSON_GUARD_H
#define SYNCFN_JSON_GUARD_H

#include <stddef.h>

struct cJSON;

/* Deepest nesting any network JSON may have: {"a":[{"b":1}]} is 3. */
#define JSON_GUARD_DEPTH 8

/* 1 when text[0, len) nests arrays and objects no deeper than max_depth
 * (brackets inside strings do not count). */
int json_guard_depth_ok(const char *text, size_t len, int max_depth);

/* 1 when text holds the escape \u0000 inside a string: cJSON ends the
 * value there, so two different texts would read as the same string. */
int json_guard_has_nul_escape(const char *text, size_t len);

/* Parses text[0, len) (no NUL needed, nothing may follow the value) when
 * its depth is at most JSON_GUARD_DEPTH, it holds no \u0000 and no object
 * repeats a key at its top level; else NULL, with the reason in *why (a
 * static string). */
struct cJSON *json_guard_parse(const char *text, size_t len, const char **why);

/* The first key that appears twice among obj's direct members, or NULL. */
const char *json_guard_duplicate_key(const struct cJSON *obj);

#endif
