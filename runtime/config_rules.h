/* config_rules.h - SYNC_RULES read once at start: the JSON itself, or
 * "@/path" to a file holding it (Fly's [[files]], a mounted file). */
#ifndef SYNCFN_CONFIG_RULES_H
#define SYNCFN_CONFIG_RULES_H

#include "sync_rules.h"

/* The most SYNC_RULES (or its file) may hold: configuration, not data. */
#define CONFIG_RULES_MAX_BYTES (256 * 1024)

/* Reads value (the variable; NULL or "" means no rules) into out; every
 * problem goes to problem, each a line naming SYNC_RULES and, for a rule,
 * its path. Returns the number of problems (out then holds no rules). */
int config_rules_load(const char *value, struct sync_rules *out,
                      sync_rules_problem_fn *problem, void *ctx);

#endif
