#!/usr/bin/env bash
# run.sh - `make bench`: cold start, QStash verification speed, sync
# speed against the COPY limit and the connection ceiling.
#
#   bash bench/run.sh [--quick] [--only coldstart|verify|sync|incr|conns]...
#
# --only incr runs only the incremental rule's cases (they are part of
# sync too): BENCH_ROWS="1000000 10000000" bash bench/run.sh --only incr
# gives the 10M-row figure beside the 1M one without filling the other
# cases' ten tables.
#
# Environment:
#   BUILD         build directory with syncfn and its engines (build)
#   BENCH_ROWS    table sizes for the sync bench, space separated, each a
#                 multiple of 100 (full: "100000 1000000", --quick: "100000")
#   BENCH_REPS    repetitions of each sync case, the median is reported
#                 (full 5, --quick 3)
#   COLD_RUNS     cold-start runs per server (full 200, --quick 50)
#   COLD_BASELINE a commit whose cold start is measured side by side with
#                 this build's (8c1cb6f, the 2026-11-25 build; empty: none)
#   BENCH_TIMEOUT seconds one timed command may take before it is killed (300)
#   BENCH_CONNS   connections held open for the connection ceiling
#                 (full: "50 100 200 400", --quick: "50 100")
#   BENCH_KEEP=1  keep the work directory (server log, JSON results, logs)
#   BENCH_HUGE_PAGES=0  the sync server's shared memory in 4 kB pages
#                 (default: huge pages when we may reserve them; see
#                 bench/huge_pages.sh for why)
#
# Every figure fails soft: a case that cannot run prints "n/a: <reason>"
# and the bench goes on; the closing summary lists every goal.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 1
BUILD=${BUILD:-build}
BUILD_ARG=$BUILD # as given, for make's targets
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
SYNCFN=$BUILD/syncfn

QUICK=0
ONLY=()
while [ $# -gt 0 ]; do
	case $1 in
	--quick) QUICK=1 ;;
	--only) shift; ONLY+=("${1:-}") ;;
	-h|--help) sed -n '2,27p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "bench/run.sh: unknown argument $1 (try --help)" >&2; exit 2 ;;
	esac
	shift
done
if [ $QUICK = 1 ]; then
	BENCH_ROWS=${BENCH_ROWS:-100000}
	BENCH_REPS=${BENCH_REPS:-3}
	COLD_RUNS=${COLD_RUNS:-50}
	BENCH_CONNS=${BENCH_CONNS:-50 100}
else
	BENCH_ROWS=${BENCH_ROWS:-100000 1000000}
	BENCH_REPS=${BENCH_REPS:-5}
	COLD_RUNS=${COLD_RUNS:-200}
	BENCH_CONNS=${BENCH_CONNS:-50 100 200 400}
fi
BENCH_TIMEOUT=${BENCH_TIMEOUT:-300}
COLD_BASELINE=${COLD_BASELINE-8c1cb6f}

wanted() {
	[ ${#ONLY[@]} = 0 ] && return 0
	local o
	for o in "${ONLY[@]}"; do [ "$o" = "$1" ] && return 0; done
	return 1
}
hdr() { printf '\n== %s ==\n' "$*"; }
na_summary() { printf '%s\t%s\t%s\tn/a\n' "$1" "n/a: $2" "$3" >>"$SUMMARY"; }
one_line() { tr '\n\t' '  ' | sed 's/  */ /g; s/ $//' | cut -c1-300; }

WORK=$(mktemp -d /tmp/syncfn-bench.XXXXXX) || exit 1
chmod 755 "$WORK" # the PostgreSQL server runs as user postgres when we are root
SUMMARY=$WORK/summary.tsv
PG_DIR=
cleanup() {
	[ -n "$PG_DIR" ] && pg_stop "$PG_DIR"
	huge_pages_release
	if [ "${BENCH_KEEP:-0}" = 1 ]; then
		echo "work directory kept: $WORK"
	else
		rm -rf "$WORK"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- cold start -------------------------------------------------------------

# cold ARGS...: one coldstart line, with " error=..." appended on failure.
# The servers get a clean environment configured as in production (no
# database is ever contacted: /healthz and an unconfigured schedule call need none).
cold() {
	local out err
	out=$(env -i PATH=/usr/bin:/bin HOME="$WORK" LOG_FORMAT=json \
		TARGET_DATABASE_URL=postgresql://syncfn:bench-password@127.0.0.1:1/prod \
		SOURCE_DATABASE_URL=postgresql://syncfn:bench-password@127.0.0.1:1/slave \
		QSTASH_CURRENT_SIGNING_KEY=sig_bench_current QSTASH_NEXT_SIGNING_KEY=sig_bench_next \
		QSTASH_TOKEN=${COLD_QSTASH_TOKEN-bench-qstash-token} APP_URL=https://syncfn.example.test \
		SYNC_ADMIN_TOKEN=bench-admin-token \
		"$WORK/coldstart" -l "$WORK/serve.log" "$@" 2>"$WORK/cold.err")
	err=$(one_line <"$WORK/cold.err")
	echo "${out:-runs=0 ok=0}${err:+ error=$err}"
}

bench_coldstart() {
	hdr "cold start: exec -> first response, $COLD_RUNS runs each"
	if ! cc -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror bench/coldstart.c \
		-o "$WORK/coldstart" 2>"$WORK/cc.log"; then
		echo "n/a: bench/coldstart.c does not compile: $(one_line <"$WORK/cc.log")"
		na_summary "cold start" "harness does not compile" "<= 15 ms"
		return
	fi
	local node s o n
	node=$(command -v node || echo /usr/bin/node)
	if [ -x "$SYNCFN" ]; then
		s=$(cold -n "$COLD_RUNS" -- "$SYNCFN" serve --port '{PORT}')
		# --once exits after the first invocation has been answered; an
		# authorised schedule call without QSTASH_TOKEN is one that loads
		# no engine and contacts nothing (503 "schedule not configured").
		o=$(COLD_QSTASH_TOKEN= cold -n "$COLD_RUNS" -x -a bench-admin-token \
			-p /api/background/sync/schedule -s 503 \
			-- "$SYNCFN" serve --port '{PORT}' --once)
		o="$o status=503"
	else
		s="runs=0 ok=0 error=$SYNCFN is not built (make BUILD=${BUILD#"$ROOT"/} all)"
		o=$s
	fi
	n=$(cold -n "$COLD_RUNS" -- "$node" "$ROOT/bench/node_healthz.js")
	python3 bench/report.py coldstart "$s" "$o" "$n" "$SUMMARY"
}

# bench_coldstart_side: the cold start of this build and of an earlier
# commit (COLD_BASELINE, a commit of this repository; empty to skip), built
# in the work directory and run in turns, 10 rounds of COLD_RUNS/10 runs
# each, so that a load on the machine weighs on both alike; the median of
# the rounds' medians, wall clock and the server's CPU time.
bench_coldstart_side() {
	local commit=$COLD_BASELINE base=$WORK/base r per out cur=() old=()
	[ -n "$commit" ] || return 0
	hdr "cold start side by side: this build and $commit"
	if ! git -C "$ROOT" cat-file -e "$commit^{commit}" 2>/dev/null; then
		echo "n/a: $commit is not a commit of this repository"
		na_summary "cold start side by side" "$commit not found" "<= 1.15x $commit's"
		return
	fi
	mkdir -p "$base"
	if ! { git -C "$ROOT" archive "$commit" | tar -x -C "$base" &&
		make -C "$base" --no-print-directory -j2 all >"$WORK/base.log" 2>&1; }; then
		echo "n/a: $commit does not build: $(tail -n 3 "$WORK/base.log" | one_line)"
		na_summary "cold start side by side" "$commit does not build" "<= 1.15x $commit's"
		return
	fi
	per=$(( COLD_RUNS / 10 < 5 ? 5 : COLD_RUNS / 10 ))
	for ((r = 0; r < 10; r++)); do
		cur+=("$(cold -n "$per" -- "$SYNCFN" serve --port '{PORT}')")
		old+=("$(cold -n "$per" -- "$base/build/syncfn" serve --port '{PORT}')")
	done
	python3 bench/report.py coldside "$commit" "$SUMMARY" "${cur[@]}" -- "${old[@]}"
}

# --- QStash verification speed ----------------------------------------------

bench_verify() {
	hdr "QStash signature verification speed"
	local goal=">= 200000/s" bin
	if [ ! -f bench/verify_bench.c ]; then
		echo "n/a: bench/verify_bench.c is not written yet"
		na_summary "verify: verifications per second" "bench/verify_bench.c missing" "$goal"
		return
	fi
	# Built by the Makefile's $(BUILD)/verify-bench target (make bench
	# builds it first; this catches a direct bench/run.sh).
	bin=$BUILD/verify-bench
	if ! make --no-print-directory -s BUILD="$BUILD_ARG" "$BUILD_ARG/verify-bench" >"$WORK/verify.build" 2>&1; then
		echo "n/a: make $bin failed: $(tail -n 3 "$WORK/verify.build" | one_line)"
		na_summary "verify: verifications per second" "does not build" "$goal"
		return
	fi
	if ! timeout "$BENCH_TIMEOUT" "$bin" >"$WORK/verify.out" 2>&1; then
		echo "n/a: $bin failed: $(tail -n 3 "$WORK/verify.out" | one_line)"
		na_summary "verify: verifications per second" "benchmark failed" "$goal"
		return
	fi
	cat "$WORK/verify.out"
	local rate
	rate=$(grep -oE '[0-9][0-9.]*[ ]*(/s|per second|verifications/s)' "$WORK/verify.out" | head -n 1 | grep -oE '^[0-9.]+')
	if [ -n "$rate" ]; then
		printf '%s\t%s\t%s\t%s\n' "verify: verifications per second, 1 core" "$rate/s" "$goal" \
			"$(awk -v r="$rate" 'BEGIN { print (r >= 200000) ? "PASS" : "MISS" }')" >>"$SUMMARY"
	else
		na_summary "verify: verifications per second" "no rate in its output" "$goal"
	fi
}

# --- sync speed ---------------------------------------------------------------

# shellcheck source=tests/lib/pg.sh
. "$ROOT/tests/lib/pg.sh"
# shellcheck source=bench/huge_pages.sh
. "$ROOT/bench/huge_pages.sh"

adm() { local db=$1; shift; psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" "$@"; }
url() { echo "postgresql://postgres:${PGPASSWORD_TEST}@127.0.0.1:${PGPORT}/$1"; }

# Waits until no session is connected to DB: a backend flushes its
# statistics before it leaves pg_stat_activity, so counters read after
# this include everything the finished sessions wrote.
wait_idle() {
	local i
	for ((i = 0; i < 1000; i++)); do
		[ "$(adm postgres -c "SELECT count(*) FROM pg_stat_activity WHERE datname = '$1'")" = 0 ] && return 0
		sleep 0.01
	done
	return 1
}
# tup DB REL: "inserted updated" counters of REL so far
tup() {
	wait_idle "$1"
	adm "$1" -F ' ' -c "SELECT pg_stat_clear_snapshot()" \
		-c "SELECT n_tup_ins, n_tup_upd FROM pg_stat_user_tables WHERE relid = '$2'::regclass"
}

# delta INS0 UPD0 INS1 UPD1: "d_ins d_upd", or "- -" if a reading failed
delta() {
	if [ $# = 4 ]; then echo "$(($3 - $1)) $(($4 - $2))"; else echo "- -"; fi
}
# record ROWS CASE REP SECS RSS_KB D_INS D_UPD EXP_INS EXP_UPD WAL_BYTES STATUS NOTE
record() { local IFS=$'\t'; echo "$*" >>"$WORK/results.tsv"; }

# Why a syncfn run failed, in one line: the JSON error, else its stderr.
sync_reason() {
	local tag=$1 rc=$2 why
	why=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("error") or "")' "$tag.json" 2>/dev/null)
	[ -n "$why" ] || why=$(tail -n 2 "$tag.err" | one_line)
	[ "$rc" = 124 ] && why="killed after ${BENCH_TIMEOUT}s"
	echo "exit $rc: ${why:-no output}"
}

# timed_sync ROWS CASE REP EXP_INS EXP_UPD DB REL VAR=VALUE...: one timed
# `syncfn sync` in a clean environment, with its peak RSS and the rows it
# wrote into REL of DB.
timed_sync() {
	local rows=$1 case=$2 rep=$3 ei=$4 eu=$5 db=$6 rel=$7
	shift 7
	local tag=$WORK/sync.$rows.$case.$rep before after t0 t1 rc rss lsn wal
	if [ ! -x "$SYNCFN" ] || [ ! -f "$BUILD/syncfn-sync.so" ]; then
		record "$rows" "$case" "$rep" - - - - "$ei" "$eu" - fail \
			"${SYNCFN#"$ROOT"/} or syncfn-sync.so next to it is not built (make BUILD=$BUILD_ARG all)"
		return 1
	fi
	adm "$db" -c CHECKPOINT
	before=$(tup "$db" "$rel")
	lsn=$(adm postgres -c "SELECT pg_current_wal_insert_lsn()")
	t0=$EPOCHREALTIME
	env -i PATH="$PATH" HOME="$WORK" LOG_FORMAT=json "$@" \
		/usr/bin/time -f '%M' -o "$tag.rss" \
		timeout -k 5 "$BENCH_TIMEOUT" "$SYNCFN" sync >"$tag.json" 2>"$tag.err"
	rc=$?
	t1=$EPOCHREALTIME
	after=$(tup "$db" "$rel")
	wal=$(adm postgres -c "SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), '$lsn')::bigint")
	rss=$(tail -n 1 "$tag.rss" 2>/dev/null | grep -E '^[0-9]+$')
	if [ $rc = 0 ]; then
		# shellcheck disable=SC2046 # delta's two words are two fields
		record "$rows" "$case" "$rep" "$(echo "$t1 - $t0" | bc)" "${rss:--}" \
			$(delta $before $after) "$ei" "$eu" "${wal:--}" ok "$tag.json"
	else
		record "$rows" "$case" "$rep" - "${rss:--}" - - "$ei" "$eu" - fail "$(sync_reason "$tag" $rc)"
	fi
	return $rc
}

# timed_sh ROWS CASE REP EXP_INS EXP_UPD DB REL COMMAND: a baseline, timed
# the same way (wall clock around the whole command, connections included).
timed_sh() {
	local rows=$1 case=$2 rep=$3 ei=$4 eu=$5 db=$6 rel=$7 cmd=$8
	local tag=$WORK/base.$rows.$case.$rep before after t0 t1 rc lsn wal
	adm "$db" -c CHECKPOINT
	before=$(tup "$db" "$rel")
	lsn=$(adm postgres -c "SELECT pg_current_wal_insert_lsn()")
	t0=$EPOCHREALTIME
	timeout -k 5 "$BENCH_TIMEOUT" bash -c "set -o pipefail; $cmd" >/dev/null 2>"$tag.err"
	rc=$?
	t1=$EPOCHREALTIME
	after=$(tup "$db" "$rel")
	wal=$(adm postgres -c "SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), '$lsn')::bigint")
	if [ $rc = 0 ]; then
		# shellcheck disable=SC2046 # delta's two words are two fields
		record "$rows" "$case" "$rep" "$(echo "$t1 - $t0" | bc)" - \
			$(delta $before $after) "$ei" "$eu" "${wal:--}" ok -
	else
		record "$rows" "$case" "$rep" - - - - "$ei" "$eu" - fail "exit $rc: $(tail -n 2 "$tag.err" | one_line)"
	fi
	return $rc
}

setup_size() {
	local n=$1 db
	for db in src dst base same srcx dstx srcu dstu; do
		dropdb --if-exists "$db" && createdb "$db" || return 1
	done
	adm src -v lo=1 -v hi="$n" -f bench/table.sql -f bench/fill.sql -c "VACUUM (ANALYZE) t" || return 1
	adm dst -f bench/table.sql || return 1
	adm base -f bench/table.sql || return 1
	adm same -v lo=1 -v hi="$n" \
		-c "CREATE SCHEMA src" -c "SET search_path = src" -f bench/table.sql -f bench/fill.sql \
		-c "CREATE SCHEMA dst" -c "SET search_path = dst" -f bench/table.sql \
		-c "CREATE SCHEMA base" -c "SET search_path = base" -f bench/table.sql \
		-c "VACUUM (ANALYZE) src.t" || return 1
	# the checksum cases: a target with target-only rows spread over the key range
	# (the source lacks every tenth row), and a uuid key on both sides
	adm srcx -v lo=1 -v hi="$n" -f bench/table.sql -f bench/fill.sql \
		-c "DELETE FROM t WHERE id % 10 = 5" -c "VACUUM (ANALYZE) t" || return 1
	adm dstx -v lo=1 -v hi="$n" -f bench/table.sql -f bench/fill.sql -c "VACUUM (ANALYZE) t" || return 1
	local u
	for u in srcu dstu; do
		adm $u -v lo=1 -v hi="$n" -f bench/table.sql -f bench/fill.sql \
			-c "ALTER TABLE t ALTER id TYPE uuid USING md5(id::text)::uuid" \
			-c "VACUUM (ANALYZE) t" || return 1
	done
	# per-table rules: copies of the pristine source (a template copy is
	# a file copy), and an empty target for the filtered initial sync
	for db in srcr srcd dstd; do
		dropdb --if-exists "$db" && createdb -T src "$db" || return 1
	done
	dropdb --if-exists dstr && createdb dstr && adm dstr -f bench/table.sql || return 1
	echo "$n bytes $(psql -X -d src -c 'COPY t TO STDOUT' | wc -c)" >>"$WORK/meta.tsv"
	setup_incr "$n"
}

# The source gets 1% of its first n rows changed and 1% new rows for
# repetition k; each repetition touches different rows, so the target is
# exactly 1% + 1% behind every time.
change_source() {
	local n=$1 k=$2 p=$(($1 / 100))
	adm src -v lo=$((n + (k - 1) * p + 1)) -v hi=$((n + k * p)) \
		-c "UPDATE t SET qty = qty + 1, attrs = coalesce(attrs, '{}') || jsonb_build_object('rev', $k)
		    WHERE id <= $n AND id % 100 = $k" \
		-f bench/fill.sql -c "VACUUM (ANALYZE) t"
}

upsert_sql() {
	local c="name, qty, price, tags, attrs, created_at, active" set="" x
	for x in ${c//,/}; do set="$set${set:+, }$x = EXCLUDED.$x"; done
	echo "INSERT INTO base.t SELECT * FROM src.t ON CONFLICT (id) DO UPDATE SET $set
	      WHERE (base.t.${c//, /, base.t.}) IS DISTINCT FROM (EXCLUDED.${c//, /, EXCLUDED.})"
}

sync_cases() {
	local n=$1 r reps=$BENCH_REPS p=$(($1 / 100)) ok_initial=1
	local pipe two same
	local psql="psql -X -q -v ON_ERROR_STOP=1"
	pipe="$psql '$(url src)' -c 'COPY t TO STDOUT' | $psql '$(url base)' -c 'COPY t FROM STDIN'"
	two=(TARGET_DATABASE_URL="$(url dst)" SOURCE_DATABASE_URL="$(url src)")
	same=(TARGET_DATABASE_URL="$(url same)" SYNC_SOURCE_SCHEMA=src SYNC_TARGET_SCHEMA=dst)

	echo "[$n rows] initial: COPY pipe and syncfn into empty targets, interleaved"
	for ((r = 1; r <= reps; r++)); do
		adm base -c "TRUNCATE t"
		timed_sh "$n" copy_pipe $r "$n" 0 base public.t "$pipe"
		adm dst -c "TRUNCATE t"
		[ $ok_initial = 1 ] && { timed_sync "$n" initial $r "$n" 0 dst public.t "${two[@]}" || ok_initial=0; }
	done
	adm dst -c "VACUUM (ANALYZE) t"
	adm base -c "VACUUM (ANALYZE) t"

	# Each re-sync case's baseline is the pipe again, run beside each of
	# its repetitions: a shared machine has slower and faster phases
	# (the pipe moved 6.3 to 8.9 s between runs), and a baseline measured
	# minutes earlier moved ratios by a tenth.
	beside() { # KEY REP ROWS: the pipe of the source's ROWS rows
		adm base -c "TRUNCATE t"
		timed_sh "$n" "copy_pipe_$1" "$2" "$3" 0 base public.t "$pipe"
	}

	echo "[$n rows] re-sync with no change"
	for ((r = 1; r <= reps; r++)); do
		timed_sync "$n" nochange $r 0 0 dst public.t "${two[@]}" || break
		beside nochange $r "$n"
	done

	echo "[$n rows] re-sync with 1% changed and 1% new, then again with no change"
	for ((r = 1; r <= reps; r++)); do
		change_source "$n" $r || { echo "n/a: could not change the source" >&2; break; }
		adm dst -c "VACUUM (ANALYZE) t"
		timed_sync "$n" delta $r "$p" "$p" dst public.t "${two[@]}" || break
		# the last run differed, so this one cannot start with the
		# whole-table comparison (README, checksums, step 0)
		timed_sync "$n" nochange_after $r 0 0 dst public.t "${two[@]}" || break
		beside delta $r $((n + r * p))
	done

	echo "[$n rows] re-sync with no change, SYNC_CHECKSUM=off (the copy diff, for reference)"
	for ((r = 1; r <= reps; r++)); do
		timed_sync "$n" nochange_off $r 0 0 dst public.t "${two[@]}" SYNC_CHECKSUM=off || break
		beside off $r $((n + reps * p))
	done

	echo "[$n rows] re-sync with no change, 10% of the target's rows target-only"
	for ((r = 1; r <= reps; r++)); do
		timed_sync "$n" extra $r 0 0 dstx public.t TARGET_DATABASE_URL="$(url dstx)" \
			SOURCE_DATABASE_URL="$(url srcx)" || break
		beside extra $r $((n + reps * p))
	done

	echo "[$n rows] re-sync with no change, uuid key"
	for ((r = 1; r <= reps; r++)); do
		timed_sync "$n" uuid $r 0 0 dstu public.t TARGET_DATABASE_URL="$(url dstu)" \
			SOURCE_DATABASE_URL="$(url srcu)" || break
		beside uuid $r $((n + reps * p))
	done

	echo "[$n rows] same database, other schema: upsert and syncfn, interleaved"
	local up
	up="$psql '$(url same)' -c \"$(upsert_sql)\""
	ok_initial=1
	for ((r = 1; r <= reps; r++)); do
		adm same -c "TRUNCATE base.t"
		timed_sh "$n" same_initial_base $r "$n" 0 same base.t "$up"
		adm same -c "TRUNCATE dst.t"
		[ $ok_initial = 1 ] && { timed_sync "$n" same_initial $r "$n" 0 same dst.t "${same[@]}" || ok_initial=0; }
	done
	adm same -c "VACUUM (ANALYZE) base.t" -c "VACUUM (ANALYZE) dst.t"
	local ok_nochange=1
	for ((r = 1; r <= reps; r++)); do
		timed_sh "$n" same_nochange_base $r 0 0 same base.t "$up"
		[ $ok_nochange = 1 ] && { timed_sync "$n" same_nochange $r 0 0 same dst.t "${same[@]}" || ok_nochange=0; }
	done
	rules_cases "$n"
	incr_cases "$n"
}

# Per-table rules (SYNC_RULES), each against the COPY pipe of the whole
# table beside it: a filter keeping every tenth row (spread over the
# table, so no index range serves it), initial and re-sync; and a delete
# rule with 1% of the target's rows gone from the source, on the checksum
# path (each repetition deletes other rows, and each run must delete them
# all: the row counts are compared after it).
rules_cases() {
	local n=$1 r p=$(($1 / 100)) reps=$BENCH_REPS
	local filt=(TARGET_DATABASE_URL="$(url dstr)" SOURCE_DATABASE_URL="$(url srcr)"
		SYNC_RULES='{"t": {"where": "id % 10 = 0"}}')
	local del=(TARGET_DATABASE_URL="$(url dstd)" SOURCE_DATABASE_URL="$(url srcd)"
		SYNC_RULES='{"t": {"delete": {"max_percent": 5}}}')
	echo "[$n rows] filtered sync, 10% of the rows in scope: initial, then no change"
	for ((r = 1; r <= reps; r++)); do
		adm dstr -c "TRUNCATE t"
		timed_sync "$n" rules_initial $r $((n / 10)) 0 dstr public.t "${filt[@]}" || break
		beside rules_initial $r "$n"
	done
	adm dstr -c "VACUUM (ANALYZE) t"
	for ((r = 1; r <= reps; r++)); do
		timed_sync "$n" rules_nochange $r 0 0 dstr public.t "${filt[@]}" || break
		beside rules_nochange $r "$n"
	done
	echo "[$n rows] delete rule, 1% of the target's rows gone from the source (checksum)"
	for ((r = 1; r <= reps; r++)); do
		adm srcd -c "DELETE FROM t WHERE id % 100 = $((50 + r))" -c "VACUUM (ANALYZE) t"
		adm dstd -c "VACUUM (ANALYZE) t"
		timed_sync "$n" rules_delete $r 0 0 dstd public.t "${del[@]}" || break
		local left want
		left=$(adm dstd -c "SELECT count(*) FROM t") want=$(adm srcd -c "SELECT count(*) FROM t")
		[ "$left" = "$want" ] || record "$n" rules_delete $r - - - - - - - fail \
			"the target kept $left rows, the source has $want"
		beside rules_delete $r "$n"
	done
}

# --- incremental rule -----------------------------------------------------------

# setup_incr N: srci, the bench table with an updated_at column stamped
# per row (clock_timestamp(), so the values differ and grow like a
# writer's) and indexed on the source; dsti a file copy of it, so the
# first (full) run finds the tables alike; basei the COPY pipe's target.
setup_incr() {
	local n=$1 db
	for db in srci dsti basei; do dropdb --if-exists "$db" || return 1; done
	createdb srci && createdb basei || return 1
	for db in srci basei; do
		adm $db -f bench/table.sql \
			-c "ALTER TABLE t ADD updated_at timestamptz NOT NULL DEFAULT clock_timestamp()" || return 1
	done
	adm srci -v lo=1 -v hi="$n" -f bench/fill.sql -c "CREATE INDEX ON t (updated_at)" \
		-c "VACUUM (ANALYZE) t" || return 1
	createdb -T srci dsti || return 1
	echo "$n incr_bytes $(psql -X -d srci -c 'COPY t TO STDOUT' | wc -c)" >>"$WORK/meta.tsv"
}

# The incremental rule on updated_at (lookback 0): a first run (full,
# shown only), then per repetition a no-change run with, beside it, the
# checksum's no-change run of the same tables (no rule) and the COPY
# pipe; then per repetition 1% of the rows updated (updated_at = now(),
# other rows each time) and the run that must write exactly those.
incr_cases() {
	local n=$1 r p=$(($1 / 100)) reps=$BENCH_REPS
	local psql="psql -X -q -v ON_ERROR_STOP=1" pipe
	pipe="$psql '$(url srci)' -c 'COPY t TO STDOUT' | $psql '$(url basei)' -c 'COPY t FROM STDIN'"
	local two=(TARGET_DATABASE_URL="$(url dsti)" SOURCE_DATABASE_URL="$(url srci)")
	local rule=(SYNC_RULES='{"t": {"incremental": {"column": "updated_at", "lookback": "0"}}}')
	pipe_beside() { # KEY REP
		adm basei -c "TRUNCATE t"
		timed_sh "$n" "copy_pipe_$1" "$2" "$n" 0 basei public.t "$pipe"
	}
	echo "[$n rows] incremental rule: first run (full), then no change beside the checksum and the pipe"
	timed_sync "$n" incr_first 1 0 0 dsti public.t "${two[@]}" "${rule[@]}" || return
	for ((r = 1; r <= reps; r++)); do
		timed_sync "$n" incr_nochange $r 0 0 dsti public.t "${two[@]}" "${rule[@]}" || break
		timed_sync "$n" incr_checksum $r 0 0 dsti public.t "${two[@]}" || break
		pipe_beside incr_nochange $r
	done
	echo "[$n rows] incremental rule: 1% of the rows updated since the last run"
	for ((r = 1; r <= reps; r++)); do
		adm srci -c "UPDATE t SET qty = qty + 1, updated_at = now() WHERE id % 100 = $r" \
			-c "VACUUM (ANALYZE) t" || { echo "n/a: could not change srci" >&2; break; }
		adm dsti -c "VACUUM (ANALYZE) t"
		timed_sync "$n" incr_delta $r 0 "$p" dsti public.t "${two[@]}" "${rule[@]}" || break
		pipe_beside incr_delta $r
	done
}

# bench_incr: --only incr, the incremental cases alone at each size.
bench_incr() {
	hdr "incremental rule against the COPY pipe and the checksum, sizes: $BENCH_ROWS, $BENCH_REPS repetitions"
	sync_server || return
	each_size setup_incr incr_cases incremental
	sync_report
}

# each_size SETUP CASES LABEL: for each BENCH_ROWS size, SETUP N fills the
# databases, then CASES N measures; a size whose databases could not be
# made is reported n/a under LABEL.
each_size() {
	local n t0
	for n in $BENCH_ROWS; do
		t0=$SECONDS
		echo "[$n rows] filling the source ..."
		if ! "$1" "$n" >"$WORK/setup.$n.log" 2>&1; then
			echo "n/a: could not create the $n-row databases: $(tail -n 3 "$WORK/setup.$n.log" | one_line)"
			na_summary "$3, $n rows" "could not create the databases" "see docs/benchmarks.md"
			continue
		fi
		"$2" "$n" 2>>"$WORK/cases.log"
		echo "[$n rows] done in $((SECONDS - t0)) s"
	done
}

# sync_server: checks BENCH_ROWS and starts the server the sync cases use.
sync_server() {
	local n
	for n in $BENCH_ROWS; do
		if ! [[ $n =~ ^[0-9]+$ ]] || [ $((n % 100)) != 0 ] || [ "$n" -lt 1000 ]; then
			echo "n/a: BENCH_ROWS entry $n is not a multiple of 100 of at least 1000"
			na_summary "sync speed" "bad BENCH_ROWS" "see docs/benchmarks.md"
			return 1
		fi
	done
	if [ ! -x "$SYNCFN" ] || [ ! -f "$BUILD/syncfn-sync.so" ]; then
		echo "note: $SYNCFN or its engine syncfn-sync.so is not built; only the baselines will run"
	fi
	PG_DIR=$WORK/pg
	# 256 MB of shared buffers (tests/lib/pg.sh) and the rest of the
	# server's shared memory
	huge_pages_reserve 320
	# autovacuum off and a large max_wal_size keep background work out of
	# the timed commands; the bench VACUUMs and CHECKPOINTs between them.
	local opts=(autovacuum=off max_wal_size=8GB checkpoint_timeout=1h)
	if [ "$HUGE_SETTING" = on ] &&
		! pg_start "$PG_DIR" "${opts[@]}" huge_pages=on >"$WORK/pg_start.log" 2>&1; then
		HUGE_SETTING=off
		HUGE_NOTE="server shared memory in 4 kB pages (it did not start with huge_pages=on: $(grep -m 1 FATAL "$WORK/pg_start.log" | sed 's/.*FATAL: *//' | one_line))"
		huge_pages_release
		rm -rf "$PG_DIR"
	fi
	echo "$HUGE_NOTE"
	printf '%s\t%s\t%s\tinfo\n' "sync server" "$HUGE_NOTE" "(none)" >>"$SUMMARY"
	if [ "$HUGE_SETTING" = off ] &&
		! pg_start "$PG_DIR" "${opts[@]}" huge_pages=off >"$WORK/pg_start.log" 2>&1; then
		echo "n/a: could not start PostgreSQL: $(tail -n 3 "$WORK/pg_start.log" | one_line)"
		na_summary "sync speed" "PostgreSQL did not start" "see docs/benchmarks.md"
		PG_DIR=
		return 1
	fi
}

# sync_report: the tables of every sync case measured, then the server stops.
sync_report() {
	[ -f "$WORK/results.tsv" ] || : >"$WORK/results.tsv"
	[ -f "$WORK/meta.tsv" ] || : >"$WORK/meta.tsv"
	python3 bench/report.py sync "$WORK/results.tsv" "$WORK/meta.tsv" "$SUMMARY"
	pg_stop "$PG_DIR"
	PG_DIR=
}

bench_sync() {
	hdr "sync speed against the COPY limit, sizes: $BENCH_ROWS, $BENCH_REPS repetitions"
	sync_server || return
	each_size setup_size sync_cases "sync speed"
	sync_report
}

# --- connection ceiling ------------------------------------------------------

# civetweb serves one connection per worker thread (64): N idle or trickling
# connections, then the time to /healthz and to an authorised answer. The
# goal: both under 1 s up to 50 held connections (the README says where the
# ceiling is and what fronts it in each deployment).
bench_conns() {
	hdr "connection ceiling: N held connections, then /healthz and an authorised call"
	if [ ! -x "$SYNCFN" ]; then
		echo "n/a: $SYNCFN is not built"
		na_summary "conns: answers beside held connections" "syncfn not built" "< 1000 ms up to 50"
		return
	fi
	local kind n port pid line h a o token=bench-conns-admin-token-23
	for kind in idle trickle; do
		for n in $BENCH_CONNS; do
			port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
			env -u TARGET_DATABASE_URL -u SOURCE_DATABASE_URL PORT=$port \
				SYNC_ADMIN_TOKEN=$token "$SYNCFN" serve >"$WORK/conns.$kind.$n.log" 2>&1 &
			pid=$!
			for _ in $(seq 1 100); do
				curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$port/healthz" && break
				sleep 0.05
			done
			line=$(timeout "$BENCH_TIMEOUT" python3 bench/conn_bench.py "$port" "$token" "$kind" "$n" 60)
			kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
			read -r _ _ h a o <<<"$line"
			echo "$kind connections: $n held ($o accepted) -> /healthz ${h:-n/a} ms, authorised ${a:-n/a} ms"
			printf '%s\t%s\t%s\t%s\n' "conns: $n $kind, /healthz and an authorised call" \
				"${h:-n/a} ms, ${a:-n/a} ms" "< 1000 ms up to 50" \
				"$(awk -v n="$n" -v h="${h:-x}" -v a="${a:-x}" 'BEGIN {
					ok = (h ~ /^[0-9]+$/ && a ~ /^[0-9]+$/ && h < 1000 && a < 1000)
					print (n > 50 ? (ok ? "PASS" : "over the ceiling") : (ok ? "PASS" : "MISS")) }')" >>"$SUMMARY"
		done
	done
}

# --- main -------------------------------------------------------------------

echo "syncfn bench: $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, build ${BUILD#"$ROOT"/}$([ $QUICK = 1 ] && echo ', quick')"
: >"$SUMMARY"
wanted coldstart && { bench_coldstart; bench_coldstart_side; }
wanted verify && bench_verify
wanted sync && bench_sync
wanted incr && ! wanted sync && bench_incr
wanted conns && bench_conns
hdr "summary"
python3 bench/report.py summary "$SUMMARY"
