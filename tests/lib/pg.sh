# pg.sh - a throwaway PostgreSQL server for tests, the demo and benchmarks.
#
#   source tests/lib/pg.sh; pg_start DIR   # exports PGHOST PGPORT PGUSER PGPASSWORD_TEST
#   pg_stop DIR
#
# PostgreSQL refuses to run as root, and CI runs as root, so the server runs
# as the postgres user (created by Debian's postgresql package) whenever we
# are root. Local socket connections trust (for the test's own psql); TCP on
# 127.0.0.1 needs the password, so connection URLs in tests carry a real
# secret that the redaction tests can look for.

pg_bindir() {
	local d
	d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
	[ -n "$d" ] || { echo "pg.sh: no PostgreSQL server binaries under /usr/lib/postgresql (run make deps)" >&2; return 1; }
	echo "$d"
}

pg_as_owner() {
	if [ "$(id -u)" = 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

pg_free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# pg_init_template DIR: a fresh cluster in DIR/data, not started
pg_init_template() {
	local dir=$1
	local bin; bin=$(pg_bindir) || return 1
	mkdir -p "$dir"
	[ "$(id -u)" = 0 ] && chown postgres: "$dir"
	export PGPASSWORD_TEST=${PGPASSWORD_TEST:-pg-test-secret-$$-$RANDOM}
	printf '%s\n' "$PGPASSWORD_TEST" > "$dir/pwfile"
	[ "$(id -u)" = 0 ] && chown postgres: "$dir/pwfile"
	pg_as_owner "$bin/initdb" -D "$dir/data" -U postgres --pwfile="$dir/pwfile" \
		--auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
		|| { cat "$dir/initdb.log" >&2; return 1; }
}

# pg_serve DIR [extra postgres -c settings...]: starts the cluster in
# DIR/data on a free port and exports PGHOST PGPORT PGUSER PGDATABASE
pg_serve() {
	local dir=$1; shift
	local bin; bin=$(pg_bindir) || return 1
	local port try opts
	for try in 1 2 3; do  # a free port can be taken by someone else before we bind it
		port=$(pg_free_port)
		opts="-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir"
		opts="$opts -c fsync=off -c full_page_writes=off -c max_connections=100 -c shared_buffers=256MB"
		for o in "$@"; do opts="$opts -c $o"; done
		if pg_as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 -o "$opts" start >/dev/null; then
			export PGHOST=$dir PGPORT=$port PGUSER=postgres PGDATABASE=postgres
			echo "$port" > "$dir/port"
			return 0
		fi
	done
	cat "$dir/server.log" >&2
	return 1
}

# pg_start DIR [extra postgres -c settings...]: a new cluster, started
pg_start() {
	local dir=$1; shift
	pg_init_template "$dir" && pg_serve "$dir" "$@"
}

# pg_start_copy TEMPLATE DIR: a copy of the (stopped) cluster TEMPLATE,
# started: cheaper than initdb for each of several servers
pg_start_copy() {
	mkdir -p "$2"
	cp -a "$1/data" "$2/data" || return 1
	[ "$(id -u)" = 0 ] && chown postgres: "$2"
	pg_serve "$2"
}

pg_stop() {
	local dir=$1
	local bin; bin=$(pg_bindir) || return 1
	[ -d "$dir/data" ] && pg_as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1
	return 0
}
