#!/usr/bin/env bash
# tests/demo/run.sh - what `make run` shows: a throwaway PostgreSQL with a
# demo slave and prod database, the function on http://127.0.0.1:8080, one
# sync over HTTP with its JSON printed, then a re-sync that writes nothing.
# On a terminal the function keeps serving until Ctrl-C (try the curl lines
# it prints); otherwise everything stops after the re-sync.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD_DIR=${BUILD_DIR:-$ROOT/build}
PORT=${DEMO_PORT:-8080}
TOKEN=demo-admin-token
DIR=$(mktemp -d /tmp/syncfn-demo.XXXXXX)
chmod 755 "$DIR"
source "$ROOT/tests/lib/pg.sh"
SERVE_PID=
cleanup() {
	[ -n "$SERVE_PID" ] && kill "$SERVE_PID" 2>/dev/null && wait "$SERVE_PID" 2>/dev/null
	pg_stop "$DIR/pg"; rm -rf "$DIR"
}
trap cleanup EXIT
trap 'exit 0' INT TERM

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "Starting a throwaway PostgreSQL"
pg_start "$DIR/pg"
createdb demo_slave && createdb demo_prod
psql -X -q -v ON_ERROR_STOP=1 -d demo_slave -f "$ROOT/tests/demo/slave.sql" >/dev/null
psql -X -q -v ON_ERROR_STOP=1 -d demo_prod -f "$ROOT/tests/demo/prod.sql" >/dev/null
url() { echo "postgresql://postgres:${PGPASSWORD_TEST}@127.0.0.1:${PGPORT}/$1"; }
counts() {
	local db=$1 t out=""
	for t in $(psql -X -At -d "$db" -c "select relname from pg_class where relnamespace = 'public'::regnamespace and relkind = 'r' order by 1"); do
		out="$out $t=$(psql -X -At -d "$db" -c "select count(*) from public.\"$t\"")"
	done
	printf '  %-10s%s\n' "$db" "$out"
}
counts demo_slave; counts demo_prod

say "Starting the function on http://127.0.0.1:$PORT"
TARGET_DATABASE_URL=$(url demo_prod) SOURCE_DATABASE_URL=$(url demo_slave) \
SYNC_ADMIN_TOKEN=$TOKEN LOG_FORMAT=${LOG_FORMAT:-text} PORT=$PORT \
	"$BUILD_DIR/syncfn" serve 2> "$DIR/serve.log" &
SERVE_PID=$!
for _ in $(seq 1 250); do curl -s -o /dev/null "http://127.0.0.1:$PORT/healthz" && break; sleep 0.02; done
curl -s "http://127.0.0.1:$PORT/healthz"; echo

trigger() {
	curl -s -X POST "http://127.0.0.1:$PORT/api/background/sync/slave-to-prod" \
		-H "Authorization: Bearer $TOKEN" -H 'x-manual-trigger: true' | python3 -m json.tool
}
say "Sync: POST /api/background/sync/slave-to-prod"
trigger
counts demo_prod
say "Re-sync with no change in the slave: nothing is written"
trigger
say "Run log: GET /api/background/sync/status"
curl -s "http://127.0.0.1:$PORT/api/background/sync/status?limit=2" -H "Authorization: Bearer $TOKEN" | python3 -m json.tool | sed -n '1,40p'
say "The function's log"
cat "$DIR/serve.log"

if [ -t 1 ] && [ -z "${CI:-}" ]; then
	say "Serving until Ctrl-C. Try:"
	cat <<TRY
  curl -s http://127.0.0.1:$PORT/healthz
  curl -s -X POST http://127.0.0.1:$PORT/api/background/sync/slave-to-prod -H 'Authorization: Bearer $TOKEN' -H 'x-manual-trigger: true'
  curl -s http://127.0.0.1:$PORT/api/background/sync/status -H 'Authorization: Bearer $TOKEN'
  psql 'postgresql://postgres:${PGPASSWORD_TEST}@127.0.0.1:${PGPORT}/demo_slave'   # change a row, then sync again
TRY
	tail -f -n 0 "$DIR/serve.log" &
	wait "$SERVE_PID"
fi
