# qstash_verify.sh - the QStash signature case table (qstash_tokens.sh,
# tokens made with openssl) run twice: directly against the verifier
# (build/unit/test_qstash_verify --check), and over HTTP against
# `syncfn serve`, where each bad delivery must get 401 with its reason and
# each good one must reach the sync.
# timeout: 240
# builds: last

source "$ROOT/tests/lib/qstash_tokens.sh"

QV_ROUTE=/api/background/sync/slave-to-prod

# qv_judge NAME EXPECT GOT: GOT is "ok" or "401: <reason>" or anything
# else; prints a line and returns 1 when it is not what EXPECT asks.
qv_judge() {
	local name=$1 want=$2 got=$3
	if [ "$want" = ok ]; then
		[ "$got" = ok ] && return 0
	else
		case $got in "401: "*"$want"*) return 0 ;; esac
	fi
	echo "case $name: expected [$want], got [$got]"
	return 1
}

qv_sub_arg() { [ "$QV_CFG_APP" = - ] && echo - || echo "$QV_CFG_APP$QV_ROUTE"; }

test_direct_case_table() {
	local dir=$TEST_TMP/tokens T name bad=0 n=0 oks=0
	local tool=$BUILD_DIR/unit/test_qstash_verify
	[ -x "$tool" ] || fail "$tool is missing (make unit)"
	mkdir -p "$dir"
	T=$(date +%s)
	# every token first, then one checker process for all of them
	local -a names=() expects=()
	for name in $(qv_list_cases); do
		qv_make "$name" "$T" "$dir"
		printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$QV_CFG_CUR" "$QV_CFG_NEXT" "$(qv_sub_arg)" \
			"$QV_TOL" "$T" "$dir/$name.token" "$dir/$name.body" >>"$dir/checks"
		names+=("$name") expects+=("$QV_EXPECT")
	done
	"$tool" --check-lines <"$dir/checks" >"$dir/answers" || fail "$tool --check-lines failed"
	local -a answers=()
	mapfile -t answers <"$dir/answers"
	[ "${#answers[@]}" -eq "${#names[@]}" ] || fail "${#answers[@]} answers for ${#names[@]} tokens"
	for ((n = 0; n < ${#names[@]}; n++)); do
		qv_judge "${names[n]}" "${expects[n]}" "${answers[n]}" || bad=$((bad + 1))
		[ "${expects[n]}" = ok ] && oks=$((oks + 1))
	done
	echo "$n cases, $oks valid, $bad wrong"
	[ "$n" -ge 50 ] && [ "$oks" -ge 15 ] || fail "the case table is too small ($n cases, $oks valid)"
	[ "$bad" -eq 0 ] || fail "$bad of $n cases wrong"
}

# Each tolerance edge case flips when the clock moves one second the other
# way, so the boundaries are exact, not merely somewhere near.
test_direct_edges_flip_one_second_away() {
	local dir=$TEST_TMP/tokens T name at want got tool=$BUILD_DIR/unit/test_qstash_verify
	mkdir -p "$dir"
	T=$(date +%s)
	while read -r name at want; do
		qv_make "$name" "$T" "$dir"
		got=$("$tool" --check "$QV_CFG_CUR" "$QV_CFG_NEXT" "$(qv_sub_arg)" "$QV_TOL" \
			$((T + at)) "$dir/$name.token" "$dir/$name.body")
		qv_judge "$name at T$at" "${want//_/ }" "$got" || fail "edge $name"
	done <<-EOF
		exp_edge_last_second +1 token_expired
		exp_edge_boundary -1 ok
		nbf_edge_boundary -1 not_valid_before
		nbf_edge_one_past +1 ok
	EOF
	# Without tolerance a token QStash made at T (exp T+300) is good
	# through second T+299.
	qv_make valid "$T" "$dir"
	got=$("$tool" --check "$QV_CUR" "$QV_NEXT" - 0 $((T + 299)) "$dir/valid.token" "$dir/valid.body")
	qv_judge "valid at exp-1" ok "$got" || fail "exp-1"
	got=$("$tool" --check "$QV_CUR" "$QV_NEXT" - 0 $((T + 300)) "$dir/valid.token" "$dir/valid.body")
	qv_judge "valid at exp" "token expired" "$got" || fail "exp"
}

# --- over HTTP ---------------------------------------------------------------
qv_stop() {
	[ -n "${SERVE_PID:-}" ] || return 0
	kill "$SERVE_PID" 2>/dev/null || true
	wait "$SERVE_PID" 2>/dev/null || true
	SERVE_PID=
}

# qv_serve CUR NEXT APP [more env assignments...]: a server configured so.
qv_serve() {
	local cur=$1 next=$2 app=$3; shift 3
	unset TARGET_DATABASE_URL SOURCE_DATABASE_URL SYNC_ADMIN_TOKEN NEXT_PUBLIC_APP_URL \
		QSTASH_CURRENT_SIGNING_KEY QSTASH_NEXT_SIGNING_KEY APP_URL
	[ "$cur" = - ] || export QSTASH_CURRENT_SIGNING_KEY=$cur
	[ "$next" = - ] || export QSTASH_NEXT_SIGNING_KEY=$next
	[ "$app" = - ] || export APP_URL=$app
	export QSTASH_CLOCK_TOLERANCE=$QV_TOL
	local kv
	for kv in "$@"; do export "${kv?}"; done
	start_serve
}

# qv_send NAME DIR HEADER [curl args...]: delivers DIR/NAME.{token,body}
# like QStash; sets QV_GOT to "ok" (the sync was reached: 503 "sync not
# configured" without a database, 200 with one), "401: <error>", or
# "<status>: <body>".
qv_send() {
	local name=$1 dir=$2 hdr=$3
	shift 3
	local args=("$@" -H 'Content-Type: application/json' -H "Upstash-Retried: 0"
		-H "Upstash-Message-Id: msg_${name}_$$_$RANDOM" --data-binary "@$dir/$name.body")
	if [ -s "$dir/$name.token" ]; then
		args+=(-H "$hdr: $(cat "$dir/$name.token")")
	else
		args+=(-H "$hdr;")
	fi
	http POST "$SERVE_URL$QV_ROUTE" "${args[@]}"
	[ -z "${QV_NO_CLASSIFY:-}" ] || return 0
	qv_classify
}

# qv_classify: QV_GOT from HTTP_STATUS and HTTP_BODY (see qv_send).
qv_classify() {
	local err
	# the "error" string, unescaped, without a python start per request
	# (there are a hundred, and a loaded machine starts python slowly)
	err=$(printf '%s' "$HTTP_BODY" | sed -n 's/.*"error":[[:space:]]*"\(\([^"\\]\|\\.\)*\)".*/\1/p' | sed 's/\\"/"/g; s/\\\\/\\/g')
	case $HTTP_STATUS in
	401) QV_GOT="401: $err" ;;
	503) case $err in *"TARGET_DATABASE_URL is not set"*) QV_GOT=ok ;; *) QV_GOT="503: $err" ;; esac ;;
	200) case $HTTP_BODY in *'"type":"scheduled"'*|*'"type": "scheduled"'*) QV_GOT=ok ;; *) QV_GOT="200: $HTTP_BODY" ;; esac ;;
	*) QV_GOT="$HTTP_STATUS: $HTTP_BODY" ;;
	esac
}

# Sends every case of the table whose configuration is GROUP to a server
# configured that way; each edge case is made for a second T that has not
# begun yet and sent as soon as it has, and again if T ended first.
qv_http_group() {
	local group=$1 dir=$2 name T try ok bad=0 IFS_=$IFS
	local -a names=() edges=()
	for name in "${!QV_GROUP[@]}"; do
		[ "${QV_GROUP[$name]}" = "$group" ] || continue
		if [ "${QV_EDGES[$name]}" = 1 ]; then edges+=("$name"); else names+=("$name"); fi
	done
	IFS='|' read -r cur next app <<<"$group"; IFS=$IFS_
	qv_serve "$cur" "$next" "$app"
	for name in "${names[@]}"; do
		qv_send "$name" "$dir" "${QV_HDRS[$name]}"
		echo "$name -> $QV_GOT"
		qv_judge "$name" "${QV_EXPECTS[$name]}" "$QV_GOT" || bad=$((bad + 1))
		QV_SENT=$((QV_SENT + 1))
	done
	# Each edge case on its own: made for a second T that has not begun,
	# sent as soon as it has, judged only if its answer came within T
	# (then the server checked it in T), else made for a later T again:
	# a loaded machine can take most of a second for one request, and
	# all of them in one second was a coin toss there.
	local fitted
	for name in "${edges[@]}"; do
		fitted=0
		for ((try = 0; try < 10 && !fitted; try++)); do
			T=$(( $(date +%s) + 2 ))
			qv_make "$name" "$T" "$dir"
			QV_EXPECTS[$name]=$QV_EXPECT
			python3 -c 'import sys,time; time.sleep(max(0, float(sys.argv[1]) - time.time()) + 0.002)' "$T"
			QV_NO_CLASSIFY=1 qv_send "$name" "$dir" "${QV_HDRS[$name]}"
			[ "$(date +%s)" = "$T" ] || { echo "$name took past second $T, again"; continue; }
			fitted=1
			qv_classify
			echo "$name (edge) -> $QV_GOT"
			qv_judge "$name (edge)" "${QV_EXPECTS[$name]}" "$QV_GOT" || bad=$((bad + 1))
			QV_SENT=$((QV_SENT + 1))
		done
		[ $fitted = 1 ] || fail "edge case $name never fitted in one second"
	done
	qv_stop
	local log; log=$(cat "$SERVE_LOG")
	assert_not_contains "$log" "${QV_CUR#sig_}" "current key in the log"
	assert_not_contains "$log" "${QV_NEXT#sig_}" "next key in the log"
	QV_BAD=$((QV_BAD + bad))
}

# The HTTP table in QV_PARTS cases that run side by side: part K sends the
# cases whose place in the table is K modulo QV_PARTS, each to a server
# configured as that case needs; together they send every case.
QV_PARTS=3
qv_http_part() {
	trap qv_stop EXIT
	local part=$1 dir=$TEST_TMP/tokens T name group i=0 mine=0 all
	mkdir -p "$dir"
	declare -gA QV_GROUP=() QV_EDGES=() QV_EXPECTS=() QV_HDRS=()
	local -A groups=()
	T=$(date +%s)
	for name in $(qv_list_cases); do
		i=$((i + 1))
		[ $(( (i - 1) % QV_PARTS )) -eq "$part" ] || continue
		mine=$((mine + 1))
		qv_make "$name" "$T" "$dir"
		QV_GROUP[$name]="$QV_CFG_CUR|$QV_CFG_NEXT|$QV_CFG_APP"
		QV_EDGES[$name]=$QV_EDGE QV_EXPECTS[$name]=$QV_EXPECT QV_HDRS[$name]=$QV_HDR
		groups[${QV_GROUP[$name]}]=1
	done
	all=$i
	QV_SENT=0 QV_BAD=0
	for group in "${!groups[@]}"; do
		qv_http_group "$group" "$dir"
	done
	echo "part $part: $QV_SENT of its $mine deliveries sent (table: $all), $QV_BAD wrong, ${#groups[@]} server configurations"
	[ "$all" -ge 50 ] || fail "the case table is too small ($all cases)"
	[ "$QV_SENT" -eq "$mine" ] || fail "only $QV_SENT of $mine deliveries sent"
	[ "$QV_BAD" -eq 0 ] || fail "$QV_BAD of $QV_SENT deliveries answered wrongly"
}
test_http_case_table_part0() { qv_http_part 0; }
test_http_case_table_part1() { qv_http_part 1; }
test_http_case_table_part2() { qv_http_part 2; }

test_http_no_keys_configured() {
	trap qv_stop EXIT
	local dir=$TEST_TMP/tokens
	mkdir -p "$dir"
	qv_make valid "$(date +%s)" "$dir"
	qv_serve - - "$QV_APP"
	qv_send valid "$dir" Upstash-Signature
	assert_eq 401 "$HTTP_STATUS" "status without keys"
	assert_contains "$QV_GOT" "QSTASH_CURRENT_SIGNING_KEY"
	qv_stop
	# A line about this request (not just the start-up warning) names both.
	local line
	line=$(grep request_id "$SERVE_LOG" | grep QSTASH_CURRENT_SIGNING_KEY | grep QSTASH_NEXT_SIGNING_KEY) \
		|| fail "no request log line names QSTASH_CURRENT_SIGNING_KEY and QSTASH_NEXT_SIGNING_KEY: $(cat "$SERVE_LOG")"
}

# A valid delivery runs a real sync, as "scheduled": one small table from a
# source database into a target database.
test_http_valid_delivery_runs_sync() {
	trap qv_stop EXIT
	local dir=$TEST_TMP/tokens src=qv_src_$$ dst=qv_dst_$$ msg
	mkdir -p "$dir"
	new_db "$src"
	new_db "$dst"
	q "$src" "CREATE TABLE items (id int PRIMARY KEY, name text); INSERT INTO items VALUES (1, 'a'), (2, 'b')"
	q "$dst" "CREATE TABLE items (id int PRIMARY KEY, name text)"
	qv_make valid "$(date +%s)" "$dir"
	qv_serve "$QV_CUR" "$QV_NEXT" "$QV_APP" "TARGET_DATABASE_URL=$(db_url "$dst")" \
		"SOURCE_DATABASE_URL=$(db_url "$src")" 'SYNC_TABLES=*'
	msg=msg_qv_$$_$RANDOM
	http POST "$SERVE_URL$QV_ROUTE" -H "Upstash-Signature: $(cat "$dir/valid.token")" \
		-H "Upstash-Message-Id: $msg" -H 'Upstash-Retried: 2' \
		-H 'Upstash-Schedule-Id: slave-to-prod-sync' --data-binary "@$dir/valid.body"
	assert_eq 200 "$HTTP_STATUS" "valid delivery status ($HTTP_BODY)"
	assert_json "$HTTP_BODY" 'j["success"]' true
	assert_json "$HTTP_BODY" 'j["type"]' scheduled
	assert_eq 2 "$(q "$dst" 'SELECT count(*) FROM items')" "rows synced by the delivery"
	# The same body under a token for another body is refused before any sync.
	qv_make body_tampered_one_byte "$(date +%s)" "$dir"
	qv_send body_tampered_one_byte "$dir" Upstash-Signature
	qv_judge tampered "body hash does not match" "$QV_GOT" || fail "tampered body was not refused"
	qv_stop
	# The delivery's ids are logged on one line: message, retries, schedule.
	grep "$msg" "$SERVE_LOG" | grep '"retried":"2"' | grep -q slave-to-prod-sync \
		|| fail "no log line with the message id, Upstash-Retried and Upstash-Schedule-Id: $(cat "$SERVE_LOG")"
}

# A chunked upload is verified on its de-chunked bytes.
test_http_chunked_body() {
	trap qv_stop EXIT
	local dir=$TEST_TMP/tokens
	mkdir -p "$dir"
	qv_make body_1k "$(date +%s)" "$dir"
	qv_make body_binary "$(date +%s)" "$dir"
	qv_make body_tampered_one_byte "$(date +%s)" "$dir"
	qv_serve "$QV_CUR" "$QV_NEXT" "$QV_APP"
	local name want
	for name in body_1k body_binary body_tampered_one_byte; do
		want=ok
		[ "$name" = body_tampered_one_byte ] && want="body hash does not match"
		qv_send "$name" "$dir" Upstash-Signature -H 'Transfer-Encoding: chunked' \
			--trace-ascii "$TEST_TMP/curl-$name.trace"
		grep -qi 'Transfer-Encoding: chunked' "$TEST_TMP/curl-$name.trace" || fail "curl did not send $name chunked"
		qv_judge "$name (chunked)" "$want" "$QV_GOT" || fail "chunked $name"
	done
}
