/* thread_defer.c - holds back the threads a call starts (see
 * thread_defer.h). */
#include "thread_defer.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

typedef int create_fn(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);

/* Per thread, so that only the threads the deferring thread itself
 * starts are held; set and cleared by the pair around one call. */
static _Thread_local struct thread_defer *deferring;

/* The pthread_create that ours stands in front of: libc's, or a
 * sanitizer's interceptor before it. */
static create_fn *next_create(void)
{
	return (create_fn *)dlsym(RTLD_NEXT, "pthread_create");
}

int pthread_create(pthread_t *restrict id, const pthread_attr_t *restrict attr,
                   void *(*fn)(void *), void *restrict arg)
{
	struct thread_defer *td = deferring;
	if (!td || td->n == td->max) {
		create_fn *create = next_create();
		return create ? create(id, attr, fn, arg) : EAGAIN;
	}
	struct thread_defer_entry *e = &td->held[td->n++];
	*e = (struct thread_defer_entry){ .id = id, .fn = fn, .arg = arg };
	if (attr) {
		int state = PTHREAD_CREATE_JOINABLE;
		pthread_attr_getstacksize(attr, &e->stack_size);
		pthread_attr_getdetachstate(attr, &state);
		e->detached = state == PTHREAD_CREATE_DETACHED;
	}
	return 0;
}

void thread_defer_begin(struct thread_defer *td, int max)
{
	td->max = max < THREAD_DEFER_MAX ? max : THREAD_DEFER_MAX;
	td->n = 0;
	deferring = td;
}

void thread_defer_end(void)
{
	deferring = NULL;
}

static int start_one(create_fn *create, const struct thread_defer_entry *e)
{
	pthread_attr_t a;
	int rc = pthread_attr_init(&a);
	if (rc != 0)
		return rc;
	if (e->stack_size)
		rc = pthread_attr_setstacksize(&a, e->stack_size);
	if (rc == 0 && e->detached)
		rc = pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
	if (rc == 0)
		rc = create(e->id, &a, e->fn, e->arg);
	pthread_attr_destroy(&a);
	return rc;
}

int thread_defer_start(struct thread_defer *td, char *err, size_t errlen)
{
	create_fn *create = next_create();
	int failed = 0;
	for (int i = 0; i < td->n; i++) {
		int rc = create ? start_one(create, &td->held[i]) : EAGAIN;
		if (rc != 0 && failed++ == 0)
			snprintf(err, errlen, "could not start thread %d of %d: %s", i + 1,
			         td->n, strerror(rc));
	}
	td->n = 0;
	return failed;
}
