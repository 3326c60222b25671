/* test_runtime_thread_defer.c - threads held back while a call runs start
 * afterwards, in order, with their stack size, ids written back; others
 * start at once. */
#include <pthread.h>
#include <stdatomic.h>

#include "harness.h"
#include "thread_defer.h"

static atomic_int ran[4];
static size_t stack_seen[4];

static void *mark(void *arg)
{
	int i = (int)(long)arg;
	pthread_attr_t a;
	if (pthread_getattr_np(pthread_self(), &a) == 0) {
		pthread_attr_getstacksize(&a, &stack_seen[i]);
		pthread_attr_destroy(&a);
	}
	atomic_store(&ran[i], 1);
	return arg;
}

static pthread_attr_t small_stack(void)
{
	pthread_attr_t a;
	pthread_attr_init(&a);
	pthread_attr_setstacksize(&a, 102400);
	return a;
}

TEST(held_threads_start_afterwards_with_their_attributes)
{
	struct thread_defer td;
	pthread_t t[3] = { 0, 0, 0 };
	pthread_attr_t a = small_stack();
	thread_defer_begin(&td, 2);
	for (long i = 0; i < 3; i++)
		CHECK_INT(pthread_create(&t[i], &a, mark, (void *)i), 0);
	thread_defer_end();
	/* the third was past the two held, and started at once */
	CHECK_INT(td.n, 2);
	void *r;
	CHECK_INT(pthread_join(t[2], &r), 0);
	CHECK_INT((long)r, 2);
	CHECK_INT(atomic_load(&ran[0]) + atomic_load(&ran[1]), 0);
	char err[128] = "";
	CHECK_INT(thread_defer_start(&td, err, sizeof err), 0);
	for (long i = 0; i < 2; i++) {
		CHECK(t[i] != 0);
		CHECK_INT(pthread_join(t[i], &r), 0);
		CHECK_INT((long)r, i);
		CHECK_INT(atomic_load(&ran[i]), 1);
		CHECK(stack_seen[i] >= 102400 && stack_seen[i] < 200000);
	}
	pthread_attr_destroy(&a);
}

static void *create_one(void *arg)
{
	pthread_t *t = arg;
	return (void *)(long)pthread_create(t, NULL, mark, (void *)3L);
}

TEST(only_the_deferring_thread_is_held)
{
	struct thread_defer td;
	pthread_t helper, inner = 0;
	thread_defer_begin(&td, 4);
	/* held: this thread's own creation */
	CHECK_INT(pthread_create(&helper, NULL, create_one, &inner), 0);
	CHECK_INT(td.n, 1);
	thread_defer_end();
	char err[128] = "";
	CHECK_INT(thread_defer_start(&td, err, sizeof err), 0);
	void *r;
	CHECK_INT(pthread_join(helper, &r), 0);
	CHECK_INT((long)r, 0);
	/* the helper's own thread was not held */
	CHECK_INT(pthread_join(inner, NULL), 0);
	CHECK_INT(atomic_load(&ran[3]), 1);
}

TEST_MAIN(CASE(held_threads_start_afterwards_with_their_attributes)
          CASE(only_the_deferring_thread_is_held))
