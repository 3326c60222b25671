# raw.sh - a raw socket client for the HTTP cases (no test here).

# raw PORT PYTHON-BYTES-LITERAL [HOLD_SECONDS]: sends the bytes, keeps the
# socket open up to HOLD_SECONDS, prints what comes back (a reset too) as "<seconds> <answer>".
raw() {
	python3 - "$1" "$2" "${3:-10}" <<'PY'
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.settimeout(float(sys.argv[3]))
t = time.time()
s.sendall(eval(sys.argv[2]))
out = b""
try:
    while True:
        c = s.recv(65536)
        if not c:
            break
        out += c
except socket.timeout:
    out += b" <no answer>"
except ConnectionResetError:
    out += b" <reset>"
print("%.2f %s" % (time.time() - t, out.decode("latin1")))
PY
}
