# timeout: 300
# builds: first
# image_dockerfile.sh - the Dockerfile is lint clean (dockerlinter: hadolint's
# rules plus ShellCheck on every RUN, pinned in tests/image/lint) and says
# what docs/deploying.md describes: a digest-pinned Debian 12 build stage installing the
# build's share of `make deps`, a final stage that is only the rootfs that
# tests/image/rootfs.sh assembles, run as a non-root user.

# dockerlinter_cli: installs the pinned linter once into build/tools (shared
# by every build tree; flock because helpers' test runs may overlap) and
# prints the path of its CLI. --ignore-scripts: its postinstall downloads a
# ShellCheck binary from GitHub; Debian's shellcheck (make deps) is used.
dockerlinter_cli() {
	local dir=$ROOT/build/tools/dockerlint
	local cli=$dir/node_modules/dockerlinter/bin/dockerfilelinter.js
	mkdir -p "$dir"
	(
		flock 9
		if [ ! -f "$cli" ] || ! cmp -s tests/image/lint/package-lock.json "$dir/package-lock.json"; then
			rm -f "$dir/package-lock.json"
			cp tests/image/lint/package.json tests/image/lint/package-lock.json "$dir/"
			npm ci --prefix "$dir" --ignore-scripts --no-audit --no-fund --loglevel=error \
				>"$TEST_TMP/npm.log" 2>&1 || { rm -f "$dir/package-lock.json"; cat "$TEST_TMP/npm.log" >&2; exit 1; }
		fi
	) 9>"$dir/.lock" || fail "could not install the Dockerfile linter (npm ci in $dir)"
	command -v shellcheck >/dev/null || fail "shellcheck is not installed (run make deps)"
	echo "$cli"
}

# lint FILE: the linter's findings, from a scratch directory (it writes its
# ShellCheck input files into the current directory).
lint() {
	local cli out
	cli=$(dockerlinter_cli)
	out=$(cd "$TEST_TMP" && node "$cli" -f "$1" -s sh -e info 2>&1) && return 0
	printf '%s\n' "$out"
	return 1
}

test_dockerfile_is_lint_clean() {
	local out
	out=$(lint "$ROOT/Dockerfile") || fail "Dockerfile lint findings:
$out"
}

# The linter really runs its rules and ShellCheck: a Dockerfile with the
# usual mistakes is flagged for each of them.
test_linter_flags_a_bad_dockerfile() {
	cat >"$TEST_TMP/Dockerfile.bad" <<'EOF'
FROM debian:latest
RUN apt-get update && apt-get install -y libpq5
ADD syncfn /usr/local/bin/syncfn
RUN cd /tmp && ls | grep syncfn
CMD syncfn serve
EOF
	local out
	if out=$(lint "$TEST_TMP/Dockerfile.bad"); then
		fail "the linter passed a Dockerfile it must flag"
	fi
	for rule in EF0003 ER0002 ER0010 ER0012 EA0002 ER0001 EJ0002 SC2010; do
		assert_contains "$out" "$rule" "linter rule $rule did not fire"
	done
}

dockerfile_json() { python3 tests/image/dockerfile.py "$ROOT/Dockerfile"; }

test_build_stage_is_pinned_debian12_with_the_build_packages() {
	local j; j=$(dockerfile_json)
	local from; from=$(printf '%s' "$j" | python3 -c 'import json,sys; print(json.load(sys.stdin)["stages"][0]["from"])')
	[[ "$from" =~ ^debian:bookworm-slim@sha256:[0-9a-f]{64}$ ]] \
		|| fail "build stage must be debian:bookworm-slim pinned by tag and digest, is $from"
	# exactly build-essential and the -dev packages of the Makefile's
	# DEB_PKGS (less clang's sanitizer runtime, which only the tests use),
	# plus ca-certificates for the bundle; every one version-pinned
	local want got
	want=$(make -s --no-print-directory --eval 'print-deb-pkgs: ; @echo $(DEB_PKGS)' \
		print-deb-pkgs | tr ' ' '\n' \
		| grep -E '^(build-essential|lib.*-dev|ca-certificates)$' \
		| grep -v '^libclang-rt' | sort | tr '\n' ' ')
	[ -n "$want" ] || fail "could not read DEB_PKGS from the Makefile"
	got=$(printf '%s' "$j" | python3 -c '
import json, sys
for p in json.load(sys.stdin)["packages"]:
    name, eq, version = p.partition("=")
    if not eq or not version:
        sys.exit("apt package without a pinned version: " + p)
    print(name)' | sort | tr '\n' ' ') || fail "$got"
	assert_eq "$want" "$got" "build stage packages vs the Makefile's DEB_PKGS"
}

test_final_stage_is_the_rootfs_only() {
	local j; j=$(dockerfile_json)
	assert_json "$j" 'j["stages"][-1]["from"]' "scratch"
	assert_json "$j" 'j["final"]["copies"]' '["--from=build /src/build/rootfs/ /"]'
	assert_json "$j" '[k for k, a in j["stages"][-1]["instructions"] if k in ("RUN", "ADD")]' '[]'
	grep -q 'image-rootfs' Dockerfile || fail "the build stage must run make image-rootfs"
	assert_json "$j" 'j["final"]["entrypoint"]' '["syncfn"]'
	assert_json "$j" 'j["final"]["cmd"]' '["serve", "--once"]'
	assert_json "$j" 'j["final"]["expose"]' '["8080"]'
	assert_json "$j" 'j["final"]["healthcheck"]' 'false'
	local user; user=$(printf '%s' "$j" | python3 -c 'import json,sys; print(json.load(sys.stdin)["final"]["user"])')
	[[ "$user" =~ ^[1-9][0-9]*:[1-9][0-9]*$ ]] || fail "USER must be a numeric non-root uid:gid, is [$user]"
}

# The build context holds what the build stage copies and nothing else:
# above all no build/ tree and no .env with secrets.
test_dockerignore_keeps_secrets_and_builds_out() {
	assert_eq "*" "$(grep -v '^#' .dockerignore | grep -v '^$' | head -n 1)" ".dockerignore must start by excluding everything"
	local copied
	for copied in $(python3 tests/image/dockerfile.py | python3 -c '
import json, sys
for k, a in json.load(sys.stdin)["stages"][0]["instructions"]:
    if k == "COPY":
        print(a.split()[0])'); do
		[ "$copied" = ./ ] && continue
		grep -qxF "!$copied" .dockerignore || fail ".dockerignore does not let $copied into the build context"
		[ -e "$copied" ] || fail "the Dockerfile copies $copied, which does not exist"
	done
	! grep -qE '^!(build|\.env)' .dockerignore || fail ".dockerignore lets build/ or .env in"
}
