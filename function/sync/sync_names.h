/* sync_names.h - the table lists of SYNC_TABLES and SYNC_EXCLUDE.
 *
 * A list is comma-separated entries: `*`, `name`, `schema.name`, or
 * `src=dst` with either side a name or schema.name. A part may be written
 * as PostgreSQL writes a quoted identifier ("my.table", "a""b"), so names
 * holding `.`, `,`, `=` or spaces can be named; an unquoted part is taken
 * as written (no case folding), as before quoting was accepted.
 */
#ifndef SYNCFN_SYNC_NAMES_H
#define SYNCFN_SYNC_NAMES_H

#include <stddef.h>

struct sync_name {
	char *schema; /* NULL: the side's default schema */
	char *name;
};

struct sync_entry {
	int star;               /* `*` */
	int pair;               /* `src=dst` */
	struct sync_name src, dst; /* dst is set only for a pair */
};

struct sync_list {
	struct sync_entry *e;
	int n;
};

/* Parses list (NULL or "" gives no entries). what names the variable in
 * err ("SYNC_TABLES"). 0, or -1 with err set (a malformed entry, or out
 * of memory: *oom then set). */
int sync_names_parse(const char *list, const char *what,
                     struct sync_list *out, int *oom, char *err,
                     size_t errlen);
void sync_names_free(struct sync_list *l);

/* Whether an exclusion list names the table pair: an entry without `=`
 * that names the source table or the target table (an unqualified name
 * in either schema), or a `src=dst` entry that names both. */
int sync_names_excludes(const struct sync_list *l, const char *src_schema,
                        const char *src_name, const char *tgt_schema,
                        const char *tgt_name);

#endif
