#!/usr/bin/env python3
"""http_sink.py - a tiny HTTP server that records what is posted to it.

    python3 tests/http_sink.py PORT FILE [STATUS]

Every POST is answered STATUS (default 200) and appended to FILE as one
JSON line: {"path": ..., "headers": {...}, "body": "<the body as text>"}.
The tests point SYNC_ALERT_WEBHOOK_URL at it to see the alerts syncfn
sends. A GET of any path but "/" (which the tests poll until the sink
answers) is a heartbeat (SYNC_HEARTBEAT_URL): recorded the same way with
"method": "GET", and answered after SINK_DELAY_S seconds (default 0).
"""
import json
import os
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT, FILE = int(sys.argv[1]), sys.argv[2]
STATUS = int(sys.argv[3]) if len(sys.argv) > 3 else 200


class Sink(BaseHTTPRequestHandler):
    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(min(n, 1 << 20)).decode("utf-8", "replace")
        rec = {"path": self.path, "headers": dict(self.headers.items()), "body": body}
        with open(FILE, "a") as f:
            f.write(json.dumps(rec) + "\n")
        self.send_response(STATUS)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self):
        if self.path != "/":
            rec = {"method": "GET", "path": self.path, "headers": dict(self.headers.items()), "body": ""}
            with open(FILE, "a") as f:
                f.write(json.dumps(rec) + "\n")
            time.sleep(float(os.environ.get("SINK_DELAY_S") or 0))
            self.send_response(STATUS)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


ThreadingHTTPServer(("127.0.0.1", PORT), Sink).serve_forever()
