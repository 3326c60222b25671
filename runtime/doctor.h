/* doctor.h - the checks of `syncfn doctor`, which `syncfn setup` runs
 * before it creates anything: nothing is written anywhere.
 *
 * Each check prints one progress line on stdout ("Checking ... ok") and
 * each problem on stderr, prefixed "syncfn <command>: ", in words a
 * person can act on, never a secret; it returns how many problems it
 * found (0: ready). An unreachable APP_URL is a warning only: the
 * network a check runs from may not reach the function.
 */
#ifndef SYNCFN_DOCTOR_H
#define SYNCFN_DOCTOR_H

#include "config.h"

struct doctor {
	const struct config *cfg;
	const char *command; /* "doctor" or "setup" */
	int warnings;
	/* the exit status the problems found so far call for: 0, 1, 2 */
	int exit_status;
};

/* Both databases with the configured roles, and the plan a run would
 * make (every table's problem at once), in read-only transactions. */
int doctor_databases(struct doctor *d);

/* QSTASH_TOKEN against the QStash API, and the signing keys against the
 * ones QStash reports for it (compared, never shown). */
int doctor_qstash(struct doctor *d);

/* GET APP_URL/healthz, bounded: a warning when it does not answer. */
void doctor_app_url(struct doctor *d);

#endif
