/* sync_checksum_sql.c - the expressions the checksum's statements are
 * filled with: a row's hash and a row's segment, one per side.
 *
 * A row hash covers every synced column, the key included, and two rows
 * must hash alike only when the target's row is exactly what COPY would
 * write for the source's (up to a 64-bit collision). The argument:
 *
 * - Each column is read as one exact input: a value whose every bit
 *   counts (integers whole, bool as 0/1, uuid, date, bytea, timestamps
 *   by their epoch between 1700 and 2200, where a float8 tells every two
 *   microseconds apart, else by their send form), or else the text COPY
 *   writes for it (its type's output function, not ::text: bpchar keeps
 *   its blanks) in byte order. Text covers numeric (scale, sign, NaN),
 *   floats (-0), json, arrays (elements, NULL elements, bounds and
 *   dimensions are all in an array's text) and every other type. A
 *   column whose type differs between the sides is text on both: the
 *   target's, and on the source the target type's output of what its
 *   input function makes of the source's text, which is COPY's
 *   conversion, where the target's type is one the source has too and
 *   that conversion cannot fail where COPY would not; else the source's
 *   own text (equal texts still mean equal rows: a type reads back its
 *   own output; other texts only mean a fetch the merge then finds
 *   equal).
 * - The columns are chained, in order: each one's hash is seeded with
 *   the hash so far, XORed with a constant of the column's position (a
 *   second constant when the value is NULL, whose input is then a fixed
 *   value). Every step is one of PostgreSQL's seeded 64-bit hash
 *   functions (lookup3 over the input and the whole seed), so a column's
 *   change reaches every later step through a non-linear mix: no two
 *   columns' changes can cancel (no XOR of column hashes), no value is a
 *   structural zero (no built-in hash sees an array, a NULL or a
 *   numeric's weight: those went by PostgreSQL's linear or seedless
 *   steps and were missed), and the same values in other columns hash
 *   apart. The last step hashes the key, seeded with the chain.
 *
 * Segments XOR their rows' hashes; a row's hash is a 64-bit value
 * mixed from all of its columns and its key, so rows cannot cancel but
 * by a collision. A hash that differs between servers for equal rows
 * (another build, another byte order) can only make rows look changed,
 * never hide a change. The session pins every setting that shapes the
 * texts (sync_session.sql). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fn_log.h"
#include "sync_checksum_parts.h"

static int int_type(const char *type)
{
	return strcmp(type, "smallint") == 0 || strcmp(type, "integer") == 0 ||
	       strcmp(type, "bigint") == 0;
}

/* Equal keys must land in the same segment on both sides: the binary
 * value's hash is the same for equal values of one type (integers of any
 * width as bigint), and costs no output function per row. */
static int key_hash(const char *src, const char *tgt)
{
	if (int_type(src) && int_type(tgt))
		return CK_KEY_INT;
	if (strcmp(src, "uuid") == 0 && strcmp(tgt, "uuid") == 0)
		return CK_KEY_UUID;
	return CK_KEY_TEXT;
}

/* Appends the identifier name, double-quoted as PQescapeIdentifier does. */
static void add_ident(struct sync_buf *b, const char *name)
{
	sync_buf_add(b, "\"");
	for (const char *p = name; *p; p++) {
		if (*p == '"')
			sync_buf_add(b, "\"\"");
		else
			sync_buf_addn(b, p, 1);
	}
	sync_buf_add(b, "\"");
}

/* A column's constant (kind 0), its NULL's (1), the chain's start (2):
 * fixed and independent of each other's, positive (a literal
 * -9223372036854775808 is not an int8). */
static long long ck_const(int pos, int kind)
{
	uint64_t z = (uint64_t)pos * 4 + (uint64_t)kind + 1;
	z += 0x9e3779b97f4a7c15u;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	z ^= z >> 31;
	return (long long)(z >> 2);
}

/* How a column is read into its hash (the file's comment says why each
 * is exact). */
enum ck_read {
	CK_INT4,   /* 32 bits at most on both sides */
	CK_INT8,   /* an integer, bigint on a side */
	CK_UUID,
	CK_BOOL,
	CK_TS,     /* timestamp or timestamptz */
	CK_RECORD, /* date, bytea: their own seeded hash, through a record */
	CK_TEXT,   /* the text COPY writes */
};

static enum ck_read read_kind(const struct sync_col *c)
{
	const char *t = c->src_type;
	if (int_type(c->src_type) && int_type(c->tgt_type))
		return strcmp(c->src_type, "bigint") == 0 ||
		       strcmp(c->tgt_type, "bigint") == 0 ? CK_INT8 : CK_INT4;
	if (strcmp(c->src_type, c->tgt_type) != 0 || c->text_cmp)
		return CK_TEXT;
	if (strcmp(t, "uuid") == 0)
		return CK_UUID;
	if (strcmp(t, "boolean") == 0)
		return CK_BOOL;
	if (strcmp(t, "timestamp with time zone") == 0 ||
	    strcmp(t, "timestamp without time zone") == 0)
		return CK_TS;
	if (strcmp(t, "date") == 0 || strcmp(t, "bytea") == 0)
		return CK_RECORD;
	return CK_TEXT;
}

/* Whether no value of the type has the empty text, which then stands
 * for a NULL: a step without the NULL's constant (a fifth cheaper). */
static int never_empty(const char *type)
{
	static const char *const kinds[] = {
		"json", "jsonb", "numeric", "double precision", "real",
		"interval", "money", "date", "uuid", "inet", "cidr", "macaddr",
		"macaddr8", "boolean", "smallint", "integer", "bigint",
		"timestamp", "time", "point", "lseg", "box", "path", "polygon",
		"circle", "line",
	};
	size_t n = strlen(type);
	if (n > 2 && strcmp(type + n - 2, "[]") == 0)
		return 1; /* "{}" at least */
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
		size_t k = strlen(kinds[i]);
		/* the name alone, or with a typmod or "with time zone" */
		if (strncmp(type, kinds[i], k) == 0 &&
		    (type[k] == '\0' || type[k] == '(' || type[k] == ' '))
			return 1;
	}
	return 0;
}

/* Whether the source can convert a column's text as COPY into the target
 * would: the type COPY converts into on the target (a domain's base type,
 * with the domain's typmod) is one the source has, and the conversion
 * cannot cut a value that COPY would refuse (an input function given a
 * length checks it as COPY does; only the bit and character types take
 * one, and they never round). */
static int convertible(const struct sync_col *c)
{
	return c->tgt_builtin && c->in_fn && c->in_args &&
	       strcmp(c->src_type, c->tgt_type) != 0;
}

/* The text COPY writes for column c's value on one side (src: the
 * source's, converted as COPY would into the target's type where the
 * source can). */
static void col_text(struct sync_buf *h, const struct sync_col *c, int src,
                     const char *v)
{
	if (!src || strcmp(c->src_type, c->tgt_type) == 0) {
		sync_col_text(h, v, src ? c->src_text_out : c->text_out);
		return;
	}
	if (!convertible(c)) {
		sync_col_text(h, v, c->src_text_out);
		return;
	}
	struct sync_buf in = { 0 }, conv = { 0 };
	sync_buf_add(&in, "pg_catalog.textout(");
	sync_col_text(&in, v, c->src_text_out);
	sync_buf_add(&in, ")");
	sync_buf_addf(&conv, "%s(%s%s)", c->in_fn, sync_buf_str(&in), c->in_args);
	sync_col_text(h, sync_buf_str(&conv), c->text_out);
	h->oom |= in.oom || conv.oom;
	sync_buf_free(&in);
	sync_buf_free(&conv);
}

/* A seeded 64-bit hash of the UTF-8 bytes of text expression expr: on a
 * UTF-8 server its own bytes, elsewhere converted first (the hash of a
 * bytea through a record is the hash of the same bytes), so equal texts
 * hash alike across the servers' encodings. */
static void text_hash(struct sync_buf *h, const char *expr, const char *seed,
                      int utf8)
{
	if (utf8)
		sync_buf_addf(h, "pg_catalog.hashtextextended((%s) COLLATE \"C\", "
		              "%s)", expr, seed);
	else
		sync_buf_addf(h, "pg_catalog.hash_record_extended(ROW("
		              "pg_catalog.convert_to(%s, 'UTF8')), %s)", expr,
		              seed);
}

/* The timestamp range whose epoch as a float8 is exact to the
 * microsecond (under 2^33 s from 1970 a float8's step is under 1 us). */
static void ts_in_range(struct sync_buf *h, const char *v, int tz)
{
	const char *zone = tz ? "+00'::timestamptz" : "'::timestamp";
	sync_buf_addf(h, "%s >= '1700-01-01 00:00:00%s AND %s < "
	              "'2200-01-01 00:00:00%s", v, zone, v, zone);
}

/* The seed of column c's step: the chain so far XOR the column's
 * constant, or its NULL's; a timestamp outside the float8 range XORs
 * the hash of its send form instead (its input is then NaN). */
static void step_seed(struct sync_buf *h, const struct sync_col *c,
                      enum ck_read k, const char *v, const char *prev,
                      int pos)
{
	long long key = ck_const(pos, 0), null = ck_const(pos, 1);
	sync_buf_addf(h, "(%s) # ", prev);
	if (k == CK_TS) {
		int tz = strcmp(c->src_type, "timestamp with time zone") == 0;
		sync_buf_add(h, "(CASE WHEN ");
		ts_in_range(h, v, tz);
		sync_buf_addf(h, " THEN %lld::int8 ELSE coalesce("
		              "pg_catalog.hash_record_extended(ROW(pg_catalog.%s(%s)), %lld), "
		              "%lld) END)", key, tz ? "timestamptz_send"
		                                    : "timestamp_send",
		              v, key, null);
	} else if (c->not_null || (k == CK_TEXT && never_empty(c->src_type) &&
	                           never_empty(c->tgt_type))) {
		sync_buf_addf(h, "%lld::int8", key);
	} else {
		sync_buf_addf(h, "(CASE WHEN %s IS NULL THEN %lld::int8 ELSE "
		              "%lld::int8 END)", v, null, key);
	}
}

/* One step of the chain: column c (at pos) hashed with seed prev. */
static void col_step(struct sync_buf *h, const struct sync_col *c, int pos,
                     int src, int utf8, const char *prev)
{
	struct sync_buf v = { 0 }, seed = { 0 };
	add_ident(&v, c->name);
	enum ck_read k = read_kind(c);
	const char *val = sync_buf_str(&v);
	step_seed(&seed, c, k, val, prev, pos);
	const char *sd = sync_buf_str(&seed);
	switch (k) {
	case CK_INT4:
		sync_buf_addf(h, "pg_catalog.hashint4extended(coalesce((%s)::int4, "
		              "0), %s)", val, sd);
		break;
	case CK_INT8: /* the value in the seed too: its hash keeps 32 bits */
		sync_buf_addf(h, "pg_catalog.hashint8extended(coalesce((%s)::int8, "
		              "0), %s # coalesce((%s)::int8, 0))", val, sd, val);
		break;
	case CK_UUID:
		sync_buf_addf(h, "pg_catalog.uuid_hash_extended(coalesce(%s, "
		              "'00000000-0000-0000-0000-000000000000'::uuid), %s)",
		              val, sd);
		break;
	case CK_BOOL:
		sync_buf_addf(h, "pg_catalog.hashint4extended(coalesce((%s)::int4, "
		              "0), %s)", val, sd);
		break;
	case CK_TS: {
		int tz = strcmp(c->src_type, "timestamp with time zone") == 0;
		sync_buf_add(h, "pg_catalog.hashfloat8extended(coalesce(CASE WHEN ");
		ts_in_range(h, val, tz);
		sync_buf_addf(h, " THEN pg_catalog.date_part('epoch', %s) END, "
		              "'NaN'::float8), %s)", val, sd);
		break;
	}
	case CK_RECORD:
		sync_buf_addf(h, "pg_catalog.hash_record_extended(ROW(coalesce(%s, "
		              "%s)), %s)", val, strcmp(c->src_type, "date") == 0
		              ? "'1970-01-01'::date" : "'\\x'::bytea", sd);
		break;
	case CK_TEXT: {
		struct sync_buf text = { 0 };
		sync_buf_add(&text, "coalesce(");
		col_text(&text, c, src, val);
		sync_buf_add(&text, ", '')");
		text_hash(h, sync_buf_str(&text), sd, utf8);
		h->oom |= text.oom;
		sync_buf_free(&text);
		break;
	}
	}
	h->oom |= v.oom || seed.oom;
	sync_buf_free(&v);
	sync_buf_free(&seed);
}

/* The last hash: the key, seeded with the chain (for an integer key,
 * XORed with the key too, whose hash keeps only 32 bits). */
static void key_final(struct sync_buf *h, const struct ck_sql *s,
                      const char *key, const char *chain, int utf8)
{
	if (s->keyhash == CK_KEY_INT) {
		sync_buf_addf(h, "pg_catalog.hashint8extended((%s)::int8, (%s) # "
		              "(%s)::int8)", key, chain, key);
	} else if (s->keyhash == CK_KEY_UUID) {
		sync_buf_addf(h, "pg_catalog.uuid_hash_extended(%s, %s)", key,
		              chain);
	} else {
		char text[300];
		snprintf(text, sizeof text, "(%s)::text", key);
		text_hash(h, text, chain, utf8);
	}
}

/* One side's row hash: the columns' chain, then the key; NULL on out
 * of memory. */
static char *row_hash(const struct ck_sql *s, const struct sync_table *t,
                      int src, const char *key)
{
	int utf8 = s->utf8[src];
	struct sync_buf cur = { 0 }, h = { 0 };
	sync_buf_addf(&cur, "%lld::int8", ck_const(0, 2));
	for (int i = 0; i < t->ncols && !cur.oom; i++) {
		const struct sync_col *c = &t->cols[i];
		/* insert-only: a row that exists is never updated, so only
		 * its key matters; a column a target trigger rewrites is not
		 * compared (sync_fire.h) */
		if (c->is_key || t->insert_only || c->uncompared)
			continue;
		struct sync_buf next = { 0 };
		col_step(&next, c, i, src, utf8, sync_buf_str(&cur));
		sync_buf_free(&cur);
		cur = next;
	}
	key_final(&h, s, key, sync_buf_str(&cur), utf8);
	int bad = cur.oom || h.oom;
	sync_buf_free(&cur);
	if (bad) {
		sync_buf_free(&h);
		return NULL;
	}
	return h.p;
}

/* A name for a statement's own column that none of t's columns has
 * (a table may have a column of any name). */
static void own_name(char *out, size_t len, const struct sync_table *t)
{
	for (int n = 0;; n++) {
		snprintf(out, len, n ? "syncfn_ck_seg%d" : "syncfn_ck_seg", n);
		int taken = 0;
		for (int i = 0; i < t->ncols && !taken; i++)
			taken = strcmp(t->cols[i].name, out) == 0;
		if (!taken)
			return;
	}
}

int ck_sql_init(struct ck_sql *s, const struct sync_table *t, int src_utf8,
                int tgt_utf8)
{
	s->utf8[0] = tgt_utf8;
	s->utf8[1] = src_utf8;
	own_name(s->segcol, sizeof s->segcol, t);
	struct sync_buf key = { 0 };
	for (int i = 0; i < t->ncols && !s->keytype; i++) {
		const struct sync_col *c = &t->cols[i];
		if (!c->is_key)
			continue;
		s->keytype = strdup(c->src_type);
		s->keyhash = key_hash(c->src_type, c->tgt_type);
		add_ident(&key, c->name);
	}
	if (!key.oom && s->keytype) {
		s->rowhash = row_hash(s, t, 0, sync_buf_str(&key));
		s->rowhash_src = row_hash(s, t, 1, sync_buf_str(&key));
	}
	int bad = key.oom || !s->keytype || !s->rowhash || !s->rowhash_src;
	sync_buf_free(&key);
	if (bad) {
		ck_sql_free(s);
		return -1;
	}
	return 0;
}

void ck_sql_free(struct ck_sql *s)
{
	free(s->rowhash);
	free(s->rowhash_src);
	free(s->keytype);
	s->rowhash = s->rowhash_src = s->keytype = NULL;
}

/* The segment of a row, with parameters from $f on. Integer keys: value
 * ranges of `width` from lo, 1 .. nseg, and 0 / nseg + 1 for keys outside
 * [lo, top) (only the target can have those: rows written meanwhile).
 * Other keys: a 64-bit hash of the key (its binary value when both sides
 * have integers or both uuid, else its text in byte order, whatever the
 * column's collation) modulo nseg, 0 .. nseg - 1: both servers put a key
 * in the same segment with no boundaries to agree on, segments come out
 * even whatever the keys' distribution, and target-only keys spread
 * over them like any other. (Boundaries compared with width_bucket over a
 * text[] cost a walk of the array per row.) */
static void seg_expr(struct sync_buf *b, const struct ck_sql *s,
                     const char *key, int f, int utf8)
{
	if (s->int_key)
		sync_buf_addf(b, "(CASE WHEN %s < $%d::int8 THEN 0 "
		              "WHEN %s >= $%d::int8 THEN $%d::int + 1 "
		              "ELSE 1 + ((%s - $%d::int8) / $%d::int8)::int END)",
		              key, f, key, f + 1, f + 2, key, f, f + 3);
	else if (s->keyhash == CK_KEY_INT)
		sync_buf_addf(b, "((hashint8extended((%s)::int8, 0) & 2147483647)"
		              " %% $%d::int8)::int", key, f);
	else if (s->keyhash == CK_KEY_UUID)
		sync_buf_addf(b, "((uuid_hash_extended(%s, 0) & 2147483647)"
		              " %% $%d::int8)::int", key, f);
	else {
		char text[300];
		snprintf(text, sizeof text, "(%s)::text", key);
		sync_buf_add(b, "((");
		text_hash(b, text, "0", utf8);
		sync_buf_addf(b, " & 2147483647) %% $%d::int8)::int", f);
	}
}

/* The segments statement's grouping (sync_checksum_segments.sql). Integer
 * keys: by key >> shift, the segment's power-of-two width, one operation
 * a row (lo is a multiple of it), mapped to the segment's number once per
 * group: 0 / nseg + 1 for keys outside [lo, top), which only the target
 * can have and may hold several groups of. Other keys: as seg_expr. */
static void group_expr(struct sync_buf *b, const struct ck_sql *s,
                       const char *key, int f, int utf8)
{
	if (s->int_key)
		sync_buf_addf(b, "(%s)::int8 >> %d", key, s->shift);
	else
		seg_expr(b, s, key, f, utf8);
}

static void group_seg(struct sync_buf *b, const struct ck_sql *s, int f)
{
	if (s->int_key)
		sync_buf_addf(b, "(CASE WHEN seg < ($%d::int8 >> %d) THEN 0 "
		              "WHEN seg >= ($%d::int8 >> %d) THEN $%d::int + 1 "
		              "ELSE (seg - ($%d::int8 >> %d))::int + 1 END)",
		              f, s->shift, f + 1, s->shift, f + 2, f, s->shift);
	else
		sync_buf_add(b, "seg");
}

/* A row's key offset in its segment: i for key lo + (seg - 1) * width +
 * i, the key's low bits, since lo is a multiple of the width. */
static void pos_expr(struct sync_buf *b, const struct ck_sql *s,
                     const char *key, int f)
{
	if (s->int_key)
		sync_buf_addf(b, "((%s)::int8 & ($%d::int8 - 1))::int", key, f + 3);
	else
		sync_buf_add(b, "-1");
}

/* A row's slot from its offset pos and hash h: kbits bits at pos, 1 +
 * the hash modulo 2^kbits - 1, so never 0 (0 is an absent key). */
static void slot_expr(struct sync_buf *b, const struct ck_sql *s)
{
	if (s->kbits)
		sync_buf_addf(b, "(1 + (h & 65535) %% %d) << (%d * pos)",
		              (1 << s->kbits) - 1, s->kbits);
	else
		sync_buf_add(b, "0::int8");
}

char *ck_sql_expand(const struct ck_sql *s, const struct sync_table *t,
                    const char *tmpl, const char *tbl, int first,
                    char *err, size_t errlen)
{
	struct sync_buf seg = { 0 }, pos = { 0 }, slot = { 0 }, out = { 0 };
	struct sync_buf grp = { 0 }, pack = { 0 };
	int src = tbl == t->f.src;
	seg_expr(&seg, s, t->f.key, first, s->utf8[src]);
	group_expr(&grp, s, t->f.key, first, s->utf8[src]);
	pos_expr(&pos, s, t->f.key, first);
	slot_expr(&slot, s);
	sync_buf_add(&pack, "int4send(");
	group_seg(&pack, s, first);
	sync_buf_add(&pack, s->kbits ? ") || int8send(h) || int8send(b)"
	                             : ") || int4send(n) || int8send(h)");
	const struct sync_kv kv[] = {
		{ "seg", sync_buf_str(&seg) },
		{ "rowhash", src ? s->rowhash_src : s->rowhash },
		{ "group", sync_buf_str(&grp) }, { "pos", sync_buf_str(&pos) },
		{ "slot", sync_buf_str(&slot) }, { "pack", sync_buf_str(&pack) },
		{ "tbl", tbl }, { "key", t->f.key }, { "src", t->f.src },
		{ "cols", t->f.cols }, { "keytype", s->keytype },
		{ "segcol", s->segcol },
	};
	int bad = sync_tmpl(&out, tmpl, kv, sizeof kv / sizeof kv[0], err,
	                    errlen);
	if (!bad && (seg.oom || grp.oom || pos.oom || slot.oom || pack.oom ||
	             out.oom)) {
		fn_err(err, errlen, "table %s: out of memory", t->label);
		bad = 1;
	}
	sync_buf_free(&seg);
	sync_buf_free(&grp);
	sync_buf_free(&pos);
	sync_buf_free(&slot);
	sync_buf_free(&pack);
	if (bad) {
		sync_buf_free(&out);
		return NULL;
	}
	return out.p;
}

int ck_sql_params(const struct ck_sql *s, const char **p)
{
	if (!s->int_key) {
		p[0] = s->nseg;
		return 1;
	}
	p[0] = s->lo, p[1] = s->top, p[2] = s->nseg, p[3] = s->width;
	return 4;
}
