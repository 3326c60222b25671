/* cli_timeout.c - SYNC_TIMEOUT against the run log (see cli_timeout.h). */
#include "cli_timeout.h"

#include <stdio.h>
#include <stdlib.h>

#include "engines.h"

long cli_timeout_seconds(const char *text)
{
	char *end;
	long v = text ? strtol(text, &end, 10) : -1;
	if (!text || end == text || v < 0)
		return -1;
	long unit = *end == 's' || !*end ? 1 : *end == 'm' ? 60
	            : *end == 'h' ? 3600 : *end == 'd' ? 86400 : -1;
	if (unit < 0 || (*end && end[1]))
		return -1;
	return v * unit;
}

void cli_warn_sync_timeout(const struct config *cfg)
{
	char err[512];
	long timeout = cli_timeout_seconds(cfg->timeout);
	if (!cfg->target_url || timeout < 0)
		return;
	sync_slowest_fn *slowest = engines_sync_slowest(err, sizeof err);
	if (!slowest)
		return;
	struct sync_settings settings;
	config_sync_settings(cfg, &settings);
	double s = slowest(&settings);
	if (s <= 0 || timeout >= 2 * s)
		return;
	long want = (long)(2 * s + 0.999);
	want = want < 60 ? 60 : want;
	fprintf(stderr,
	        "Warning: SYNC_TIMEOUT=%s is less than twice the slowest recent sync "
	        "(%.0f s, from the run log): QStash would cut attempts and retry while "
	        "the sync still runs. Set SYNC_TIMEOUT=%lds or more (your QStash plan "
	        "caps it: 15m on the free plan, 2h pay-as-you-go) and run this again.\n",
	        cfg->timeout, s, want);
}
