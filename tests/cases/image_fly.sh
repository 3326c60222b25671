# builds: first
# timeout: 60
# image_fly.sh - fly.toml, read with a real TOML parser (Python's tomllib):
# the port the image serves on, the command Fly runs, the one-request
# Machine settings, and every variable README.md documents either in [env] or
# documented as a `fly secrets set` in the comments, never with a value.

# fly_json: fly.toml as JSON
fly_json() { python3 -c 'import json, sys, tomllib; print(json.dumps(tomllib.load(open(sys.argv[1], "rb"))))' fly.toml; }

# The variables of README.md's "Configuration"; checked against the
# project's CONTRACT.md too when a shared/ directory beside the checkout
# holds one.
CONTRACT_VARS=(TARGET_DATABASE_URL SOURCE_DATABASE_URL SYNC_SOURCE_SCHEMA SYNC_TARGET_SCHEMA
	SYNC_TABLES SYNC_EXCLUDE QSTASH_URL QSTASH_TOKEN QSTASH_CURRENT_SIGNING_KEY QSTASH_NEXT_SIGNING_KEY
	APP_URL SYNC_ADMIN_TOKEN SYNC_CRON SYNC_RETRIES SYNC_TIMEOUT SYNC_SCHEDULE_ID QSTASH_CLOCK_TOLERANCE
	PORT LOG_FORMAT SYNC_STATEMENT_TIMEOUT SYNC_LOCK_TIMEOUT SHUTDOWN_GRACE_SECONDS QSTASH_HTTP_TIMEOUT
	SYNC_FAILURE_CALLBACK SYNC_ALERT_WEBHOOK_URL SYNC_CHECKSUM SYNC_HEARTBEAT_URL SYNC_MONITOR_TOKEN
	SYNC_RULES)
# Variables whose values are credentials: never in [env], always a secret.
SECRET_VARS=(TARGET_DATABASE_URL SOURCE_DATABASE_URL QSTASH_TOKEN QSTASH_CURRENT_SIGNING_KEY
	QSTASH_NEXT_SIGNING_KEY SYNC_ADMIN_TOKEN SYNC_ALERT_WEBHOOK_URL SYNC_HEARTBEAT_URL SYNC_MONITOR_TOKEN)

test_fly_service_is_one_request_per_machine_on_the_image_port() {
	local j; j=$(fly_json) || fail "fly.toml is not valid TOML"
	local expose
	expose=$(python3 tests/image/dockerfile.py | python3 -c 'import json,sys; print(" ".join(json.load(sys.stdin)["final"]["expose"]))')
	assert_json "$j" 'j["http_service"]["internal_port"]' "$expose" "internal_port vs the Dockerfile's EXPOSE"
	assert_json "$j" 'j["env"].get("PORT", "8080")' "$expose" "PORT vs internal_port"
	assert_json "$j" 'j["http_service"]["auto_start_machines"]' true
	assert_json "$j" 'j["http_service"]["auto_stop_machines"]' off
	assert_json "$j" 'j["http_service"]["min_machines_running"]' 0
	assert_json "$j" 'j["http_service"]["concurrency"]["type"]' requests
	assert_json "$j" 'j["http_service"]["concurrency"]["hard_limit"]' 1
	assert_json "$j" 'j["http_service"]["concurrency"]["soft_limit"]' 1
	assert_json "$j" '"checks" in j["http_service"] or "checks" in j or "services" in j' false "health checks"
	assert_json "$j" '[v["size"] for v in j["vm"]]' '["shared-cpu-1x"]'
	assert_json "$j" '[v["memory"] for v in j["vm"]]' '["256mb"]'
	# the proxy must not cut a sync that QStash still waits for
	assert_json "$j" 'j["http_service"]["http_options"]["idle_timeout"] >= int(j["env"]["SYNC_TIMEOUT"].rstrip("m")) * 60' true "idle_timeout vs SYNC_TIMEOUT"
}

# Fly sends kill_signal, waits kill_timeout, then kills: the wait must cover
# the runtime's grace for an in-flight sync (SHUTDOWN_GRACE_SECONDS).
test_fly_kill_timeout_covers_the_shutdown_grace() {
	local j; j=$(fly_json)
	assert_json "$j" 'j["kill_signal"] in ("SIGTERM", "SIGINT")' true "kill_signal"
	assert_json "$j" 'isinstance(j["kill_timeout"], int) and int(j["env"].get("SHUTDOWN_GRACE_SECONDS", "25")) + 3 <= j["kill_timeout"] <= 300' \
		true "kill_timeout vs SHUTDOWN_GRACE_SECONDS"
}

# The command fly.toml gives the image is one this binary accepts: the
# server starts with it and answers /healthz.
test_fly_command_starts_the_server() {
	local j cmd
	j=$(fly_json)
	cmd=$(printf '%s' "$j" | python3 -c 'import json,sys; j=json.load(sys.stdin); print(j["processes"][j["http_service"]["processes"][0]])')
	assert_contains " $cmd " " serve " "fly command"
	assert_contains " $cmd " " --once " "fly command"
	# shellcheck disable=SC2086 # the command is split as Fly splits it
	start_serve ${cmd#serve }
	kill -TERM "$SERVE_PID"
	wait_exit "$SERVE_PID" 10
	assert_eq 0 "$EXIT_CODE" "exit status after SIGTERM"
}

# APP_URL is not in fly.toml: a value there is someone else's host for
# whoever forgets to edit it (every delivery 401). Unset, syncfn uses
# https://$FLY_APP_NAME.fly.dev, which Fly sets; the comments say so.
test_fly_leaves_app_url_to_fly_app_name() {
	local j; j=$(fly_json)
	assert_json "$j" '"APP_URL" in j.get("env", {}) or "NEXT_PUBLIC_APP_URL" in j.get("env", {})' false "APP_URL in [env]"
	grep -q '^#.*FLY_APP_NAME' fly.toml || fail "fly.toml does not say that APP_URL falls back to FLY_APP_NAME"
}

test_fly_env_and_secrets_cover_the_contract() {
	local j; j=$(fly_json)
	if [ -f "$ROOT/../shared/CONTRACT.md" ]; then
		local v
		for v in $(python3 -c '
import re, sys
text = open(sys.argv[1], encoding="utf-8").read()
section = text.split("## Environment", 1)[1].split("\n## ", 1)[0]
for row in section.splitlines():
    if row.startswith("|"):
        cell = re.sub(r"\(.*?\)", "", row.split("|")[1])  # "(also read: ...)" aliases
        print(" ".join(re.findall(r"`([A-Z_]+)`", cell)))' "$ROOT/../shared/CONTRACT.md"); do
			assert_contains " ${CONTRACT_VARS[*]} " " $v " "contract variable missing from this test's list"
		done
	fi
	# secrets documented in comments: `fly secrets set NAME="<placeholder>"`
	local secrets
	secrets=$(grep -E '^#.*fly secrets set ' fly.toml | sed -E 's/.*fly secrets set ([A-Z_]+)=.*/\1/' | sort -u)
	grep -E '^#.*fly secrets set ' fly.toml | grep -vqE 'set [A-Z_]+="<[^"]*>"$' \
		&& fail "a fly secrets set line in fly.toml has a value, not a <placeholder>"
	local var
	for var in "${CONTRACT_VARS[@]}"; do
		local in_env
		in_env=$(printf '%s' "$j" | python3 -c 'import json,sys; print(sys.argv[1] in json.load(sys.stdin).get("env", {}))' "$var")
		if [[ " ${SECRET_VARS[*]} " == *" $var "* ]]; then
			assert_eq False "$in_env" "$var is a secret and must not be in [env]"
			grep -qx "$var" <<<"$secrets" || fail "secret $var is not documented as fly secrets set"
		elif [ "$in_env" != True ]; then
			grep -q "^#.*\b$var\b" fly.toml || fail "$var is neither in [env] nor documented in fly.toml"
		fi
	done
}
