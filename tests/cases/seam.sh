# seam.sh - the one seam between runtime/ and function/: the runtime sees
# only function/'s public headers (the manual of the function), never an
# engine's private headers, libpq or libcurl; function/ knows nothing of
# civetweb or the runtime. The Makefile enforces it with include paths;
# these cases check the sources and the build say the same.
# timeout: 60
# builds: first

PUBLIC_HEADERS="sync.h sync_rules.h schedule.h alert.h fn_log.h engine_abi.h"

test_runtime_includes_only_the_public_headers() {
	local inc bad=""
	while read -r inc; do
		case " $PUBLIC_HEADERS " in *" $inc "*) continue;; esac
		[ -f "runtime/$inc" ] && continue
		bad="$bad $inc"
	done < <(sed -n 's/^#include "\([^"]*\)".*/\1/p' runtime/*.c runtime/*.h | sort -u)
	[ -z "$bad" ] || fail "runtime/ includes headers that are neither its own nor function/'s public ones:$bad"
	local sys
	sys=$(grep -ho '^#include <\(libpq[^>]*\|curl/[^>]*\|postgres[^>]*\)>' runtime/*.c runtime/*.h || true)
	[ -z "$sys" ] || fail "runtime/ includes libpq or libcurl headers: $sys"
}

test_function_knows_nothing_of_the_runtime() {
	local hits
	hits=$(grep -rn '^#include [<"]\(civetweb\|config\|log\|http[a-z_]*\|routes\|engines\|cli[a-z_]*\)\.h[>"]' function/ || true)
	[ -z "$hits" ] || fail "function/ includes runtime or civetweb headers: $hits"
}

# An engine returns a status, one line of error and its data; what a
# status means to an HTTP caller or a shell is runtime/outcome.c's table.
test_function_knows_no_http_code_nor_exit_status() {
	local hits
	hits=$(grep -n 'HTTP [1-5][0-9][0-9]\|\b489\b\|exit [0-9]\|exit status\|NonRetryable' \
		function/*.h || true)
	[ -z "$hits" ] || fail "function/'s headers document HTTP codes or exit statuses: $hits"
	hits=$(grep -rn 'cJSON_Add[A-Za-z]*ToObject([a-z]*, "success"' function/ || true)
	[ -z "$hits" ] || fail "function/ builds an answer's envelope: $hits"
	hits=$(grep -rln 'case SYNC_\|case SCHEDULE_\|== SYNC_UNREACHABLE\|== SCHEDULE_BAD_REQUEST' \
		runtime/*.c | grep -v '^runtime/outcome.c$' || true)
	[ -z "$hits" ] || fail "statuses mapped outside runtime/outcome.c: $hits"
}

test_runtime_objects_get_no_private_include_path() {
	local flags
	flags=$(make -s -n -B BUILD="$TEST_TMP/b" "$TEST_TMP/b/obj/runtime/main.o" 2>&1 | grep -- ' -c runtime/main.c')
	[ -n "$flags" ] || fail "no compile line for runtime/main.c: $(make -s -n -B BUILD="$TEST_TMP/b" "$TEST_TMP/b/obj/runtime/main.o" 2>&1 | tail -3)"
	assert_not_contains "$flags" "function/sync" "runtime compile line"
	assert_not_contains "$flags" "function/schedule" "runtime compile line"
	assert_not_contains "$flags" "postgresql" "runtime compile line"
	# and the private headers really are out of reach
	printf '#include "sync_db.h"\n' >"$TEST_TMP/probe.c"
	local inc; inc=$(grep -o -- '-I[^ ]*' <<<"$flags" | tr '\n' ' ')
	# shellcheck disable=SC2086 # the include flags, one word each
	if cc -fsyntax-only $inc "$TEST_TMP/probe.c" 2>/dev/null; then
		fail "a runtime object could include function/sync/sync_db.h"
	fi
}

test_program_links_neither_libpq_nor_libcurl() {
	local libs
	libs=$(ldd "$BUILD_DIR/syncfn" | awk '{print $1}')
	assert_not_contains "$libs" "libpq" "build/syncfn's libraries"
	assert_not_contains "$libs" "libcurl" "build/syncfn's libraries"
	assert_contains "$(ldd "$BUILD_DIR/syncfn-sync.so")" "libpq"
	assert_contains "$(ldd "$BUILD_DIR/syncfn-schedule.so")" "libcurl"
}
