/* thread_defer.h - holds back the threads a call starts, so that they
 * start after it returns.
 *
 * civetweb 1.15 starts every worker, and only then the thread that
 * accepts, inside mg_start(): with the 64 workers that keep slow clients
 * from holding them all, a cold start answered its first request about
 * 1.5x later than with 2. Between thread_defer_begin() and
 * thread_defer_end(), pthread_create() called by the same thread
 * (civetweb's, here) records the thread instead of starting it, up to the
 * number given (later ones start at once: the accepting thread, last in
 * civetweb's order); thread_defer_start() then starts the
 * recorded ones in order and writes each one's id where its caller asked,
 * while the accepting thread already serves with the first.
 *
 * It works by defining pthread_create in the program, ahead of libc's in
 * the dynamic linker's order; outside a begin/end pair it is libc's (or
 * the sanitizer's) own. */
#ifndef SYNCFN_THREAD_DEFER_H
#define SYNCFN_THREAD_DEFER_H

#include <pthread.h>
#include <stddef.h>

#define THREAD_DEFER_MAX 64

struct thread_defer_entry {
	pthread_t *id;
	void *(*fn)(void *);
	void *arg;
	size_t stack_size; /* 0: the default */
	int detached;
};

struct thread_defer {
	struct thread_defer_entry held[THREAD_DEFER_MAX];
	int max; /* how many to hold, at most THREAD_DEFER_MAX */
	int n;
};

/* The next max threads this thread creates are recorded in td. */
void thread_defer_begin(struct thread_defer *td, int max);
/* Threads this thread creates start at once again. */
void thread_defer_end(void);
/* Starts the recorded threads in order. Returns how many could not be
 * started (0 when all were), with the first failure in err. */
int thread_defer_start(struct thread_defer *td, char *err, size_t errlen);

#endif
