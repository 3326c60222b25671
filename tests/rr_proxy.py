#!/usr/bin/env python3
"""rr_proxy.py - a TCP proxy that hands each new connection to the next of
several backends in turn, as a platform's load balancer spreads requests
over instances. A client that closes its side closes the backend's too, so
the instance sees its caller go away.

    python3 tests/rr_proxy.py LISTEN_PORT BACKEND_PORT [BACKEND_PORT...]
"""
import itertools
import socket
import sys
import threading

LISTEN = int(sys.argv[1])
BACKENDS = itertools.cycle(int(p) for p in sys.argv[2:])
LOCK = threading.Lock()


def pipe(src, dst):
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            dst.sendall(data)
    except OSError:
        pass
    for s in (src, dst):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def serve(client):
    with LOCK:
        port = next(BACKENDS)
    try:
        backend = socket.create_connection(("127.0.0.1", port))
    except OSError:
        client.close()
        return
    threading.Thread(target=pipe, args=(client, backend), daemon=True).start()
    threading.Thread(target=pipe, args=(backend, client), daemon=True).start()


srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", LISTEN))
srv.listen(64)
while True:
    conn, _ = srv.accept()
    serve(conn)
