#!/usr/bin/env bash
# tests/fuzz/sync_fuzz.sh [sync_fuzz.py options] - the sync's differential
# fuzzer (tests/fuzz/sync_fuzz.py) on a throwaway PostgreSQL server of its
# own, against build/syncfn (SYNCFN=... for another binary). Exit 0: no
# failure; 1: a failure, printed with its seed, path and smallest
# reproduction. Examples:
#
#   tests/fuzz/sync_fuzz.sh                        # 40 s, a random seed (printed)
#   tests/fuzz/sync_fuzz.sh --seconds 600          # a longer run
#   tests/fuzz/sync_fuzz.sh --seed 42 --only 7 --paths checksum   # one scenario again
#   tests/fuzz/sync_fuzz.sh --exclude bpchar,dupkey --keep-going  # every finding, minus two classes
#
# SYNC_FUZZ_SECONDS is the default --seconds, FUZZ_SYNC_EXCLUDE the default
# --exclude, FUZZ_JOBS the default --jobs; FUZZ_DIR where the server lives
# (default: a fresh directory under /tmp). FUZZ_PARALLEL=1 starts the
# server with parallel plans at no cost, so that the fuzzer's small tables
# take the plans (the source's checksum worker, parallel merges) that only
# large tables take otherwise.
set -eu -o pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
source tests/lib/pg.sh
export SYNCFN=${SYNCFN:-$ROOT/build/syncfn}
[ -x "$SYNCFN" ] || { echo "sync_fuzz: $SYNCFN is missing (run make)" >&2; exit 2; }
PG_BIN=$(pg_bindir) && export PATH=$PG_BIN:$PATH
dir=${FUZZ_DIR:-$(mktemp -d /tmp/syncfn-sync-fuzz.XXXXXX)}
chmod 755 "$dir"
trap 'pg_stop "$dir/pg"; [ -n "${FUZZ_DIR:-}" ] || rm -rf "$dir"' EXIT
parallel=()
[ "${FUZZ_PARALLEL:-0}" = 1 ] && parallel=(parallel_setup_cost=0 parallel_tuple_cost=0
	min_parallel_table_scan_size=0 min_parallel_index_scan_size=0)
pg_start "$dir/pg" ${parallel[@]+"${parallel[@]}"} >/dev/null
export PGUSER=postgres
python3 tests/fuzz/sync_fuzz.py "$@"
