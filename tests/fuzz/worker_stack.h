/* worker_stack.h - runs a fuzz target on a thread with the stack of a
 * civetweb worker, where the real code runs: Debian's civetweb 1.15 is
 * built with USE_STACK_SIZE=102400, and a recursion that fits the main
 * thread's 8 MB (libFuzzer's default) can overflow it (issue 11). */
#ifndef SYNCFN_FUZZ_WORKER_STACK_H
#define SYNCFN_FUZZ_WORKER_STACK_H

#include <pthread.h>
#include <stdlib.h>

#define WORKER_STACK_SIZE 102400

static void on_worker_stack(void *(*fn)(void *), void *arg)
{
	pthread_attr_t a;
	pthread_t t;
	if (pthread_attr_init(&a) != 0 ||
	    pthread_attr_setstacksize(&a, WORKER_STACK_SIZE) != 0 ||
	    pthread_create(&t, &a, fn, arg) != 0)
		abort();
	pthread_join(t, NULL);
	pthread_attr_destroy(&a);
}

#endif
