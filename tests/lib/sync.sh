# Helpers for the sync engine's test files (sync_*.sh); no tests here.
#
# A test picks a mode with sync_mode MODE NAME:
#   two   two databases NAME_src and NAME_dst, schema public on both
#   same  one database NAME, schema slave (source) and prod (target)
# and then talks to either side with src_q / dst_q, so the same test body
# covers both ways the engine moves rows.

sync_mode() {
	SYNC_MODE=$1
	unset SYNC_TABLES SYNC_EXCLUDE SOURCE_DATABASE_URL
	if [ "$1" = two ]; then
		SRC_DB=${2}_src DST_DB=${2}_dst SRC_PATH=public DST_PATH=public
		new_db "$SRC_DB"; new_db "$DST_DB"
		export SOURCE_DATABASE_URL=$(db_url "$SRC_DB")
		export TARGET_DATABASE_URL=$(db_url "$DST_DB")
		export SYNC_SOURCE_SCHEMA=public SYNC_TARGET_SCHEMA=public
	else
		SRC_DB=$2 DST_DB=$2 SRC_PATH=slave DST_PATH=prod
		new_db "$2"
		q "$2" "CREATE SCHEMA slave; CREATE SCHEMA prod"
		export TARGET_DATABASE_URL=$(db_url "$2")
		export SYNC_SOURCE_SCHEMA=slave SYNC_TARGET_SCHEMA=prod
	fi
}
src_q() { q "$SRC_DB" "SET search_path TO $SRC_PATH, public; $1"; }
dst_q() { q "$DST_DB" "SET search_path TO $DST_PATH, public; $1"; }
both_q() { src_q "$1" && dst_q "$1"; }

# run_sync [sync args...]: runs `syncfn sync`; sets OUT (stdout), ERR, RC
run_sync() {
	SYNC_N=$(( ${SYNC_N:-0} + 1 ))
	RC=0
	"$SYNCFN" sync "$@" >"$TEST_TMP/sync.$SYNC_N.out" 2>"$TEST_TMP/sync.$SYNC_N.log" || RC=$?
	slurp OUT "$TEST_TMP/sync.$SYNC_N.out"
	slurp ERR "$TEST_TMP/sync.$SYNC_N.log"
}
# sync_ok [args]: a sync that must succeed
sync_ok() {
	run_sync "$@"
	[ "$RC" = 0 ] || fail "sync exit $RC: $OUT $(printf '%.1500s' "$ERR")"
	assert_json "$OUT" 'j["success"]' true
}
# expect_counts INSERTED UPDATED UNCHANGED: totals of the last sync
expect_counts() {
	local k v got=()
	for k in inserted updated unchanged; do
		json_into v "$OUT" "j[\"statistics\"][\"$k\"]" || :
		got+=("$v")
	done
	assert_eq "[$1, $2, $3]" "[${got[0]}, ${got[1]}, ${got[2]}]" "counts ($SYNC_MODE) in $(printf '%.800s' "$OUT")"
}

# rows SIDE TABLE: every row as text, sorted
rows() { "${1}_q" "SELECT t::text FROM $2 t ORDER BY 1"; }
# same_rows TABLE: the source's rows equal the target's, as text
same_rows() {
	local a b
	a=$(rows src "$1"); b=$(rows dst "$1")
	[ -n "$a" ] || fail "source table $1 is empty: the test would prove nothing"
	[ "$a" = "$b" ] || fail "rows of $1 differ ($SYNC_MODE):
source: $a
target: $b"
}
# versions TABLE: the physical version of every target row (changes on any write)
versions() { dst_q "SELECT string_agg(xmin::text || ctid::text, ',' ORDER BY ctid) FROM $1"; }
# writes TABLE: rows inserted + updated + deleted on the target, from the
# statistics collector (waits until it has settled)
writes() {
	local prev=x cur i
	for ((i = 0; i < 20; i++)); do
		cur=$(dst_q "SELECT pg_stat_clear_snapshot(); SELECT n_tup_ins + n_tup_upd + n_tup_del FROM pg_stat_user_tables WHERE relid = '$1'::regclass")
		[ "$cur" = "$prev" ] && break
		prev=$cur; nap 0.25
	done
	echo "$cur"
}
# wait_rc PID: waits for a background child; sets WAIT_RC (common.sh's
# wait_exit stops a `set -e` test when the child exits nonzero)
wait_rc() { WAIT_RC=0; wait "$1" || WAIT_RC=$?; }
# alert_sink: a webhook receiver (tests/http_sink.py) that SYNC_ALERT_WEBHOOK_URL
# points at; every post is a line of SINK_FILE; SINK_PID to stop it
alert_sink() {
	SINK_PORT=$(free_port)
	SINK_FILE=$TEST_TMP/sink.jsonl
	: >"$SINK_FILE"
	python3 "$ROOT/tests/http_sink.py" "$SINK_PORT" "$SINK_FILE" &
	SINK_PID=$!
	wait_http "http://127.0.0.1:$SINK_PORT/"
	export SYNC_ALERT_WEBHOOK_URL=http://127.0.0.1:$SINK_PORT/hooks/alert
}
