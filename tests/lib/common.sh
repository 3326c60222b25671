# common.sh - helpers every test case file can use (tests/run sources it).
#
# Environment set by tests/run:
#   SYNCFN       the binary under test (build/syncfn or build/asan/syncfn)
#   BUILD_DIR    its build directory (plugins, qstash-dev, unit tests)
#   TEST_TMP     a fresh directory for this one test case
#   PGHOST PGPORT PGUSER PGPASSWORD_TEST   the throwaway PostgreSQL server
#   ROOT         the repository

source "${BASH_SOURCE[0]%/*}/nap.sh"

# --- assertions: each prints what differs and fails the test -----------------
fail() { echo "FAIL: $*" >&2; exit 1; }
# skip WHY: the case does not apply here; counted as skipped, not passed
skip() { echo "skipped: $*"; exit 77; }
assert_eq() { [ "$1" = "$2" ] || fail "${3:-values differ}: expected [$1], got [$2]"; }
assert_contains() { case "$1" in *"$2"*) ;; *) fail "${3:-missing text}: [$2] not in [$(printf '%.2000s' "$1")]";; esac; }
assert_not_contains() { case "$1" in *"$2"*) fail "${3:-unexpected text}: [$2] found";; esac; }
# Every process costs milliseconds here (a fork of this shell about 4 ms on
# a small VM): the helpers an assertion runs start no process but the
# one that does the work, so they fill variables rather than print into
# $(...).
# tool_path NAME: TOOL_PATH is the path of a test helper from tests/tools/
# (built by `make unit`), or empty when it is not built
tool_path() {
	local d
	TOOL_PATH=
	for d in "$ROOT/build/tools" "${BUILD_DIR:-}/tools"; do
		[ -x "$d/$1" ] && { TOOL_PATH=$d/$1; return 0; }
	done
	return 0
}
# slurp VAR FILE: VAR is FILE's text as $(cat FILE) gives it (its trailing
# newlines cut), empty when there is no FILE
slurp() {
	local -n slurp_v=$1
	slurp_v=
	[ -r "$2" ] || return 0
	IFS= read -r -d '' slurp_v <"$2" || :
	while [ "${slurp_v: -1}" = $'\n' ]; do slurp_v=${slurp_v%$'\n'}; done
}
# json_value JSON PYTHON-EXPR: the value of a Python expression on j, as
# print() shows a string and json.dumps anything else. Plain subscripts
# (j["a"][0], len(...)) are read by tests/tools/json_get; the rest by Python.
json_value() {
	local rc=2
	tool_path json_get
	if [ -n "$TOOL_PATH" ]; then
		"$TOOL_PATH" "$2" <<<"$1" && return 0 || rc=$?
	fi
	[ $rc = 2 ] || return $rc
	python3 -c 'import json,sys; j=json.load(sys.stdin); v=eval(sys.argv[1]); print(json.dumps(v) if not isinstance(v,str) else v)' "$2" <<<"$1"
}
# json_into VAR JSON PYTHON-EXPR: VAR is json_value's output (and its
# errors); its status
json_into() {
	local json_into_f=$TEST_TMP/.json_value.$BASHPID json_into_rc=0
	json_value "$2" "$3" >"$json_into_f" 2>&1 || json_into_rc=$?
	slurp "$1" "$json_into_f"
	return $json_into_rc
}
# assert_json JSON PYTHON-EXPR EXPECTED [WHAT]
assert_json() {
	local got
	json_into got "$1" "$2" \
		|| fail "not JSON or bad path $2: $(printf '%.500s' "$1") ($got)"
	[ "$got" = "$3" ] || fail "${4:-JSON value} $2: expected [$3], got [$got] in $(printf '%.800s' "$1")"
}

# --- PostgreSQL --------------------------------------------------------------
# new_db NAME: a fresh, empty database
new_db() {
	# one client for both statements; on PostgreSQL 15+ copying the
	# template's files costs half of writing it through the WAL
	psql -X -q -v ON_ERROR_STOP=1 -v db="$1" -d postgres >/dev/null 2>"$TEST_TMP/.new_db" <<'SQL' \
		|| fail "createdb $1: $(<"$TEST_TMP/.new_db")"
DROP DATABASE IF EXISTS :"db";
SELECT :SERVER_VERSION_NUM >= 150000 AS file_copy \gset
\if :file_copy
CREATE DATABASE :"db" STRATEGY = FILE_COPY;
\else
CREATE DATABASE :"db";
\endif
SQL
}
# db_url NAME: a URL with the real password, over TCP
db_url() { echo "postgresql://postgres:${PGPASSWORD_TEST}@127.0.0.1:${PGPORT}/$1"; }
# q DB SQL: run SQL, print unaligned tuples. A failed query fails the case
# even inside $(...), where `set -e` cannot see it (assert_eq "$(q a)" "$(q b)"
# must not pass because both failed): tests/run fails a case that left
# the marker file behind.
q() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$1" -c "$2" || query_failed "$1" "$2"; }
# wait_pg_sleep DB FILTER: waits (8 s at most) until exactly one session
# that FILTER selects in DB's pg_stat_activity sleeps in pg_sleep; 1 when
# none did
wait_pg_sleep() {
	local i
	for ((i = 0; i < 400; i++)); do
		[ "$(q "$1" "SELECT count(*) FROM pg_stat_activity WHERE $2 AND wait_event = 'PgSleep'")" = 1 ] && return 0
		nap 0.02
	done
	return 1
}
# qf DB FILE
qf() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$1" -f "$2" || query_failed "$1" "$2"; }
query_failed() {
	printf 'query failed on database %s: %.300s\n' "$1" "$2" | tee -a "$TEST_TMP/.query_failed" >&2
	return 1
}

# --- processes and HTTP ------------------------------------------------------
free_port() {
	tool_path free_port
	if [ -n "$TOOL_PATH" ]; then "$TOOL_PATH"; else python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; fi
}

# wait_http URL [seconds]: until something answers
wait_http() {
	local i n=$(( ${2:-10} * 50 ))
	for ((i = 0; i < n; i++)); do
		curl -s -o /dev/null --max-time 1 "$1" && return 0
		nap 0.02
	done
	fail "nothing answered at $1"
}

# start_serve [serve args...]: starts `syncfn serve` on a free port with the
# current environment; sets SERVE_PID, SERVE_PORT, SERVE_URL, SERVE_LOG.
start_serve() {
	SERVE_PORT=$(free_port)
	SERVE_LOG=$TEST_TMP/serve.$SERVE_PORT.log
	PORT=$SERVE_PORT "$SYNCFN" serve "$@" >"$SERVE_LOG" 2>&1 &
	SERVE_PID=$!
	SERVE_URL=http://127.0.0.1:$SERVE_PORT
	wait_http "$SERVE_URL/healthz"
}

# http METHOD URL [curl args...]: sets HTTP_STATUS, HTTP_BODY, HTTP_HEADERS
http() {
	local m=$1 u=$2; shift 2
	local hf=$TEST_TMP/.h.$BASHPID bf=$TEST_TMP/.b.$BASHPID
	: >"$hf"; : >"$bf" # nothing of an earlier call is read back
	HTTP_STATUS=$(curl -s -X "$m" -D "$hf" -o "$bf" -w '%{http_code}' --max-time "${HTTP_TIMEOUT:-60}" "$@" "$u")  || true
	slurp HTTP_BODY "$bf"
	slurp HTTP_HEADERS "$hf"
}

# wait_exit PID SECONDS: waits for a background child; sets EXIT_CODE.
wait_exit() {
	local pid=$1 i n=$(( ${2:-10} * 50 ))
	for ((i = 0; i < n; i++)); do
		if ! kill -0 "$pid" 2>/dev/null; then
			EXIT_CODE=0; wait "$pid" || EXIT_CODE=$?; return 0
		fi
		nap 0.02
	done
	fail "process $pid still running after ${2:-10}s"
}

# --- tokens ------------------------------------------------------------------
b64url() { local x; x=$(basenc --base64url -w0); printf '%s' "${x//=/}"; }
# The signature case table makes a hundred tokens a case: base64url in the
# shell itself (a basenc start per segment cost more than the rest), the
# digests by openssl, read back as hex.
# b64url_bytes PAD BYTE...: REPLY is the base64url of the byte values,
# with its = padding when PAD is 1
b64url_bytes() {
	local pad=$1 A=ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_ out='' v
	shift
	while [ $# -ge 3 ]; do
		v=$(( $1 << 16 | $2 << 8 | $3 )); shift 3
		out+=${A:v >> 18 & 63:1}${A:v >> 12 & 63:1}${A:v >> 6 & 63:1}${A:v & 63:1}
	done
	if [ $# = 2 ]; then
		v=$(( $1 << 16 | $2 << 8 )); out+=${A:v >> 18 & 63:1}${A:v >> 12 & 63:1}${A:v >> 6 & 63:1}
		[ "$pad" = 1 ] && out+='='
	elif [ $# = 1 ]; then
		v=$(( $1 << 16 )); out+=${A:v >> 18 & 63:1}${A:v >> 12 & 63:1}
		[ "$pad" = 1 ] && out+='=='
	fi
	REPLY=$out
}
# b64url_str STRING: REPLY is the unpadded base64url of STRING's bytes
b64url_str() {
	local LC_ALL=C s=$1 i n v
	local -a b=()
	n=${#s}
	for ((i = 0; i < n; i++)); do printf -v v '%d' "'${s:i:1}"; b[i]=$((v & 255)); done
	b64url_bytes 0 "${b[@]}"
}
# b64url_hex PAD HEX: REPLY is the base64url of the bytes HEX spells
b64url_hex() {
	local h=$2 i
	local -a b=()
	for ((i = 0; i < ${#h}; i += 2)); do b+=($((16#${h:i:2}))); done
	b64url_bytes "$1" "${b[@]}"
}
# jwt_hs256_reply KEY HEADER_JSON PAYLOAD_JSON: REPLY is a compact JWT
# signed with openssl
jwt_hs256_reply() {
	local h p s
	b64url_str "$2"; h=$REPLY
	b64url_str "$3"; p=$REPLY
	s=$(printf '%s' "$h.$p" | openssl dgst -sha256 -hmac "$1" -r) || return 1
	b64url_hex 0 "${s%% *}"
	REPLY=$h.$p.$REPLY
}
# jwt_hs256 KEY HEADER_JSON PAYLOAD_JSON: prints that JWT
jwt_hs256() { jwt_hs256_reply "$@" && printf '%s' "$REPLY"; }
# body_hash FILE: padded base64url SHA-256 of the file's bytes (as QStash sends)
body_hash() {
	local s
	s=$(openssl dgst -sha256 -r "$1") || return 1
	b64url_hex 1 "${s%% *}"; printf '%s' "$REPLY"
}
