/* cli_doctor.c - `syncfn doctor` (cli_doctor.h). */
#include "cli_doctor.h"

#include <stdio.h>

#include "doctor.h"
#include "log.h"

int cli_doctor(const struct config *cfg, int argc, char **argv)
{
	(void)argv;
	if (argc > 0) {
		log_printf(stderr, "syncfn doctor: takes no arguments\nusage: syncfn doctor\n");
		return 2;
	}
	struct doctor d = { .cfg = cfg, .command = "doctor" };
	char problems[4096];
	log_printf(stdout, "Checking the environment... ");
	fflush(stdout);
	int n = config_check(cfg, NEED_SYNC | NEED_SCHEDULE | NEED_KEYS, "doctor",
	                     problems, sizeof problems);
	log_printf(stdout, "%s\n", n ? "failed" : "ok");
	fflush(stdout);
	if (n)
		log_printf(stderr, "%s", problems);
	/* every check that can run, runs: all the problems at once */
	if (config_check(cfg, NEED_SYNC, NULL, NULL, 0) == 0)
		n += doctor_databases(&d);
	if (config_check(cfg, NEED_SCHEDULE | NEED_KEYS, NULL, NULL, 0) == 0)
		n += doctor_qstash(&d);
	doctor_app_url(&d);
	if (n)
		log_printf(stdout, "\nNot ready: %d problem%s (above, on stderr)%s.\n",
		           n, n == 1 ? "" : "s", d.warnings ? ", and warnings" : "");
	else
		log_printf(stdout, "\nReady%s.\n", d.warnings ? " (see the warnings)" : "");
	fflush(stdout);
	return n ? 1 : 0;
}
