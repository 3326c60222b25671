/* worker_stack.h - runs a fuzz target on a thread with the stack a
 * civetweb worker has left for it: Debian's civetweb 1.15 is built with
 * USE_STACK_SIZE=102400, and a recursion that fits the main thread's 8 MB
 * (libFuzzer's default) can overflow it. The target gets
 * 64 KiB: the 100 KiB less what civetweb's request loop and our handler
 * use above it, with room to spare, so that an 800-deep token
 * overflows here as it did in the server (at 100 KiB the fuzzer's -O1
 * frames let it pass). */
#ifndef SYNCFN_FUZZ_WORKER_STACK_H
#define SYNCFN_FUZZ_WORKER_STACK_H

#include <pthread.h>
#include <stdlib.h>

#define WORKER_STACK_SIZE 65536

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
