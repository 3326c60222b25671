#!/usr/bin/env bash
# sdk_oracle.sh - cross-checks qstash-dev (and so the tests built on it)
# against Upstash's official TypeScript SDK (@upstash/qstash, from npm):
# the SDK's Client manages schedules on qstash-dev, and the SDK's Receiver
# verifies a delivery qstash-dev signs. Not part of tests/run (it needs
# the npm registry); run it by hand after changing tests/qstash_server/:
#
#   bash tests/qstash_server/sdk_oracle.sh [BUILD_DIR]
set -eu
BUILD=${1:-build}
WORK=$(mktemp -d /tmp/qstash-oracle.XXXXXX)
trap 'kill $QPID 2>/dev/null || true; rm -rf "$WORK"' EXIT
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
QP=$(port) DP=$(port)
"$BUILD/qstash-dev" --port "$QP" --no-cron >"$WORK/qstash-dev.log" 2>&1 & QPID=$!
(cd "$WORK" && npm install --silent --no-audit --no-fund @upstash/qstash >/dev/null)
cat >"$WORK/o.mjs" <<JS
import { Client, Receiver } from "@upstash/qstash";
import http from "node:http";
import assert from "node:assert/strict";
const c = new Client({ baseUrl: "http://127.0.0.1:$QP", enableTelemetry: false,
  token: "eyJVc2VySUQiOiJkZWZhdWx0VXNlciIsIlBhc3N3b3JkIjoiZGVmYXVsdFBhc3N3b3JkIn0=" });
const dest = "http://127.0.0.1:$DP/api/background/sync/slave-to-prod";
assert.equal((await c.schedules.create({ destination: dest, cron: "0 */6 * * *", retries: 2,
  timeout: "30s", method: "POST", scheduleId: "sdk-id", body: "{}" })).scheduleId, "sdk-id");
assert.equal((await c.schedules.get("sdk-id")).cron, "0 */6 * * *");
await c.schedules.pause({ schedule: "sdk-id" });
assert.equal((await c.schedules.get("sdk-id")).isPaused, true);
await c.schedules.resume({ schedule: "sdk-id" });
assert.equal((await c.schedules.get("sdk-id")).isPaused, false);
assert.equal((await c.schedules.list()).length, 1);
await c.schedules.delete("sdk-id");
assert.equal((await c.schedules.list()).length, 0);
const rec = new Receiver({ currentSigningKey: "sig_7kYjw48mhY7kAjqNGcy6cr29RJ6r",
  nextSigningKey: "sig_5ZB6DVzB1wjE8S6rZ7eenA8Pdnhs" });
const got = new Promise((resolve) => {
  const srv = http.createServer((req, res) => {
    let b = ""; req.on("data", (d) => (b += d)); req.on("end", async () => {
      const ok = await rec.verify({ signature: req.headers["upstash-signature"], body: b, url: dest });
      res.end("ok"); srv.close(); resolve(ok);
    });
  }).listen($DP, () => c.publish({ url: dest, body: '{"x":1}' }));
});
assert.equal(await got, true);
console.log("sdk oracle: schedules and signatures agree with @upstash/qstash");
JS
(cd "$WORK" && timeout 30 node o.mjs)
