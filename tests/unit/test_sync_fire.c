/* test_sync_fire.c - the merge's report of columns a target trigger
 * rewrote (sync_fire_found): named once each, in the order found, and
 * kept apart from the plan, whose comparisons hold for the whole run. */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "sync_fire.h"

static char names[4][8] = { "id", "a", "b", "c" };

static void table(struct sync_table *t, struct sync_col *cols)
{
	memset(t, 0, sizeof *t);
	memset(cols, 0, 4 * sizeof *cols);
	for (int i = 0; i < 4; i++)
		cols[i].name = names[i];
	cols[0].is_key = 1;
	t->cols = cols;
	t->ncols = 4;
}

static void done(struct sync_table *t)
{
	free(t->fire.found);
	free(t->fire.found_cols);
}

TEST(found_columns_named_once)
{
	struct sync_table t;
	struct sync_col cols[4];
	table(&t, cols);
	CHECK_INT(sync_fire_found(&t, ""), 0);
	CHECK(t.fire.found_cols == NULL);
	CHECK_INT(sync_fire_found(&t, "4,2"), 0);
	CHECK_STR(t.fire.found, "c, a");
	/* a later chunk's merge finds some again, and one more */
	CHECK_INT(sync_fire_found(&t, "2,3,4"), 0);
	CHECK_STR(t.fire.found, "c, a, b");
	/* out of range and malformed indexes are ignored */
	CHECK_INT(sync_fire_found(&t, "0,5,x"), 0);
	CHECK_STR(t.fire.found, "c, a, b");
	done(&t);
}

TEST(plan_columns_stay_as_planned)
{
	struct sync_table t;
	struct sync_col cols[4];
	table(&t, cols);
	cols[2].uncompared = 1; /* recorded by an earlier run */
	CHECK_INT(sync_fire_found(&t, "2,3"), 0);
	/* b was not compared, so it cannot have been found this run */
	CHECK_STR(t.fire.found, "a");
	for (int i = 0; i < 4; i++)
		CHECK_INT(cols[i].uncompared, i == 2);
	CHECK_INT(t.fire.found_cols[1], 1);
	CHECK_INT(t.fire.found_cols[2], 0);
	done(&t);
}

TEST_MAIN(CASE(found_columns_named_once) CASE(plan_columns_stay_as_planned))
