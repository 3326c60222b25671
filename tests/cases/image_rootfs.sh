# timeout: 240
# builds: first
# image_rootfs.sh - the container image's file set, assembled by
# tests/image/rootfs.sh (the Dockerfile's final stage copies exactly that
# directory), run the way a container engine runs the image: chroot into
# it, in a new mount and PID namespace with only its own /proc, with the
# Dockerfile's ENV, USER and ENTRYPOINT and an otherwise empty environment.
# Nothing of the host's file system is visible, so a shared library, the CA
# bundle or the user entry missing from the image fails here.

# image_setup: assembles the rootfs of the build under test into
# $TEST_TMP/rootfs and reads the image's runtime configuration.
image_setup() {
	ROOTFS=$TEST_TMP/rootfs
	bash tests/image/rootfs.sh "$ROOTFS" "$BUILD_DIR" >"$TEST_TMP/rootfs.log" 2>&1 \
		|| fail "tests/image/rootfs.sh failed: $(cat "$TEST_TMP/rootfs.log")"
	eval "$(python3 tests/image/dockerfile.py Dockerfile | python3 -c '
import json, shlex, sys
f = json.load(sys.stdin)["final"]
print("IMAGE_USER=" + shlex.quote(f["user"] or ""))
print("IMAGE_ENV=(" + " ".join(shlex.quote(k + "=" + v) for k, v in f["env"].items()) + ")")
print("IMAGE_ENTRYPOINT=(" + " ".join(map(shlex.quote, f["entrypoint"] or [])) + ")")
print("IMAGE_CMD=(" + " ".join(map(shlex.quote, f["cmd"] or [])) + ")")')"
	if [ -z "$IMAGE_USER" ] || [ ${#IMAGE_ENTRYPOINT[@]} -eq 0 ]; then
		fail "Dockerfile has no USER or ENTRYPOINT"
	fi
}

# in_image [NAME=VALUE...] -- [ARGS...]: runs the image's ENTRYPOINT with
# ARGS inside $ROOTFS as the image's USER, with the image's ENV plus the
# given variables (and the sanitizer options of the build under test).
in_image() {
	local vars=()
	while [ $# -gt 0 ] && [ "$1" != -- ]; do vars+=("$1"); shift; done
	shift
	local v
	for v in ASAN_OPTIONS UBSAN_OPTIONS; do
		[ -n "${!v:-}" ] && vars+=("$v=${!v}")
	done
	unshare --mount --pid --fork --kill-child --mount-proc="$ROOTFS/proc" \
		env -i "${IMAGE_ENV[@]}" LOG_FORMAT=json "${vars[@]}" \
		/usr/sbin/chroot --userspec="$IMAGE_USER" "$ROOTFS" "${IMAGE_ENTRYPOINT[@]}" "$@"
}

# descendant_named PID NAME: the first process below PID whose name is NAME
descendant_named() {
	local p
	for p in $(pgrep -P "$1"); do
		if [ "$(cat "/proc/$p/comm" 2>/dev/null)" = "$2" ]; then echo "$p"; return 0; fi
		descendant_named "$p" "$2" && return 0
	done
	return 1
}

# sync_dbs NAME: a source and a target database with one table; the source
# has three rows the target lacks. Sets SRC_URL, DST_URL, DST_DB.
sync_dbs() {
	new_db "${1}_src"
	new_db "${1}_dst"
	q "${1}_src" "create table items (id int primary key, name text not null);
		insert into items values (1, 'one'), (2, 'two'), (3, 'three');"
	q "${1}_dst" "create table items (id int primary key, name text not null);"
	SRC_URL=$(db_url "${1}_src")
	DST_URL=$(db_url "${1}_dst")
	DST_DB=${1}_dst
}

test_rootfs_holds_what_the_image_needs_within_60_mb() {
	image_setup
	local uid=${IMAGE_USER%%:*} gid=${IMAGE_USER##*:}
	[ "$uid" != 0 ] || fail "the image runs as root"
	grep -q "^[^:]*:x:$uid:$gid:" "$ROOTFS/etc/passwd" || fail "no /etc/passwd entry for USER $IMAGE_USER"
	grep -q "^[^:]*:x:$gid:" "$ROOTFS/etc/group" || fail "no /etc/group entry for gid $gid"
	local certs
	certs=$(grep -c 'BEGIN CERTIFICATE' "$ROOTFS/etc/ssl/certs/ca-certificates.crt")
	[ "$certs" -ge 50 ] || fail "CA bundle has $certs certificates"
	[ "$(stat -c %a "$ROOTFS/tmp")" = 1777 ] || fail "/tmp is not 1777"
	# nothing in the image is writable by its user but /tmp
	local writable
	writable=$(find "$ROOTFS" -path "$ROOTFS/tmp" -prune -o \( -perm -o+w ! -type l \) -print)
	[ -z "$writable" ] || fail "world-writable in the image: $writable"
	local bytes
	bytes=$(du -sb "$ROOTFS" | cut -f1)
	echo "rootfs: $bytes bytes, $(find "$ROOTFS" -type f | wc -l) files" >"$TEST_TMP/size.log"
	[ "$bytes" -le 60000000 ] || fail "image is $bytes bytes, over the 60 MB goal"
}

test_version_runs_in_image() {
	image_setup
	local out version
	version=$(make -s --no-print-directory --eval 'print-version: ; @echo $(VERSION)' print-version)
	out=$(in_image -- --version 2>&1) || fail "syncfn --version failed in the image: $out"
	assert_contains "$out" "$version" "--version output"
	# the engines load in the image: their libraries answer
	printf '%s\n' "$out" | grep -Eq '^  libpq [0-9]+\.[0-9]+$' || fail "libpq in the image: $out"
	printf '%s\n' "$out" | grep -Eq '^  libcurl [0-9]+\.[0-9]+' || fail "libcurl in the image: $out"
}

# The image's default command, `serve --once`, answers on the network (the
# chroot shares the host's network namespace) as the non-root user, serves
# one manual sync and exits 0 by itself.
test_default_command_serves_one_sync_in_image() {
	image_setup
	sync_dbs img_serve
	local port token=image-admin-token-$RANDOM
	port=$(free_port)
	in_image PORT="$port" SYNC_ADMIN_TOKEN="$token" TARGET_DATABASE_URL="$DST_URL" \
		SOURCE_DATABASE_URL="$SRC_URL" -- "${IMAGE_CMD[@]}" >"$TEST_TMP/serve.log" 2>&1 &
	local pid=$!
	trap "kill $pid 2>/dev/null || true" EXIT # expanded now: pid is local
	wait_http "http://127.0.0.1:$port/healthz"
	http GET "http://127.0.0.1:$port/healthz"
	assert_eq 200 "$HTTP_STATUS" "/healthz"
	assert_json "$HTTP_BODY" 'j["status"]' ok

	# the server process (under the subshell, unshare, and env and chroot
	# exec'ed away) runs as the image's user
	local child uid
	child=$(descendant_named "$pid" syncfn) || true
	[ -n "$child" ] || fail "no syncfn process under $pid"
	uid=$(awk '/^Uid:/ { print $2 }' "/proc/$child/status")
	assert_eq "${IMAGE_USER%%:*}" "$uid" "uid of the server in the image"

	http GET "http://127.0.0.1:$port/api/background/sync/slave-to-prod" \
		-H "Authorization: Bearer $token"
	assert_eq 200 "$HTTP_STATUS" "manual sync in the image: $HTTP_BODY"
	assert_json "$HTTP_BODY" 'j["success"]' true
	assert_json "$HTTP_BODY" 'j["statistics"]["inserted"]' 3
	assert_eq 3 "$(q "$DST_DB" 'select count(*) from items')" "rows in the target"
	wait_exit "$pid" 20
	assert_eq 0 "$EXIT_CODE" "serve --once exit status"
}

test_sync_command_in_image() {
	image_setup
	sync_dbs img_sync
	local out rc=0
	out=$(in_image TARGET_DATABASE_URL="$DST_URL" SOURCE_DATABASE_URL="$SRC_URL" -- sync \
		2>"$TEST_TMP/sync.log") || rc=$?
	assert_eq 0 "$rc" "syncfn sync exit status in the image ($out $(cat "$TEST_TMP/sync.log"))"
	assert_json "$out" 'j["success"]' true
	assert_json "$out" 'j["statistics"]["inserted"]' 3
	assert_eq "1,one 2,two 3,three" "$(q "$DST_DB" "select id || ',' || name from items order by id" | tr '\n' ' ' | sed 's/ $//')"
}

# libpq takes the role name from getpwuid() when the URL has none: in the
# image that is the passwd entry of USER. Without the entry, libpq cannot
# connect at all ("local user with ID ... does not exist").
test_user_entry_is_what_libpq_sees() {
	image_setup
	sync_dbs img_user
	local url=postgresql://:${PGPASSWORD_TEST}@127.0.0.1:${PGPORT}/img_user_dst
	local name out
	name=$(awk -F: -v uid="${IMAGE_USER%%:*}" '$3 == uid { print $1 }' "$ROOTFS/etc/passwd")
	out=$(in_image TARGET_DATABASE_URL="$url" -- sync 2>&1) && fail "sync as role $name should fail: $out"
	grep -Eq 'user [\\]?"'"$name"'[\\]?"' <<<"$out" \
		|| fail "libpq did not take the role name $name from the image's passwd: $out"
	assert_not_contains "$out" "local user with ID"

	sed -i "/^$name:/d" "$ROOTFS/etc/passwd"
	out=$(in_image TARGET_DATABASE_URL="$url" -- sync 2>&1) && fail "sync without a passwd entry should fail: $out"
	assert_contains "$out" "local user with ID" "failure without the passwd entry"
	assert_not_contains "$out" "$PGPASSWORD_TEST" "password in the output"
}

# libcurl in the image verifies TLS against the image's CA bundle: a
# self-signed server is refused for its certificate (curl error 60), not
# for a missing bundle (error 77, "error setting certificate file").
test_ca_bundle_is_what_libcurl_uses() {
	image_setup
	openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 \
		-addext subjectAltName=IP:127.0.0.1 -keyout "$TEST_TMP/key.pem" \
		-out "$TEST_TMP/cert.pem" >/dev/null 2>&1 || fail "openssl req"
	local port; port=$(free_port)
	openssl s_server -quiet -www -accept "127.0.0.1:$port" -cert "$TEST_TMP/cert.pem" \
		-key "$TEST_TMP/key.pem" >"$TEST_TMP/tls.log" 2>&1 &
	local tls=$!
	trap "kill $tls 2>/dev/null || true" EXIT # expanded now: tls is local
	local i
	for ((i = 0; i < 100; i++)); do
		(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
		sleep 0.05
	done
	local env=(QSTASH_URL="https://127.0.0.1:$port" QSTASH_TOKEN=image-test-token
		APP_URL=https://syncfn.example.invalid)
	local out
	out=$(in_image "${env[@]}" -- schedule list 2>&1) && fail "schedule list against a self-signed server passed: $out"
	assert_contains "$out" "certificate" "TLS refusal"
	assert_not_contains "$out" "error setting certificate"

	rm "$ROOTFS/etc/ssl/certs/ca-certificates.crt"
	out=$(in_image "${env[@]}" -- schedule list 2>&1) && fail "schedule list without a CA bundle passed: $out"
	assert_contains "$out" "error setting certificate" "failure without the CA bundle"
}

# A shared object missing from the image fails the program that needs it:
# the check above is not vacuous.
test_missing_library_fails_in_image() {
	image_setup
	sync_dbs img_nolib
	local libpq out
	libpq=$(find "$ROOTFS" -name 'libpq.so.5' -print -quit)
	[ -n "$libpq" ] || fail "libpq.so.5 is not in the image"
	rm "$libpq"
	out=$(in_image TARGET_DATABASE_URL="$DST_URL" -- sync 2>&1) && fail "sync without libpq passed: $out"
	assert_contains "$out" "libpq.so.5" "failure without libpq"

	rm "$(find "$ROOTFS" -name 'libcjson.so.1' -print -quit)"
	out=$(in_image -- --version 2>&1) && fail "--version without libcjson passed: $out"
	assert_contains "$out" "libcjson.so.1" "failure without libcjson"
}
