"""Fault checks for make soak (see run.sh): reads wrk's summary, then drives slow,
oversized, hung-up and terminated clients against the running server."""
import json
import os
import signal
import socket
import sys
import threading
import time
import urllib.request

port, pid = int(sys.argv[1]), int(sys.argv[2])
rss_before, rss_after, wrk_out = int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
heap_before, heap_after = int(sys.argv[6]), int(sys.argv[7])
failures = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what, flush=True)
    if not ok:
        failures.append(what)


def get(path, timeout=5):
    t = time.monotonic()
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=timeout) as r:
        return r.status, r.read(), time.monotonic() - t


# 1. The wrk run.
summary = {}
for line in open(wrk_out):
    if line.startswith("soak: "):
        for kv in line[6:].split():
            k, eq, v = kv.partition("=")
            if eq:  # "latency" and other words carry no value
                summary[k] = float(v.rstrip("us"))
check(summary.get("5xx", 1) == 0, f"zero 5xx under load ({summary.get('requests', 0):.0f} requests)")
check(all(summary.get(k, 1) == 0 for k in ("connect", "read", "write", "timeout")),
      "zero dropped connections (connect/read/write/timeout errors)")
print(f"     p99 latency {summary.get('p99', 0):.0f} us")
check(heap_before > 0 and heap_after - heap_before <= 4096,
      f"heap in use after the run within 4 KiB of before ({heap_before} -> {heap_after} B)")
check(rss_after < 64 << 10, f"RSS under 64 MiB ({rss_before} -> {rss_after} kB)")

# 2. Slow clients are dropped by the connection timeout; others are not delayed.
slow_headers = socket.create_connection(("127.0.0.1", port))
stalled_body = socket.create_connection(("127.0.0.1", port))
stalled_body.sendall(b"POST /activate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 100\r\n\r\n{\"activation\":")
closed = {}


def trickle():
    start = time.monotonic()
    try:
        for b in b"POST /activate HTTP/1.1\r\nHost: x\r\n":
            slow_headers.send(bytes([b]))
            time.sleep(1)
    except OSError:
        pass
    closed["headers"] = time.monotonic() - start


t = threading.Thread(target=trickle)
t.start()
lat = []
for _ in range(20):
    status, _, dt = get("/healthz")
    lat.append(dt)
    time.sleep(0.05)
check(max(lat) < 0.5, f"other clients served promptly beside slow ones (max {max(lat) * 1000:.1f} ms)")
stalled_body.settimeout(10)
t0 = time.monotonic()
try:
    data = stalled_body.recv(4096)
except OSError:
    data = b""
check(data == b"" or b"HTTP/1.1 4" in data, f"stalled body dropped after {time.monotonic() - t0:.1f} s")
t.join(timeout=40)
check("headers" in closed and closed["headers"] < 30,
      f"headers at a byte a second dropped (after {closed.get('headers', -1):.1f} s)")

# 3. 413 before the body.
s = socket.create_connection(("127.0.0.1", port))
s.sendall(b"POST /activate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
          b"Content-Length: 1000000000\r\n\r\n")
s.settimeout(5)
head = s.recv(4096)
check(head.startswith(b"HTTP/1.1 413"), "Content-Length over the limit: 413 before the body")
s.close()

# 4. Clients that hang up mid-body leave nothing behind.
for _ in range(200):
    c = socket.create_connection(("127.0.0.1", port))
    c.sendall(b"POST /activate HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n{\"x\":[1,2,")
    c.close()
time.sleep(0.5)
_, body, _ = get("/metrics")
inflight = [l for l in body.decode().splitlines() if l.startswith("neurond_in_flight")]
check(inflight and float(inflight[0].split()[-1]) <= 1, f"in-flight back to idle ({inflight})")
status, body, _ = get("/healthz")
check(status == 200 and json.loads(body) == {"status": "ok"}, "healthy after hang-ups")

# 5. SIGTERM with a request in flight: it completes, new connections are refused, exit 0.
big = json.dumps({"activation": "gelu", "x": [i / 1e5 for i in range(1_000_000)]}).encode()
result = {}


def slow_request():
    req = urllib.request.Request(f"http://127.0.0.1:{port}/activate", data=big,
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            result["status"] = r.status
            result["len"] = len(r.read())
    except Exception as e:  # noqa: BLE001 - reported below
        result["error"] = repr(e)


t = threading.Thread(target=slow_request)
t.start()
time.sleep(0.05)
os.kill(pid, signal.SIGTERM)
t.join(timeout=60)
check(result.get("status") == 200, f"request in flight at SIGTERM completed ({result})")
# The server is the shell's child: wait until it has exited (gone or a zombie);
# run.sh then checks its exit status.
def exited():
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ", 1)[1][0] == "Z"
    except FileNotFoundError:
        return True


for _ in range(200):
    if exited():
        break
    time.sleep(0.05)
check(exited(), "server exited after SIGTERM")
try:
    socket.create_connection(("127.0.0.1", port), timeout=2).close()
    check(False, "new connections refused after shutdown")
except OSError:
    check(True, "new connections refused after shutdown")

print(f"soak: {len(failures)} failed")
sys.exit(1 if failures else 0)
