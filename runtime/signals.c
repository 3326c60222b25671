/* signals.c - a thread that turns SIGTERM/SIGINT into callbacks. */
#include "signals.h"

#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "fn_log.h"

struct signals_thread {
	signals_fn *on_signal;
	void *ctx;
	sigset_t set;
};

static void *wait_loop(void *arg)
{
	struct signals_thread *t = arg;
	for (;;) {
		int signo;
		if (sigwait(&t->set, &signo) == 0)
			t->on_signal(t->ctx, signo);
	}
	return NULL;
}

int signals_start(signals_fn *on_signal, void *ctx, char *err, size_t errlen)
{
	/* Lives as long as the process: the thread never ends. */
	struct signals_thread *t = calloc(1, sizeof *t);
	if (!t) {
		fn_err(err, errlen, "out of memory");
		return -1;
	}
	t->on_signal = on_signal;
	t->ctx = ctx;
	sigemptyset(&t->set);
	sigaddset(&t->set, SIGTERM);
	sigaddset(&t->set, SIGINT);
	int rc = pthread_sigmask(SIG_BLOCK, &t->set, NULL);
	pthread_t tid;
	if (rc == 0)
		rc = pthread_create(&tid, NULL, wait_loop, t);
	if (rc != 0) {
		fn_err(err, errlen, "cannot start the signal thread: %s", strerror(rc));
		free(t);
		return -1;
	}
	pthread_detach(tid);
	return 0;
}
