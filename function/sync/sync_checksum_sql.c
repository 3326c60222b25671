/* sync_checksum_sql.c - the expressions the checksum's statements are
 * filled with: a row's hash and a row's segment, the same on both sides.
 *
 * A row hash covers every synced column, the key included, and must be
 * equal on both servers only when the row would compare equal in the
 * copy diff (COPY text identical) or be left alone by the merge. So a
 * column is hashed by its binary value only where that value's hash
 * tells every two values of different text apart: integers (as int4
 * where neither side is bigint, else as bigint, its whole 64 bits:
 * bigint's own hash folds them to 32, so 0 and 4294967297 would hash
 * alike), bool, uuid, date, bytea,
 * timestamps by their epoch or send bytes (their hash folds too),
 * numeric with the same declared scale on both sides (the sign in its
 * seed), and arrays of the
 * 32-bit and byte kinds or of text (element by element, text by its
 * bytes, with their dimensions); every other column is hashed by its text
 * form in byte order (::text COLLATE "C"), so 1.5 and 1.50 in an
 * unconstrained numeric, -0 and 0 in a float, json spacing, points, xml,
 * 'a' and 'A' under a case-insensitive collation all hash differently.
 * The session pins every setting that shapes those text forms
 * (sync_session.sql).
 *
 * Each column's 64-bit hash is seeded with its position (a NULL is a
 * constant of its position), the columns' hashes are XORed, and that is
 * the seed of a last hash of the key: two rows with the same non-key
 * values but other keys hash apart, so neither a segment's XOR nor a
 * swap of values between rows can cancel out. No record is built per
 * row (ROW() copied every value once more: a fifth of the statement). A
 * hash that differs between servers for equal rows (another build,
 * another byte order) can only make rows look changed, never hide a
 * change. */
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

/* Types whose values' binary hash, seeded, is exact: one value, one hash
 * input, however it was written (no two values of them are equal with
 * different text). */
static int exact_hash_type(const char *type)
{
	static const char *const exact[] = {
		"smallint", "integer", "boolean", "uuid", "bytea", "date",
	};
	for (size_t i = 0; i < sizeof exact / sizeof exact[0]; i++)
		if (strcmp(type, exact[i]) == 0)
			return 1;
	return 0;
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

/* Text types whose hash under COLLATE "C" is the hash of their bytes. */
static int bytes_type(const char *type)
{
	return strcmp(type, "text") == 0 ||
	       strcmp(type, "character varying") == 0 ||
	       strncmp(type, "character varying(", 18) == 0;
}

/* An array type whose elements hash exactly (by value, or text by
 * bytes): 1 integers and the like, 2 text, 0 none. */
static int exact_array(const char *type)
{
	size_t n = strlen(type);
	char elem[128];
	if (n < 3 || n - 2 >= sizeof elem || strcmp(type + n - 2, "[]") != 0)
		return 0;
	memcpy(elem, type, n - 2);
	elem[n - 2] = '\0';
	return exact_hash_type(elem) ? 1 : bytes_type(elem) ? 2 : 0;
}

/* numeric(p,s) on both sides alike: every value has scale s (and none is
 * infinite), so equal values have equal text, and numeric's hash, which
 * ignores trailing zeros, tells them apart but for two things: it drops
 * the sign (5.00 and -5.00 hash alike) and hashes NaN as its seed. So
 * negative values get a seed of their own (col_hash); NaN's seed is then
 * no finite value's hash but by chance, and zero hashes as seed - 1. */
static int scaled_numeric(const struct sync_col *c)
{
	return strncmp(c->src_type, "numeric(", 8) == 0 && !c->text_cmp &&
	       strcmp(c->src_type, c->tgt_type) == 0;
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

/* A column's seed (kind 0), NULL marker (1) or second seed (2: a
 * boolean's false, a numeric's negative values):
 * fixed, independent of each other's (two columns' constants XORed in
 * must never cancel), positive (a literal -9223372036854775808 is not an
 * int8). */
static long long ck_const(int pos, int kind)
{
	uint64_t z = (uint64_t)pos * 4 + (uint64_t)kind + 1;
	z += 0x9e3779b97f4a7c15u;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	z ^= z >> 31;
	return (long long)(z >> 2);
}

/* An array whose elements hash exactly: the elements' hashes combined in
 * order (hash_array_extended), seeded with the lower bound, or with the
 * whole dimensions when there are several, since the elements alone do
 * not tell '{a,b}' from '[0:1]={a,b}' or '{{a,b},{c,d}}' from '{a,b,c,d}'.
 * A NULL element hashes as 0, an empty array as 1; without its output
 * function an array costs a third of its text form's time. */
static void array_hash(struct sync_buf *h, const char *name, int text,
                       long long seed)
{
	sync_buf_add(h, "hash_array_extended((");
	add_ident(h, name);
	sync_buf_add(h, text ? " COLLATE \"C\"), " : "), ");
	sync_buf_add(h, "(CASE WHEN array_ndims(");
	add_ident(h, name);
	sync_buf_add(h, ") > 1 THEN hashtextextended(array_dims(");
	add_ident(h, name);
	sync_buf_add(h, "), 0) ELSE coalesce(array_lower(");
	add_ident(h, name);
	sync_buf_addf(h, ", 1), -1) END) # %lld)", seed);
}

/* A timestamp's seeded 64-bit hash, from all 64 bits of its value (the
 * type's own hash folds them to 32). Between 1700 and 2200 its epoch as
 * a float8 (date_part: the microseconds since 1970, exact below 2^53,
 * divided by a million): under 2^33 seconds from 1970 a float8's step is
 * under a microsecond, so two values a microsecond apart never round to
 * the same float8; that costs a fifth less than the send form, which
 * hashes every other value (infinity included) whole. */
static void ts_hash(struct sync_buf *h, const char *name, int tz,
                    long long seed)
{
	const char *zone = tz ? "+00'::timestamptz" : "'::timestamp";
	sync_buf_add(h, "CASE WHEN ");
	add_ident(h, name);
	sync_buf_addf(h, " >= '1700-01-01 00:00:00%s AND ", zone);
	add_ident(h, name);
	sync_buf_addf(h, " < '2200-01-01 00:00:00%s THEN "
	              "hashfloat8extended(date_part('epoch', ", zone);
	add_ident(h, name);
	sync_buf_addf(h, "), %lld) ELSE hash_record_extended(ROW(%s(", seed,
	              tz ? "timestamptz_send" : "timestamp_send");
	add_ident(h, name);
	sync_buf_addf(h, ")), %lld) END", seed);
}

/* One non-key column's seeded 64-bit hash, never NULL. */
static void col_hash(struct sync_buf *h, const struct sync_col *c, int pos)
{
	long long seed = ck_const(pos, 0), null = ck_const(pos, 1);
	int same = strcmp(c->src_type, c->tgt_type) == 0 && !c->text_cmp;
	const char *t = c->src_type;
	int array = same ? exact_array(t) : 0;
	int ints = int_type(c->src_type) && int_type(c->tgt_type);
	int wide = strcmp(c->src_type, "bigint") == 0 ||
	           strcmp(c->tgt_type, "bigint") == 0;
	sync_buf_add(h, "coalesce(");
	if (ints && !wide) {
		/* 32 bits at most on both sides: int4's hash takes them all,
		 * and costs a third of the int8 form below */
		sync_buf_add(h, "hashint4extended((");
		add_ident(h, c->name);
		sync_buf_addf(h, ")::int4, %lld)", seed);
	} else if (ints) {
		/* the value in the seed too: bigint's hash keeps 32 bits */
		sync_buf_add(h, "hashint8extended((");
		add_ident(h, c->name);
		sync_buf_add(h, ")::int8, (");
		add_ident(h, c->name);
		sync_buf_addf(h, ")::int8 # %lld)", seed);
	} else if (same && strcmp(t, "uuid") == 0) {
		sync_buf_add(h, "uuid_hash_extended(");
		add_ident(h, c->name);
		sync_buf_addf(h, ", %lld)", seed);
	} else if (same && strcmp(t, "boolean") == 0) {
		sync_buf_add(h, "CASE WHEN ");
		add_ident(h, c->name);
		sync_buf_addf(h, " THEN %lld WHEN NOT ", seed);
		add_ident(h, c->name);
		sync_buf_addf(h, " THEN %lld END", ck_const(pos, 2));
	} else if (same && (strcmp(t, "timestamp with time zone") == 0 ||
	                    strcmp(t, "timestamp without time zone") == 0)) {
		ts_hash(h, c->name, strcmp(t, "timestamp with time zone") == 0,
		        seed);
	} else if (same && (strcmp(t, "date") == 0 || strcmp(t, "bytea") == 0)) {
		sync_buf_add(h, "hash_record_extended(ROW(");
		add_ident(h, c->name);
		sync_buf_addf(h, "), %lld)", seed);
	} else if (scaled_numeric(c)) {
		sync_buf_add(h, "hash_numeric_extended(");
		add_ident(h, c->name);
		sync_buf_add(h, ", CASE WHEN ");
		add_ident(h, c->name);
		sync_buf_addf(h, " < 0 THEN %lld ELSE %lld END)", ck_const(pos, 2),
		              seed);
	} else if (array) {
		array_hash(h, c->name, array == 2, seed);
	} else {
		sync_buf_add(h, "hashtextextended((");
		add_ident(h, c->name);
		sync_buf_addf(h, "::text COLLATE \"C\"), %lld)", seed);
	}
	sync_buf_addf(h, ", %lld)", null);
}

/* The last hash: the key, seeded with the other columns' XOR (for an
 * integer key, XORed with the key too, whose hash keeps only 32 bits). */
static void key_final(struct sync_buf *h, const struct ck_sql *s,
                      const char *key, const char *inner)
{
	if (s->keyhash == CK_KEY_INT)
		sync_buf_addf(h, "hashint8extended((%s)::int8, (%s) # (%s)::int8)",
		              key, inner, key);
	else if (s->keyhash == CK_KEY_UUID)
		sync_buf_addf(h, "uuid_hash_extended(%s, %s)", key, inner);
	else
		sync_buf_addf(h, "hashtextextended((%s)::text COLLATE \"C\", %s)",
		              key, inner);
}

int ck_sql_init(struct ck_sql *s, const struct sync_table *t)
{
	struct sync_buf in = { 0 }, h = { 0 }, key = { 0 };
	for (int i = 0; i < t->ncols; i++) {
		const struct sync_col *c = &t->cols[i];
		if (c->is_key && !s->keytype) {
			s->keytype = strdup(c->src_type);
			s->keyhash = key_hash(c->src_type, c->tgt_type);
			add_ident(&key, c->name);
			continue;
		}
		sync_buf_add(&in, in.len ? " # " : "");
		col_hash(&in, c, i);
	}
	key_final(&h, s, sync_buf_str(&key), in.len ? sync_buf_str(&in)
	                                            : "0::int8");
	s->rowhash = h.p;
	int bad = in.oom || key.oom || h.oom || !s->keytype;
	sync_buf_free(&in);
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
	free(s->keytype);
	s->rowhash = s->keytype = NULL;
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
                     const char *key, int f)
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
	else
		sync_buf_addf(b, "((hashtextextended((%s)::text COLLATE \"C\", "
		              "0) & 2147483647) %% $%d::int8)::int", key, f);
}

/* The segments statement's grouping (sync_checksum_segments.sql). Integer
 * keys: by key >> shift, the segment's power-of-two width, one operation
 * a row (lo is a multiple of it), mapped to the segment's number once per
 * group: 0 / nseg + 1 for keys outside [lo, top), which only the target
 * can have and may hold several groups of. Other keys: as seg_expr. */
static void group_expr(struct sync_buf *b, const struct ck_sql *s,
                       const char *key, int f)
{
	if (s->int_key)
		sync_buf_addf(b, "(%s)::int8 >> %d", key, s->shift);
	else
		seg_expr(b, s, key, f);
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
	seg_expr(&seg, s, t->f.key, first);
	group_expr(&grp, s, t->f.key, first);
	pos_expr(&pos, s, t->f.key, first);
	slot_expr(&slot, s);
	sync_buf_add(&pack, "int4send(");
	group_seg(&pack, s, first);
	sync_buf_add(&pack, s->kbits ? ") || int8send(h) || int8send(b)"
	                             : ") || int4send(n) || int8send(h)");
	const struct sync_kv kv[] = {
		{ "seg", sync_buf_str(&seg) }, { "rowhash", s->rowhash },
		{ "group", sync_buf_str(&grp) }, { "pos", sync_buf_str(&pos) },
		{ "slot", sync_buf_str(&slot) }, { "pack", sync_buf_str(&pack) },
		{ "tbl", tbl }, { "key", t->f.key }, { "src", t->f.src },
		{ "cols", t->f.cols }, { "keytype", s->keytype },
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
