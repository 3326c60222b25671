/* sync_rules_check.h - SYNC_RULES against the plan: each rule finds its
 * table, its columns and its filter are checked on both servers, and
 * every problem is kept (plan->problems) to be reported at once. */
#ifndef SYNCFN_SYNC_RULES_CHECK_H
#define SYNCFN_SYNC_RULES_CHECK_H

#include "sync_plan.h"

/* Adds a problem of table t's rule: SYNC_RULES["key"]<sub>: <text>. */
void sync_rules_problem(struct sync_plan *plan, const struct sync_table *t,
                        const char *sub, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Gives each planned table its rule (t->rule); a rule whose table is not
 * synced is a problem. */
void sync_rules_attach(struct sync_plan *plan, const struct sync_settings *s);

/* Whether t's rule excludes column name. */
int sync_rules_excluded(const struct sync_table *t, const char *name);

/* Each rule's filter run against both servers (nothing read: LIMIT 0),
 * inside a savepoint so that a refusal leaves the run's transactions
 * usable; each refusal is a problem. An error that is not the filter's
 * (a lost connection) is returned. */
enum sync_status sync_rules_check_where(struct sync_plan *plan,
                                        struct sync_db *src,
                                        struct sync_db *tgt, char *err,
                                        size_t errlen);

/* "triggers": "skip": whether the target's role may set
 * session_replication_role (tried in a savepoint, then undone); a problem
 * naming the table and its triggers for each skip rule when it may not. */
enum sync_status sync_rules_check_triggers(struct sync_plan *plan,
                                           struct sync_db *tgt, char *err,
                                           size_t errlen);

/* Around a skip table's writes: on, the target's triggers stop firing
 * for the transaction; off, they fire again. Nothing for other tables. */
enum sync_status sync_rules_triggers(struct sync_db *tgt,
                                     const struct sync_table *t, int on,
                                     char *err, size_t errlen);

#endif
