#!/usr/bin/env bash
# tests/fuzz/run.sh [SECONDS] - builds the libFuzzer harnesses with clang
# (ASan + UBSan) and runs them: the QStash signature verifier for SECONDS
# (default 60), then the schedule-body parser for half as long. Both run
# their target on a thread with a civetweb worker's stack
# (worker_stack.h), so a recursion too deep for the server is caught.
# Seeds: valid tokens and their bodies made with openssl by the shared
# case table (tests/lib/qstash_tokens.sh), for the harness's fixed
# clock, and action bodies. A crash, leak, timeout or sanitizer report
# fails (exit 1); its input is left in $FUZZ_DIR/crash-* for
# `fuzz_qstash_verify FILE` or `fuzz_schedule_body FILE`.
#
#   FUZZ_DIR   where the binary, corpus and artifacts go (build/fuzz)
set -eu -o pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
secs=${1:-60}
out=${FUZZ_DIR:-$ROOT/build/fuzz}
cc=$(command -v clang-14 || command -v clang) || { echo "fuzz: clang is not installed (make deps)"; exit 1; }
mkdir -p "$out/corpus" "$out/seeds" "$out/corpus_schedule"

cflags=(-std=c11 -D_GNU_SOURCE -DSYNCFN_VERSION='"fuzz"' -Wall -Wextra -Werror -g -O1
	-fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
	-Iruntime -Ifunction -Itests/fuzz -Itests/unit)
"$cc" "${cflags[@]}" -o "$out/fuzz_qstash_verify" \
	tests/fuzz/fuzz_qstash_verify.c runtime/qstash_verify.c runtime/json_guard.c \
	-lmbedcrypto -lcjson -lpthread
"$cc" "${cflags[@]}" -o "$out/fuzz_schedule_body" \
	tests/fuzz/fuzz_schedule_body.c runtime/route_schedule.c runtime/admin_auth.c runtime/secret_equal.c \
	runtime/engines.c runtime/log.c runtime/http.c runtime/config.c runtime/config_rules.c \
	runtime/conninfo.c runtime/json_guard.c runtime/invoke.c runtime/outcome.c \
	function/fn_log.c function/names.c function/sync_rules.c \
	-ldl -lcjson -lpthread

# Seeds: flags 0x0b (re-sign, check sub, 5 s tolerance) and 0x0a (as
# given), so both the signature path and the claim checks start covered.
FUZZ_NOW=1700000000
TEST_TMP=$out/seeds
source tests/lib/common.sh
source tests/lib/qstash_tokens.sh
for name in valid next_key body_binary body_empty body_claim_unpadded padded_header_and_payload \
	padded_signature nbf_edge_boundary exp_edge_boundary only_required_claims wrong_iss \
	missing_body_claim alg_none_signed header_crit sub_trailing_slash token_4096_bytes \
	header_nested_800 payload_nested_800_signed payload_nested_8_ok payload_duplicate_sub; do
	qv_make "$name" "$FUZZ_NOW" "$out/seeds"
	for f in 0b 0a; do
		{ printf "\\x$f"; cat "$out/seeds/$name.token"; printf '\n'; cat "$out/seeds/$name.body"; } \
			>"$out/corpus/seed-$name-$f"
	done
done
rm -f "$out/seeds"/*
i=0
for body in '{"action":"list"}' '{"action":"get","scheduleId":"slave-to-prod-sync"}' \
	'{"action":"pause","scheduleId":"x","action":"delete"}' '{"action":"create"}' \
	"$(printf '%*s' 999 '' | tr ' ' '[')" "{\"a\":$(printf '%*s' 990 '' | tr ' ' '[')$(printf '%*s' 990 '' | tr ' ' ']')}" \
	'{"action":"l\u0000ist"}'; do
	printf '%s' "$body" >"$out/corpus_schedule/seed-$i"; i=$((i + 1))
done

# run NAME SECONDS CORPUS: one harness; its log is $out/NAME.log.
run() {
	echo "fuzz: running $1 for $2s"
	"$out/$1" -max_total_time="$2" -max_len=6000 -timeout=10 \
		-rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$out/" "$3" 2>"$out/$1.log" || {
		tail -n 60 "$out/$1.log"
		echo "fuzz: $1 FAILED, input saved as $(ls "$out"/crash-* "$out"/leak-* "$out"/timeout-* 2>/dev/null | head -n 1)"
		exit 1
	}
	grep -E '^(#[0-9]+.*DONE|stat::number_of_executed_units|stat::peak_rss_mb)' "$out/$1.log" \
		| sed "s/^/$1 /" || true
}
run fuzz_qstash_verify "$secs" "$out/corpus"
run fuzz_schedule_body $(( secs / 2 > 5 ? secs / 2 : 5 )) "$out/corpus_schedule"
echo "fuzz: no crash in ${secs}s"
