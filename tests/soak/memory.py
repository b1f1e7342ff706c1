"""The memory phase of make soak: the server under a real memory limit.

Runs build/neurond in a child cgroup of its own with a memory limit (SOAK_MEM_LIMIT,
default 512M; cgroup v2 memory.max, or v1 memory.limit_in_bytes with swap held to the
same), so that its memory budget defaults from that limit. Then:
  1. small /activate requests alone, for a baseline latency;
  2. SOAK_LARGE (default 64) clients at once, each sending large /activate bodies
     (SOAK_LARGE_MB, default 16 MB of numbers) for SOAK_MEM_SECONDS (default 30),
     with Expect: 100-continue (as curl sends a large body), retrying after the
     Retry-After of a 503, while the small requests go on.
Checks: the server is never killed or restarted (no OOM kill in the cgroup), every
reply is 200 or 503 with Retry-After, the cgroup's peak usage and the server's peak RSS
stay under the limit, and the small requests' p99 latency stays under SOAK_SMALL_P99_MS
(default 100) and is never refused. Prints the figures. Loopback only; bounded.

usage: memory.py BINARY
"""
import os
import re
import socket
import subprocess
import sys
import threading
import time

BIN = sys.argv[1]
LIMIT = os.environ.get("SOAK_MEM_LIMIT", "512M")
LARGE = int(os.environ.get("SOAK_LARGE", "64"))
LARGE_MB = float(os.environ.get("SOAK_LARGE_MB", "16"))
SECONDS = float(os.environ.get("SOAK_MEM_SECONDS", "30"))
SMALL_P99_MS = float(os.environ.get("SOAK_SMALL_P99_MS", "100"))
failures = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what, flush=True)
    if not ok:
        failures.append(what)


def to_bytes(s):
    m = re.fullmatch(r"(\d+)([KMG]?)", s.strip().upper())
    return int(m.group(1)) << {"": 0, "K": 10, "M": 20, "G": 30}[m.group(2)]


# ------------------------------------------------------------------ the cgroup


class Cgroup:
    """A child cgroup with a memory limit: v2 where the memory controller is there,
    else v1's memory hierarchy."""

    def __init__(self, limit):
        self.limit = limit
        name = f"neurond-soak-{os.getpid()}"
        own = {}
        for line in open("/proc/self/cgroup"):
            hid, ctl, path = line.rstrip("\n").split(":", 2)
            own[ctl] = path
        self.dir = None
        for root in ("/sys/fs/cgroup", "/sys/fs/cgroup/unified"):
            ctrl = os.path.join(root, "cgroup.controllers")
            if "" in own and os.path.exists(ctrl) and "memory" in open(ctrl).read().split():
                parent = root + own[""]
                try:
                    with open(os.path.join(parent, "cgroup.subtree_control"), "w") as f:
                        f.write("+memory")
                except OSError:
                    pass
                self.dir = os.path.join(parent, name)
                os.mkdir(self.dir)
                self._write("memory.max", str(limit))
                try:
                    self._write("memory.swap.max", "0")
                except OSError:
                    pass
                self.v = 2
                break
        if self.dir is None:
            path = next((p for c, p in own.items() if "memory" in c.split(",")), None)
            if path is None or not os.path.isdir("/sys/fs/cgroup/memory"):
                raise OSError("no memory cgroup controller")
            self.dir = os.path.join("/sys/fs/cgroup/memory" + path, name)
            os.mkdir(self.dir)
            self._write("memory.limit_in_bytes", str(limit))
            try:  # swap held to the same limit: memory over it is not swapped out
                self._write("memory.memsw.limit_in_bytes", str(limit))
            except OSError:
                pass
            self.v = 1

    def _write(self, f, v):
        with open(os.path.join(self.dir, f), "w") as fh:
            fh.write(v)

    def _read(self, f):
        try:
            return open(os.path.join(self.dir, f)).read()
        except OSError:
            return ""

    def enter(self):
        """In the child, before exec: joins the cgroup."""
        with open(os.path.join(self.dir, "cgroup.procs"), "w") as f:
            f.write(str(os.getpid()))

    def usage(self):
        f = "memory.current" if self.v == 2 else "memory.usage_in_bytes"
        v = self._read(f).strip()
        return int(v) if v.isdigit() else 0

    def peak(self):
        f = "memory.peak" if self.v == 2 else "memory.max_usage_in_bytes"
        v = self._read(f).strip()
        return int(v) if v.isdigit() else 0

    def oom_kills(self):
        text = self._read("memory.events" if self.v == 2 else "memory.oom_control")
        m = re.search(r"oom_kill (\d+)", text)
        return int(m.group(1)) if m else 0

    def remove(self):
        for _ in range(50):
            try:
                os.rmdir(self.dir)
                return
            except OSError:
                time.sleep(0.1)


# ------------------------------------------------------------------ clients


def read_reply(s, buf=b""):
    """Reads one reply (head and Content-Length body) from s; returns (status,
    headers, body length, leftover)."""
    while b"\r\n\r\n" not in buf:
        d = s.recv(65536)
        if not d:
            raise ConnectionError("closed before the reply's head")
        buf += d
    head, _, rest = buf.partition(b"\r\n\r\n")
    lines = head.decode("latin1").split("\r\n")
    status = int(lines[0].split()[1])
    hdrs = {k.strip().lower(): v.strip() for k, _, v in (x.partition(":") for x in lines[1:])}
    if status == 100:
        return status, hdrs, 0, rest
    n = int(hdrs.get("content-length", "0"))
    got = len(rest)
    while got < n:
        d = s.recv(1 << 20)
        if not d:
            raise ConnectionError("closed in the reply's body")
        got += len(d)
    return status, hdrs, n, b""


class Tally:
    def __init__(self):
        self.lock = threading.Lock()
        self.status = {}
        self.bad = []
        self.lat = []

    def add(self, status, hdrs, secs=None):
        with self.lock:
            self.status[status] = self.status.get(status, 0) + 1
            if status == 503 and not hdrs.get("retry-after", "").isdigit():
                self.bad.append("503 without Retry-After")
            if status not in (200, 503):
                self.bad.append(f"status {status}")
            if secs is not None:
                self.lat.append(secs)


def large_client(port, body, until, tally):
    head = (f"POST /activate HTTP/1.1\r\nHost: soak\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nExpect: 100-continue\r\n\r\n").encode()
    while time.monotonic() < until:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=120) as s:
                s.sendall(head)
                status, hdrs, _, rest = read_reply(s)
                if status == 100:
                    s.sendall(body)
                    status, hdrs, _, _ = read_reply(s, rest)
            tally.add(status, hdrs)
            if status == 503:
                time.sleep(int(hdrs.get("retry-after", "1")))
        except OSError as e:
            with tally.lock:
                tally.bad.append(f"large: {e}")
            time.sleep(0.5)


def small_client(port, until, tally):
    body = (b'{"activation":"gelu","x":[-2,-1.5,-1,-0.5,0,0.5,1,1.5,2,2.5,3,3.5,4,4.5,5,5.5],'
            b'"outputs":["y","dy_dx"]}')
    req = (b"POST /activate HTTP/1.1\r\nHost: soak\r\nContent-Type: application/json\r\n"
           b"Content-Length: %d\r\n\r\n" % len(body)) + body
    s = None
    while time.monotonic() < until:
        try:
            if s is None:
                s = socket.create_connection(("127.0.0.1", port), timeout=60)
            t = time.monotonic()
            s.sendall(req)
            status, hdrs, _, _ = read_reply(s)
            tally.add(status, hdrs, time.monotonic() - t)
            if hdrs.get("connection", "").lower() == "close":
                s.close()
                s = None
            time.sleep(0.002)
        except OSError as e:
            with tally.lock:
                tally.bad.append(f"small: {e}")
            if s is not None:
                s.close()
            s = None
    if s is not None:
        s.close()


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(p / 100 * len(xs)))] * 1000 if xs else 0.0


def rss_kb(pid, key="VmRSS"):
    try:
        for line in open(f"/proc/{pid}/status"):
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def main():
    limit = to_bytes(LIMIT)
    try:
        cg = Cgroup(limit)
    except OSError as e:
        print(f"soak memory: SKIPPED: cannot make a memory cgroup here ({e})")
        return 0
    srv = None
    try:
        srv = subprocess.Popen([BIN, "--port", "0", "--bind", "127.0.0.1", "--no-access-log"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               preexec_fn=cg.enter)
        line = srv.stdout.readline().decode()
        port = int(re.search(r"port (\d+)", line).group(1))
        pid = srv.pid
        with socket.create_connection(("127.0.0.1", port)) as s:
            s.sendall(b"GET /metrics HTTP/1.1\r\nHost: soak\r\nConnection: close\r\n\r\n")
            text = b""
            while True:
                d = s.recv(65536)
                if not d:
                    break
                text += d
        budget = int(re.search(rb"\nneurond_memory_budget_bytes (\d+)", text).group(1))
        print(f"soak memory: cgroup v{cg.v} limit {limit >> 20} MiB; the server's budget "
              f"{budget >> 20} MiB (from the cgroup)", flush=True)
        check(budget == limit // 2, "the budget defaults to half the cgroup's limit")

        # 1. the small requests alone
        base = Tally()
        until = time.monotonic() + 8
        ts = [threading.Thread(target=small_client, args=(port, until, base)) for _ in range(2)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()

        # 2. the large ones at once, the small ones still going
        n = int(LARGE_MB * 1e6 / 20)
        nums = ",".join("%.17g" % ((i * 0.6180339887498949) % 10 - 5) for i in range(n))
        body = ('{"activation":"gelu","outputs":["y"],"x":[' + nums + "]}").encode()
        del nums
        large, small = Tally(), Tally()
        peak_rss = [0]
        stop = threading.Event()

        def sample():
            while not stop.is_set():
                peak_rss[0] = max(peak_rss[0], rss_kb(pid))
                time.sleep(0.02)
        sampler = threading.Thread(target=sample)
        sampler.start()
        t0 = time.monotonic()
        until = t0 + SECONDS
        ts = [threading.Thread(target=large_client, args=(port, body, until, large))
              for _ in range(LARGE)]
        ts += [threading.Thread(target=small_client, args=(port, until, small)) for _ in range(2)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        stop.set()
        sampler.join()
        alive = srv.poll() is None
        hwm = rss_kb(pid, "VmHWM")

        print(f"soak memory: {LARGE} clients sending {len(body) / 1e6:.1f} MB bodies for "
              f"{SECONDS:.0f} s: {large.status.get(200, 0)} answered 200, "
              f"{large.status.get(503, 0)} answered 503 with Retry-After", flush=True)
        print(f"soak memory: small requests alone: {len(base.lat)}, p50 {pct(base.lat, 50):.2f} "
              f"ms, p99 {pct(base.lat, 99):.2f} ms; under the large load: {len(small.lat)}, "
              f"p50 {pct(small.lat, 50):.2f} ms, p99 {pct(small.lat, 99):.2f} ms, "
              f"{small.status.get(503, 0)} refused", flush=True)
        print(f"soak memory: peak RSS {hwm >> 10} MiB (sampled {peak_rss[0] >> 10} MiB), "
              f"cgroup peak {cg.peak() >> 20} MiB, limit {limit >> 20} MiB", flush=True)
        check(alive, "the server is still running (never killed or restarted)")
        check(cg.oom_kills() == 0, f"no OOM kill in the cgroup ({cg.oom_kills()})")
        check(not large.bad and not small.bad and not base.bad,
              "every reply 200, or 503 with Retry-After" +
              (f" ({(large.bad + small.bad + base.bad)[:3]})"
               if large.bad or small.bad or base.bad else ""))
        check(large.status.get(200, 0) > 0, "large requests were served")
        check(hwm * 1024 < limit and cg.peak() <= limit,
              f"peak RSS {hwm >> 10} MiB under the {limit >> 20} MiB limit")
        check(small.status.get(503, 0) == 0, "no small request refused")
        check(pct(small.lat, 99) <= SMALL_P99_MS,
              f"small requests' p99 under the large load within {SMALL_P99_MS:.0f} ms")
    finally:
        if srv is not None and srv.poll() is None:
            srv.terminate()
            try:
                code = srv.wait(60)
                check(code == 0, f"exit status {code} after SIGTERM")
            except subprocess.TimeoutExpired:
                srv.kill()
                check(False, "the server stopped within 60 s of SIGTERM")
        cg.remove()
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
