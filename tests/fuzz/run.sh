#!/usr/bin/env bash
# tests/fuzz/run.sh [SECONDS] - builds the libFuzzer harness for the QStash
# signature verifier with clang (ASan + UBSan) and runs it for SECONDS
# (default 60). Seeds: valid tokens and their bodies made with openssl by
# the shared case table (tests/cases/qstash_tokens.sh), for the harness's
# fixed clock. A crash, leak, timeout or sanitizer report fails (exit 1);
# its input is left in $FUZZ_DIR/crash-* for `fuzz_qstash_verify FILE`.
#
#   FUZZ_DIR   where the binary, corpus and artifacts go (build/fuzz)
set -eu -o pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
secs=${1:-60}
out=${FUZZ_DIR:-$ROOT/build/fuzz}
cc=$(command -v clang-14 || command -v clang) || { echo "fuzz: clang is not installed (make deps)"; exit 1; }
mkdir -p "$out/corpus" "$out/seeds"

"$cc" -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -g -O1 -fno-omit-frame-pointer \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	-Iruntime -Itests/unit -o "$out/fuzz_qstash_verify" \
	tests/fuzz/fuzz_qstash_verify.c runtime/qstash_verify.c -lmbedcrypto -lcjson

# Seeds: flags 0x0b (re-sign, check sub, 5 s tolerance) and 0x0a (as
# given), so both the signature path and the claim checks start covered.
FUZZ_NOW=1700000000
TEST_TMP=$out/seeds
source tests/lib.sh
source tests/cases/qstash_tokens.sh
for name in valid next_key body_binary body_empty body_claim_unpadded padded_header_and_payload \
	padded_signature nbf_edge_boundary exp_edge_boundary only_required_claims wrong_iss \
	missing_body_claim alg_none_signed header_crit sub_trailing_slash token_4096_bytes; do
	qv_make "$name" "$FUZZ_NOW" "$out/seeds"
	for f in 0b 0a; do
		{ printf "\\x$f"; cat "$out/seeds/$name.token"; printf '\n'; cat "$out/seeds/$name.body"; } \
			>"$out/corpus/seed-$name-$f"
	done
done
rm -f "$out/seeds"/*

echo "fuzz: running fuzz_qstash_verify for ${secs}s"
"$out/fuzz_qstash_verify" -max_total_time="$secs" -max_len=6000 -timeout=10 \
	-rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$out/" "$out/corpus" 2>"$out/fuzz.log" || {
	tail -n 60 "$out/fuzz.log"
	echo "fuzz: FAILED, input saved as $(ls "$out"/crash-* "$out"/leak-* "$out"/timeout-* 2>/dev/null | head -n 1)"
	exit 1
}
grep -E '^(#[0-9]+.*DONE|stat::number_of_executed_units|stat::peak_rss_mb)' "$out/fuzz.log" || true
echo "fuzz: no crash in ${secs}s"
