#!/usr/bin/env python3
"""conn_bench.py - where civetweb's one-thread-per-connection model stops
answering: N connections of one kind held open against a
running `syncfn serve`, then the time to a /healthz answer and to an
authorised answer (the status route with the admin token: no database
work when TARGET_DATABASE_URL is unset, so it measures the server alone).

    python3 bench/conn_bench.py PORT ADMIN_TOKEN KIND N [TIMEOUT_S]

KIND: idle     connections that send nothing (a proxy's pre-connect, a
               port scan, a slowloris before its first byte)
      trickle  connections that send a signed-looking POST's headers, then
               one body byte every 0.5 s (a slow or hostile upload)
Prints one line: "KIND N healthz_ms authorised_ms open" (a time is
"timeout" past TIMEOUT_S, default 60; open = connections accepted).
"""
import socket
import sys
import threading
import time

PORT, TOKEN, KIND, N = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
TIMEOUT = float(sys.argv[5]) if len(sys.argv) > 5 else 60.0
stop = threading.Event()
opened = []


def hold(i):
    try:
        s = socket.create_connection(("127.0.0.1", PORT), timeout=10)
    except OSError:
        return
    opened.append(s)
    if KIND == "trickle":
        try:
            s.sendall(b"POST /api/background/sync/slave-to-prod HTTP/1.1\r\n"
                      b"Host: x\r\nUpstash-Signature: x.y.z\r\n"
                      b"Content-Length: 60000\r\n\r\n")
            while not stop.is_set():
                s.sendall(b"a")
                stop.wait(0.5)
        except OSError:
            pass
    else:
        stop.wait()


def timed(request):
    t = time.time()
    try:
        s = socket.create_connection(("127.0.0.1", PORT), timeout=TIMEOUT)
        s.settimeout(TIMEOUT)
        s.sendall(request)
        first = s.recv(64)
        s.close()
        if not first.startswith(b"HTTP/1.1 "):
            return "error"
    except OSError:
        return "timeout"
    return "%d" % ((time.time() - t) * 1000)


threads = [threading.Thread(target=hold, args=(i,), daemon=True) for i in range(N)]
for t in threads:
    t.start()
time.sleep(1.0)  # every connection accepted (or queued)
health = timed(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
authorised = timed(b"GET /api/background/sync/status HTTP/1.1\r\nHost: x\r\n"
                   b"Authorization: Bearer " + TOKEN.encode() + b"\r\n\r\n")
print("%s %d %s %s %d" % (KIND, N, health, authorised, len(opened)))
stop.set()
for s in opened:
    try:
        s.close()
    except OSError:
        pass
