#!/bin/sh
# make bench: neurond beside its peers, in one run, interleaved, on loopback.
#
#   (a) POST /activate gelu, 16 numbers, wrk keep-alive         requests/s
#   (b) POST /activate gelu, 1,000,000 numbers, y + dy_dx        seconds/request, peak RSS
#   (c) POST /neuron/backward softmax + cross_entropy, M=1024, d=64, K=10
#   (b-bin) (b) through POST /v2/models/gelu/infer, binary FP64 in and out
#   (c-bin) (c) through POST /v2/models/dense/infer, binary tensors
#   (v) POST /verify: 1,000,000 float32 gelu y values from a naive float32 formula,
#       graded in float32 (exact form, erf; and the tanh form)   seconds/request, elements/s
#
# Peers: a FastAPI + NumPy service (tests/bench/fastapi_peer.py, two workers; the binary
# workloads against its binary routes, np.frombuffer in and raw bytes out) and a bare
# libmicrohttpd server answering neurond's own response bytes (the ceiling). The
# binary workloads run on a second neurond of their own, whose access log gives the
# service's own time and whose peak RSS is theirs; beside them, the engine's own time
# for the same work (bench_exec) on one thread and on all.
# Then the codec alone and the engine's kernels beside PyTorch's float64 kernels.
# BENCH_RUNS (default 5) repetitions of (b) and (c); BIN_RUNS (default 21) of the binary
# workloads, whose single runs take milliseconds; BENCH_SECONDS (default 8) per wrk run;
# VERIFY_RUNS (default 3) of each (v). BENCH_ONLY=verify runs (v) alone.
set -eu
cd "$(dirname "$0")/../.."

RUNS=${BENCH_RUNS:-5}
BRUNS=${BIN_RUNS:-21}
SECS=${BENCH_SECONDS:-8}
B=build/default
# Debian's interpreter: the peers use Debian's python3-fastapi, -uvicorn, -numpy, -torch.
PY=/usr/bin/python3
W=$(mktemp -d)
PIDS=""
cleanup() {
  for p in $PIDS; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$W"
}
trap cleanup EXIT INT TERM

need=""
for p in wrk curl python3-fastapi python3-uvicorn python3-numpy python3-torch; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need="$need $p"
done
if [ -n "$need" ]; then
  echo "bench: installing$need"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $need >/dev/null
fi

make --no-print-directory all $B/bench/mhd_fixed $B/bench/bench_codec $B/bench/bench_engine \
  $B/bench/bench_exec >/dev/null

# ---------------------------------------------------------------- (v) /verify
# A kernel's float32 outputs graded in float32: x uniform in [-10, 10) as float32, y from
# the textbook formula evaluated in float32 by PyTorch (0.5 x (1 + erf(x / sqrt 2)), and
# the tanh form), sent as Python writes them (x.tolist(), json.dumps); and the same y
# graded as identity's, which costs the engine nothing: the route's own cost. The
# service's own time comes from its access log; beside it, POST /activate of the same x
# (y only): the engine's share.
bench_verify() {
  VRUNS=${VERIFY_RUNS:-3}
  $PY - "$W" <<'PYEOF'
import json, sys, torch
w = sys.argv[1]
torch.manual_seed(7)
x = torch.rand(1_000_000, dtype=torch.float32) * 20 - 10
forms = {
    "ve": ({}, 0.5 * x * (1 + torch.erf(x * 0.7071067811865476))),
    "vt": ({"approximate": "tanh"},
           0.5 * x * (1 + torch.tanh(0.7978845608028654 * (x + 0.044715 * x * x * x)))),
}
# and identity graded against the same y: the route's own cost, with no engine work
forms["vi"] = (None, forms["ve"][1])
for name, (params, y) in forms.items():
    act = "gelu" if params is not None else "identity"
    params = params or {}
    body = {"activation": act, "params": params, "dtype": "float32", "x": x.tolist(),
            "got": {"y": y.tolist()}}
    open(f"{w}/{name}.json", "w").write(json.dumps(body, separators=(",", ":")))
    req = {"activation": act, "params": params, "x": x.tolist(), "outputs": ["y"]}
    open(f"{w}/{name}a.json", "w").write(json.dumps(req, separators=(",", ":")))
PYEOF
  PV=$(free_port)
  ./build/neurond --port "$PV" --bind 127.0.0.1 >"$W/neurondv.out" 2>"$W/neurondv.log" &
  VPID=$!; PIDS="$PIDS $VPID"
  wait_port "$PV"
  for f in ve vt vi; do
    : >"$W/$f.t"; : >"$W/$f.a"
    i=0
    while [ $i -lt "$VRUNS" ]; do
      curl -s -o "$W/$f.resp" -w '%{time_total}\n' -H 'Content-Type: application/json' \
        --data-binary "@$W/$f.json" "http://127.0.0.1:$PV/verify" >>"$W/$f.t"
      curl -s -o /dev/null -w '%{time_total}\n' -H 'Content-Type: application/json' \
        --data-binary "@$W/${f}a.json" "http://127.0.0.1:$PV/activate" >>"$W/$f.a"
      i=$((i + 1))
    done
  done
  vsvc() { grep '"path":"/verify"' "$W/neurondv.log" | sed -n "$1" |
    sed 's/.*"microseconds":\([0-9]*\).*/\1/' | median; }
  SVE=$(vsvc "1,${VRUNS}p")
  SVT=$(vsvc "$((VRUNS + 1)),$((2 * VRUNS))p")
  SVI=$(vsvc "$((2 * VRUNS + 1)),\$p")
  VB=$(wc -c <"$W/ve.json")
  echo
  echo "## POST /verify, 1,000,000 float32 values graded in float32 ($VRUNS runs, medians)"
  echo
  awk -v te="$(median <"$W/ve.t")" -v tt="$(median <"$W/vt.t")" -v ti="$(median <"$W/vi.t")" \
      -v ae="$(median <"$W/ve.a")" -v at="$(median <"$W/vt.a")" -v ai="$(median <"$W/vi.a")" \
      -v se="$SVE" -v st="$SVT" -v si="$SVI" -v vb="$VB" 'BEGIN {
    printf "| activation | /verify s/req | elements/s | service s (access log) | /activate y s/req |\n"
    printf "|---|---|---|---|---|\n"
    printf "| gelu, exact (erf) | %.3f | %.3g | %.3f | %.3f |\n", te, 1e6/te, se/1e6, ae
    printf "| gelu, tanh form | %.3f | %.3g | %.3f | %.3f |\n", tt, 1e6/tt, st/1e6, at
    printf "| identity (no engine work) | %.3f | %.3g | %.3f | %.3f |\n", ti, 1e6/ti, si/1e6, ai
    printf "\nrequest body %.1f MB\n", vb/1e6
  }'
  $PY -c 'import json,sys; r=json.load(open(sys.argv[1]))["results"]["y"]; print("exact form: max_ulp", r["max_ulp"], "histogram", r["histogram"])' "$W/ve.resp"
  kill "$VPID" 2>/dev/null || true
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

wait_port() { # port
  i=0
  until curl -s -o /dev/null "http://127.0.0.1:$1/" 2>/dev/null; do
    i=$((i + 1)); [ $i -gt 100 ] && { echo "bench: nothing on port $1" >&2; exit 1; }
    sleep 0.1
  done
}

median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

if [ "${BENCH_ONLY:-}" = verify ]; then
  bench_verify
  exit 0
fi

# ------------------------------------------------------------------ bodies
$PY - "$W" <<'EOF'
import json, random, sys
w = sys.argv[1]
random.seed(7)
small = [round(random.uniform(-5, 5), 3) for _ in range(16)]
open(f"{w}/a.json", "w").write(json.dumps({"activation": "gelu", "x": small}))
big = [random.uniform(-10, 10) for _ in range(1_000_000)]
open(f"{w}/b.json", "w").write(json.dumps({"activation": "gelu", "x": big,
                                           "outputs": ["y", "dy_dx"]}, separators=(",", ":")))
M, d, K = 1024, 64, 10
x = [[random.gauss(0, 1) for _ in range(d)] for _ in range(M)]
wts = [[random.gauss(0, 0.1) for _ in range(d)] for _ in range(K)]
t = [random.randrange(K) for _ in range(M)]
open(f"{w}/c.json", "w").write(json.dumps({"weights": wts, "bias": [0.0] * K,
    "activation": "softmax", "x": x, "targets": t, "loss": "cross_entropy"},
    separators=(",", ":")))

# the same two as binary tensors (the inference protocol's binary extension)
import struct
def binary(name, inputs, params, outputs):
    head = {"inputs": [{"name": n, "shape": sh, "datatype": dt,
                        "parameters": {"binary_data_size": len(raw)}} for n, sh, dt, raw in inputs],
            "outputs": [{"name": o, "parameters": {"binary_data": True}} for o in outputs]}
    if params:
        head["parameters"] = params
    h = json.dumps(head, separators=(",", ":")).encode()
    open(f"{w}/{name}.bin", "wb").write(h + b"".join(raw for _, _, _, raw in inputs))
    open(f"{w}/{name}.hlen", "w").write(str(len(h)))
def f64(v):
    return struct.pack(f"<{len(v)}d", *v)
binary("b-bin", [("x", [len(big)], "FP64", f64(big))], None, ["y", "dy_dx"])
binary("c-bin", [("x", [M, d], "FP64", f64([v for row in x for v in row])),
                 ("weights", [K, d], "FP64", f64([v for row in wts for v in row])),
                 ("bias", [K], "FP64", f64([0.0] * K)),
                 ("targets", [M], "INT64", struct.pack(f"<{M}q", *t))],
       {"activation": "softmax", "loss": "cross_entropy"},
       ["z", "a", "loss", "grad_z", "grad_weights", "grad_bias", "grad_x"])
EOF
cat > "$W/post.lua" <<EOF
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local f = io.open("$W/a.json", "rb")
wrk.body = f:read("*a")
f:close()
EOF

# ---------------------------------------------------------------- servers
PN=$(free_port)
./build/neurond --port "$PN" --bind 127.0.0.1 --no-access-log >"$W/neurond.out" 2>&1 &
NPID=$!; PIDS="$PIDS $NPID"
PF=$(free_port)
$PY tests/bench/fastapi_peer.py "$PF" 2 >"$W/fastapi.out" 2>&1 &
PIDS="$PIDS $!"
PN2=$(free_port)
./build/neurond --port "$PN2" --bind 127.0.0.1 >"$W/neurond2.out" 2>"$W/neurond2.log" &
NPID2=$!; PIDS="$PIDS $NPID2"
wait_port "$PN"
wait_port "$PF"
wait_port "$PN2"

for w in a b c; do
  path=/activate
  [ $w = c ] && path=/neuron/backward
  curl -s -o "$W/$w.resp" -H 'Content-Type: application/json' --data-binary "@$W/$w.json" \
    "http://127.0.0.1:$PN$path"
done
PC=$(free_port)
start_ceiling() { # response file
  $B/bench/mhd_fixed "$PC" "$1" >/dev/null 2>&1 &
  CPID=$!; PIDS="$PIDS $CPID"
  wait_port "$PC"
}
stop_ceiling() { kill "$CPID" 2>/dev/null || true; wait "$CPID" 2>/dev/null || true; }

rps() { # port
  wrk -t2 -c64 -d"${SECS}s" -s "$W/post.lua" "http://127.0.0.1:$1$2" 2>/dev/null |
    awk '/Requests\/sec/ {print $2}'
}
timed() { # port path body -> seconds
  curl -s -o /dev/null -w '%{time_total}\n' -H 'Content-Type: application/json' \
    --data-binary "@$3" "http://127.0.0.1:$1$2"
}

# ------------------------------------------------------------------- (a)
echo "bench: (a) wrk -t2 -c64 -d${SECS}s POST /activate gelu x16"
start_ceiling "$W/a.resp"
: >"$W/a.n"; : >"$W/a.f"; : >"$W/a.c"
for i in 1 2 3; do
  rps "$PN" /activate >>"$W/a.n"
  rps "$PF" /activate >>"$W/a.f"
  rps "$PC" /activate >>"$W/a.c"
done
stop_ceiling

# ------------------------------------------------------------------- (b), (c)
run_timed() { # workload path
  start_ceiling "$W/$1.resp"
  : >"$W/$1.n"; : >"$W/$1.f"; : >"$W/$1.c"
  i=0
  while [ $i -lt "$RUNS" ]; do
    timed "$PN" "$2" "$W/$1.json" >>"$W/$1.n"
    timed "$PF" "$2" "$W/$1.json" >>"$W/$1.f"
    timed "$PC" "$2" "$W/$1.json" >>"$W/$1.c"
    i=$((i + 1))
  done
  stop_ceiling
}
echo "bench: (b) POST /activate gelu x1,000,000, $RUNS runs each"
run_timed b /activate
echo "bench: (c) POST /neuron/backward softmax+CE M=1024 d=64 K=10, $RUNS runs each"
run_timed c /neuron/backward

timed_bin() { # port path workload -> seconds
  curl -s -o /dev/null -w '%{time_total}\n' -H 'Content-Type: application/octet-stream' \
    -H "Inference-Header-Content-Length: $(cat "$W/$3.hlen")" --data-binary "@$W/$3.bin" \
    "http://127.0.0.1:$1$2"
}
run_bin() { # workload model
  curl -s -o "$W/$1.resp" -H 'Content-Type: application/octet-stream' \
    -H "Inference-Header-Content-Length: $(cat "$W/$1.hlen")" --data-binary "@$W/$1.bin" \
    "http://127.0.0.1:$PN2/v2/models/$2/infer"
  start_ceiling "$W/$1.resp"
  : >"$W/$1.n"; : >"$W/$1.f"; : >"$W/$1.c"
  i=0
  while [ $i -lt "$BRUNS" ]; do
    timed_bin "$PN2" "/v2/models/$2/infer" "$1" >>"$W/$1.n"
    timed_bin "$PF" "/v2/models/$2/infer" "$1" >>"$W/$1.f"
    timed_bin "$PC" "/v2/models/$2/infer" "$1" >>"$W/$1.c"
    i=$((i + 1))
  done
  stop_ceiling
}
echo "bench: (b-bin) POST /v2/models/gelu/infer binary FP64 x1,000,000, $BRUNS runs each"
run_bin b-bin gelu
echo "bench: (c-bin) POST /v2/models/dense/infer binary, $BRUNS runs each"
run_bin c-bin dense
RSS2_KB=$(awk '/VmHWM/ {print $2}' /proc/$NPID2/status)
REQ2_B=$(wc -c <"$W/b-bin.bin")
RESP2_B=$(wc -c <"$W/b-bin.resp")
# the service's own time of each binary request, from its access log (microseconds)
svc() { grep "\"path\":\"$1\"" "$W/neurond2.log" | sed 's/.*"microseconds":\([0-9]*\).*/\1/' | median; }
SB=$(svc /v2/models/gelu/infer)
SC=$(svc /v2/models/dense/infer)
$B/bench/bench_exec >"$W/exec.txt"
EB1=$(awk '/\(b\).* 1 thread:/ {print $(NF-1)}' "$W/exec.txt")
EBN=$(awk '/\(b\).* threads:/ {print $(NF-1)}' "$W/exec.txt")
EC1=$(awk '/\(c\).* 1 thread:/ {print $(NF-1)}' "$W/exec.txt")
ECN=$(awk '/\(c\).* threads:/ {print $(NF-1)}' "$W/exec.txt")
[ -n "$EBN" ] || EBN=$EB1
[ -n "$ECN" ] || ECN=$EC1

RSS_KB=$(awk '/VmHWM/ {print $2}' /proc/$NPID/status)
REQ_B=$(wc -c <"$W/b.json")
RESP_B=$(wc -c <"$W/b.resp")

bbn=$(median <"$W/b-bin.n"); bbf=$(median <"$W/b-bin.f"); bbc=$(median <"$W/b-bin.c")
cbn=$(median <"$W/c-bin.n"); cbf=$(median <"$W/c-bin.f"); cbc=$(median <"$W/c-bin.c")
an=$(median <"$W/a.n"); af=$(median <"$W/a.f"); ac=$(median <"$W/a.c")
bn=$(median <"$W/b.n"); bf=$(median <"$W/b.f"); bc=$(median <"$W/b.c")
cn=$(median <"$W/c.n"); cf=$(median <"$W/c.f"); cc=$(median <"$W/c.c")

echo
echo "## Service (medians; ratios neurond / peer)"
echo
awk -v an="$an" -v af="$af" -v ac="$ac" -v bn="$bn" -v bf="$bf" -v bc="$bc" \
    -v cn="$cn" -v cf="$cf" -v cc="$cc" -v rss="$RSS_KB" -v rq="$REQ_B" -v rs="$RESP_B" 'BEGIN {
  printf "| workload | neurond | FastAPI+NumPy | bare MHD ceiling | vs FastAPI | vs ceiling |\n"
  printf "|---|---|---|---|---|---|\n"
  printf "| (a) gelu x16, req/s | %.0f | %.0f | %.0f | %.1fx | %.0f%% |\n", an, af, ac, an/af, 100*an/ac
  printf "| (b) gelu x1M y+dy_dx, s/req | %.4f | %.4f | %.4f | %.1fx | %.0f%% |\n", bn, bf, bc, bf/bn, 100*bc/bn
  printf "| (b) elements/s | %.3g | %.3g | | | |\n", 1e6/bn, 1e6/bf
  printf "| (c) backward M=1024 d=64 K=10, s/req | %.5f | %.5f | %.5f | %.1fx | %.0f%% |\n", cn, cf, cc, cf/cn, 100*cc/cn
  printf "\nneurond peak RSS %.1f MiB; request %.1f MB + response %.1f MB; RSS / bytes = %.2f\n",
    rss/1024, rq/1e6, rs/1e6, rss*1024/(rq+rs)
}'

echo
echo "## Binary tensors (the inference protocol), same run"
echo
awk -v bn="$bn" -v bf="$bf" -v cn="$cn" -v cf="$cf" -v bbn="$bbn" -v bbf="$bbf" \
    -v bbc="$bbc" -v cbc="$cbc" -v cbn="$cbn" -v cbf="$cbf" -v sb="$SB" -v sc="$SC" -v eb1="$EB1" -v ebn="$EBN" \
    -v ec1="$EC1" -v ecn="$ECN" -v rss="$RSS2_KB" -v rq="$REQ2_B" -v rs="$RESP2_B" 'BEGIN {
  printf "| workload | neurond s/req | FastAPI binary s/req | bare MHD ceiling | vs FastAPI binary | vs FastAPI JSON (b)/(c) | vs ceiling |\n"
  printf "|---|---|---|---|---|---|---|\n"
  printf "| (b-bin) gelu x1M y+dy_dx | %.4f | %.4f | %.4f | %.1fx | %.1fx | %.0f%% |\n", bbn, bbf, bbc, bbf/bbn, bf/bbn, 100*bbc/bbn
  printf "| (c-bin) backward M=1024 d=64 K=10 | %.5f | %.5f | %.5f | %.1fx | %.1fx | %.0f%% |\n", cbn, cbf, cbc, cbf/cbn, cf/cbn, 100*cbc/cbn
  printf "\nService time (access log, median) vs the engine alone (bench_exec, best):\n"
  printf "(b-bin) service %.2f ms; engine %.2f ms on 1 thread, %.2f ms on all: service / engine all = %.2fx\n", sb/1000, eb1, ebn, sb/1000/ebn
  printf "(c-bin) service %.3f ms; engine %.3f ms on 1 thread, %.3f ms on all: service / engine all = %.2fx\n", sc/1000, ec1, ecn, sc/1000/ecn
  printf "(b-bin) peak RSS %.1f MiB; request %.1f MB + response %.1f MB; RSS / bytes = %.2f\n",
    rss/1024, rq/1e6, rs/1e6, rss*1024/(rq+rs)
}'

# the servers of the workloads above stop here: the codec and the kernels run alone
for p in $PIDS; do kill "$p" 2>/dev/null || true; done
wait 2>/dev/null || true
PIDS=""

echo
echo "## Codec alone"
$B/bench/bench_codec
echo
echo "## Engine kernels (y + dy_dx over 1,000,000 doubles) beside PyTorch float64"
if $PY -c "import torch" 2>/dev/null; then
  $PY tests/bench/torch_peer.py >"$W/torch.txt"
  $B/bench/bench_engine "$W/torch.txt"
else
  echo "(python3-torch not available: PyTorch columns skipped)"
  $B/bench/bench_engine
fi

bench_verify
