"""The peer neurond is measured against: what a user would write instead.

A FastAPI + NumPy service with the routes the benchmark drives, POST /activate
(gelu: y and dy_dx) and POST /neuron/backward (a softmax layer with cross-entropy),
answering the same JSON shapes as neurond; and the same two as binary tensors through
the inference protocol's binary extension (POST /v2/models/gelu/infer and
/v2/models/dense/infer: the JSON header, then the raw little-endian tensors, read with
np.frombuffer and answered as raw bytes), so that the binary comparison is like for
like. Two worker processes share one listening
socket (SO_REUSEPORT). TCP_NODELAY is on for every connection: asyncio sets it only on
sockets whose proto is IPPROTO_TCP (a socket made with proto 0 keeps Nagle's delay, about
1,400 req/s for small keep-alive requests), so the listener is made with IPPROTO_TCP and
carries TCP_NODELAY, which Linux passes on to accepted connections.

    python3 fastapi_peer.py PORT [WORKERS]
"""
import math
import os
import signal
import socket
import sys

import numpy as np
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
import json

app = FastAPI()
_erf = np.frompyfunc(math.erf, 1, 1)
_SQRT1_2 = 1.0 / math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


@app.post("/activate")
async def activate(request: Request):
    body = await request.json()
    x = np.asarray(body["x"], dtype=np.float64)
    phi = 0.5 * (1.0 + _erf(x * _SQRT1_2).astype(np.float64))
    y = x * phi
    dy = phi + x * _INV_SQRT_2PI * np.exp(-0.5 * x * x)
    return JSONResponse({"activation": "gelu", "params": {"approximate": "none"},
                         "shape": list(x.shape), "y": y.tolist(), "dy_dx": dy.tolist()})


@app.post("/neuron/backward")
async def backward(request: Request):
    body = await request.json()
    x = np.asarray(body["x"], dtype=np.float64)
    w = np.asarray(body["weights"], dtype=np.float64)
    b = np.asarray(body.get("bias", np.zeros(w.shape[0])), dtype=np.float64)
    t = np.asarray(body["targets"])
    m = x.shape[0]
    z = x @ w.T + b
    zs = z - z.max(axis=1, keepdims=True)
    e = np.exp(zs)
    s = e.sum(axis=1, keepdims=True)
    a = e / s
    r = np.zeros_like(a)
    r[np.arange(m), t.astype(int)] = 1.0
    logp = zs - np.log(s)
    losses = -(r * logp).sum(axis=1)
    gz = (a - r) / m
    return JSONResponse({"z": z.tolist(), "a": a.tolist(), "loss": float(losses.mean()),
                         "grad_z": gz.tolist(), "grad_weights": (gz.T @ x).tolist(),
                         "grad_bias": gz.sum(axis=0).tolist(), "grad_x": (gz @ w).tolist()})


def _split(body, request):
    """The JSON header and the binary tensors after it, by name."""
    n = int(request.headers["inference-header-content-length"])
    head = json.loads(body[:n])
    tensors, off = {}, n
    for t in head["inputs"]:
        size = t["parameters"]["binary_data_size"]
        dtype = {"FP64": np.float64, "INT64": np.int64}[t["datatype"]]
        tensors[t["name"]] = np.frombuffer(body, dtype=dtype, count=size // np.dtype(dtype).itemsize,
                                           offset=off).reshape(t["shape"])
        off += size
    return head, tensors


def _binary(model, outputs):
    """The response: a JSON header, then each output's bytes."""
    head = {"model_name": model, "outputs": [
        {"name": k, "datatype": "FP64", "shape": list(v.shape),
         "parameters": {"binary_data_size": v.nbytes}} for k, v in outputs]}
    h = json.dumps(head).encode()
    return Response(content=h + b"".join(np.ascontiguousarray(v).tobytes() for _, v in outputs),
                    media_type="application/octet-stream",
                    headers={"Inference-Header-Content-Length": str(len(h))})


@app.post("/v2/models/gelu/infer")
async def gelu_binary(request: Request):
    head, t = _split(await request.body(), request)
    x = t["x"]
    phi = 0.5 * (1.0 + _erf(x * _SQRT1_2).astype(np.float64))
    return _binary("gelu", [("y", x * phi), ("dy_dx", phi + x * _INV_SQRT_2PI * np.exp(-0.5 * x * x))])


@app.post("/v2/models/dense/infer")
async def dense_binary(request: Request):
    head, t = _split(await request.body(), request)
    x, w, b, tg = t["x"], t["weights"], t["bias"], t["targets"]
    m = x.shape[0]
    z = x @ w.T + b
    zs = z - z.max(axis=1, keepdims=True)
    e = np.exp(zs)
    s = e.sum(axis=1, keepdims=True)
    a = e / s
    r = np.zeros_like(a)
    r[np.arange(m), tg.astype(int)] = 1.0
    losses = -(r * (zs - np.log(s))).sum(axis=1)
    gz = (a - r) / m
    return _binary("dense", [("z", z), ("a", a), ("loss", np.array(losses.mean())),
                             ("grad_z", gz), ("grad_weights", gz.T @ x),
                             ("grad_bias", gz.sum(axis=0)), ("grad_x", gz @ w)])


def main():
    port = int(sys.argv[1])
    workers = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind(("127.0.0.1", port))
    sock.listen(1024)
    sock.set_inheritable(True)
    children = []
    for _ in range(workers):
        pid = os.fork()
        if pid == 0:
            config = uvicorn.Config(app, log_level="warning", access_log=False)
            uvicorn.Server(config).run(sockets=[sock])
            os._exit(0)
        children.append(pid)
    print(f"fastapi_peer listening on port {port}", flush=True)

    def stop(signum, frame):
        # the workers go with the parent (make bench stops the parent alone)
        for pid in children:
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        for pid in children:
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        for pid in children:
            os.waitpid(pid, 0)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
