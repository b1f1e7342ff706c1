"""Conformance of the real server to openapi.yaml (make conformance, part of make test).

Drives every operation that openapi.yaml declares against a running build/neurond:
its request examples, the same bodies with each array emptied, a table of invalid
requests, and the requests every route answers before routing (an unknown method,
invalid JSON, unknown fields, a non-JSON Content-Type or a Content-Encoding, a body
over the limit, a memory budget that cannot hold the request, a malformed chunked body,
a Content-Length that is not a number, a request head too large, a CORS preflight).
Each reply is checked against the operation in the document: its status is declared,
its Content-Type is one the status declares, its body validates against the declared
schema (JSON Schema 2020-12, with the document's components), its required headers
are present and every declared header it carries fits its schema, and it has one status
line. A request body the request schema rejects must not be answered 2xx.

Paths and operations come from the document alone, so a route is covered as soon as
openapi.yaml declares it. Prints every disagreement, then "N passed, N failed".

usage: conform.py BINARY OPENAPI_YAML
"""
import copy
import http.client
import json
import os
import re
import socket
import subprocess
import sys
import time

import jsonschema
import yaml

BIN, SPEC = sys.argv[1], sys.argv[2]


class Loader(yaml.SafeLoader):
    """YAML 1.1 reads 1e-300 (no dot) as a string; JSON, and so the examples, mean a
    number."""


Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$"),
    list("-+0123456789."))
DOC = yaml.load(open(SPEC), Loader=Loader)
COMPONENTS = DOC.get("components", {})
METHODS = ("get", "head", "post", "put", "delete", "patch", "options")
BEFORE_ROUTING = ("400", "413", "414", "415", "431", "503")

passed = 0
failures = []


def fail(what):
    failures.append(what)
    print("FAIL " + what, flush=True)


# ------------------------------------------------------------------ servers


class Server:
    def __init__(self, *args):
        self.p = subprocess.Popen([BIN, "--port", "0", "--bind", "127.0.0.1", "--no-access-log",
                                   "--conn-timeout", "5", *args],
                                  stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        line = self.p.stdout.readline().decode()
        m = re.search(r"port (\d+)", line)
        if m is None:
            raise SystemExit("conformance: the server did not start: " + line)
        self.port = int(m.group(1))
        self.args = args

    def stop(self):
        self.p.terminate()
        try:
            self.p.wait(30)
        except subprocess.TimeoutExpired:
            self.p.kill()


# ------------------------------------------------------------------ the document


def resolve(obj):
    while isinstance(obj, dict) and "$ref" in obj:
        ref = obj["$ref"]
        assert ref.startswith("#/"), ref
        node = DOC
        for part in ref[2:].split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        obj = node
    return obj


def validator(schema):
    root = {"$schema": "https://json-schema.org/draft/2020-12/schema",
            "components": COMPONENTS, "allOf": [schema]}
    return jsonschema.Draft202012Validator(root)


def concrete(path, op, item=None, name=None):
    """The path with each {parameter} replaced by a value its schema allows: the
    operation's parameters, then its path's; a {model} is the example's name, when the
    request is an example (the examples of the inference protocol are named after the
    model they run on)."""
    def value(m):
        if m.group(1) == "model" and name is not None:
            return name
        for prm in (op.get("parameters", []) or []) + ((item or {}).get("parameters", []) or []):
            prm = resolve(prm)
            if prm.get("name") == m.group(1):
                sch = resolve(prm.get("schema", {}))
                if "example" in prm:
                    return str(prm["example"])
                if "examples" in sch:
                    return str(sch["examples"][0])
                if "enum" in sch:
                    return str(sch["enum"][min(len(sch["enum"]) - 1, 14)])
        return "x"
    return re.sub(r"\{([^}]+)\}", value, path)


# ------------------------------------------------------------------ replies


class Reply:
    def __init__(self, status, headers, body, raw_head=None):
        self.status = status
        self.headers = {k.lower(): v for k, v in headers}
        self.body = body
        self.raw_head = raw_head


def request(port, method, path, body=None, headers=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        c.request(method, path, body=body, headers=headers or {})
        r = c.getresponse()
        data = r.read()
        return Reply(r.status, r.getheaders(), data)
    finally:
        c.close()


def raw(port, data, wait=3.0, head=False):
    """Sends bytes on a new connection and reads one reply: its Content-Length of body
    (none after HEAD), or until the server closes."""
    s = socket.create_connection(("127.0.0.1", port), timeout=wait)
    out = b""
    try:
        s.sendall(data)
    except OSError:
        pass
    want = None
    try:
        while want is None or len(out) < want:
            d = s.recv(65536)
            if not d:
                break
            out += d
            end = out.find(b"\r\n\r\n")
            if want is None and end >= 0:
                m = re.search(rb"\r\ncontent-length: *(\d+)", out[:end], re.I)
                if m is not None:
                    want = end + 4 + (0 if head else int(m.group(1)))
    except OSError:
        pass
    s.close()
    head, _, body = out.partition(b"\r\n\r\n")
    lines = head.decode("latin1").split("\r\n")
    m = re.match(r"HTTP/1\.[01] (\d{3})", lines[0]) if lines else None
    if m is None:
        return Reply(0, [], out, head)
    hdrs = [tuple(x.split(":", 1)) for x in lines[1:] if ":" in x]
    hdrs = [(k.strip(), v.strip()) for k, v in hdrs]
    return Reply(int(m.group(1)), hdrs, body, out)


def check(what, path, method, reply):
    """Checks a reply against the operation method on path (an undeclared method is
    checked against the path's 405)."""
    global passed
    item = DOC["paths"][path]
    op = item.get(method.lower())
    if reply.status == 0:
        fail(f"{what}: no HTTP reply: {reply.body[:120]!r}")
        return
    if op is None:
        declared = [o for m, o in item.items() if m in METHODS]
        op = {"responses": {"405": declared[0]["responses"].get("405")}} if declared else None
        if op is None or op["responses"]["405"] is None:
            fail(f"{what}: {method} {path} is not declared, and no 405 is")
            return
    resp = op["responses"].get(str(reply.status))
    if resp is None:
        fail(f"{what}: {method} {path} answered {reply.status}, which it does not declare "
             f"(declared: {', '.join(sorted(op['responses']))})")
        return
    resp = resolve(resp)
    bad = []
    if reply.raw_head is not None and reply.raw_head.count(b"HTTP/1.") != 1:
        bad.append("more than one status line")
    ctype = reply.headers.get("content-type", "").split(";")[0].strip().lower()
    content = resp.get("content") or {}
    if content:
        if ctype not in {k.lower() for k in content}:
            bad.append(f"Content-Type {ctype or '(none)'} not among {sorted(content)}")
        elif method != "HEAD":
            schema = content[[k for k in content if k.lower() == ctype][0]].get("schema")
            if schema is not None:
                if ctype.endswith("json"):
                    try:
                        doc = json.loads(reply.body)
                    except ValueError as e:
                        bad.append(f"body is not JSON ({e}): {reply.body[:80]!r}")
                        doc = None
                else:
                    doc = reply.body.decode("utf-8", "replace")
                if doc is not None:
                    errs = sorted(validator(schema).iter_errors(doc), key=lambda e: e.path)
                    if errs:
                        e = errs[0]
                        bad.append(f"body breaks its schema at /{'/'.join(map(str, e.path))}: "
                                   f"{e.message[:200]}")
    elif reply.body and method != "HEAD":
        bad.append(f"a body where none is declared: {reply.body[:80]!r}")
    for name, h in (resp.get("headers") or {}).items():
        h = resolve(h)
        v = reply.headers.get(name.lower())
        if v is None:
            if h.get("required"):
                bad.append(f"no {name} header")
            continue
        sch = resolve(h.get("schema", {}))
        val = v
        if sch.get("type") == "integer":
            val = int(v) if re.fullmatch(r"\d+", v) else v
        errs = list(validator(sch).iter_errors(val))
        if errs:
            bad.append(f"header {name}: {v!r}: {errs[0].message[:120]}")
    if bad:
        fail(f"{what}: {method} {path} -> {reply.status}: " + "; ".join(bad))
    else:
        passed += 1


def schema_accepts(op, body):
    rb = resolve(op.get("requestBody", {}))
    sch = ((rb.get("content") or {}).get("application/json") or {}).get("schema")
    if sch is None:
        return True
    return not list(validator(sch).iter_errors(body))


def emptied(body):
    """Copies of body with one array at a time replaced by [] (top level and in
    nested objects)."""
    out = []

    def walk(node, setter):
        if isinstance(node, list):
            if node:
                out.append(setter([]))
            for i, v in enumerate(node):
                if isinstance(v, (list, dict)):
                    walk(v, lambda x, i=i, node=node: setter(node[:i] + [x] + node[i + 1:]))
        elif isinstance(node, dict):
            for k, v in node.items():
                walk(v, lambda x, k=k, node=node: setter({**node, k: x}))
    walk(body, lambda x: x)
    return out


# Requests that break the contract, per path (a route added to openapi.yaml gets the
# generic ones below without a row here).
INVALID = {
    "/activate": [
        {"activation": "nope", "x": 1},
        {"activation": "relu", "x": [1, "a"]},
        {"activation": "relu", "x": [[1, 2], [3]]},
        {"activation": "softmax", "x": []},
        {"activation": "softmax", "x": [[]]},
        {"activation": "relu", "x": 1, "outputs": ["jacobian"]},
        {"activation": "leaky_relu", "params": {"alpha": 1e308}, "x": -10},
        {"activation": "relu", "x": [1, 2], "grad_y": [1]},
    ],
    "/neuron/forward": [
        {"weights": [], "x": []},
        {"weights": [[1, 2], [3, 4]], "bias": 1, "x": [1, 1]},
        {"weights": [1, 2], "x": [1, 2, 3]},
    ],
    "/neuron/backward": [
        {"weights": [1, 2], "x": [1, 1]},
        {"weights": [1, 2], "x": [1, 1], "grad_a": 1, "outputs": ["loss"]},
        {"weights": [1, 2], "x": [1, 1], "targets": 1, "loss": "binary_cross_entropy"},
    ],
    "/loss": [
        {"loss": "mse", "input": [], "targets": []},
        {"loss": "cross_entropy", "input": [0, 1], "targets": [1, 0]},
        {"loss": "squared", "input": [1, 2], "targets": [1]},
    ],
    "/init": [
        {"scheme": "glorot", "shape": [2, 2]},
        {"scheme": "normal", "shape": []},
        {"scheme": "normal", "shape": [100000, 100000]},
    ],
}


def main():
    a = Server()                                   # defaults
    tight = Server("--max-memory", "1M")           # a budget no 300 kB request fits
    cors = Server("--cors-origin", "https://page.example")
    sent = 0
    try:
        for path, item in DOC["paths"].items():
            for method, op in item.items():
                if method not in METHODS:
                    continue
                M = method.upper()
                url = concrete(path, op, item)
                rb = resolve(op.get("requestBody", {}))
                examples = []
                for media in (rb.get("content") or {}).values():
                    for exname, ex in (media.get("examples") or {}).items():
                        examples.append((concrete(path, op, item, exname), resolve(ex).get("value")))
                    if "example" in media:
                        examples.append((url, media["example"]))
                # valid requests
                if M == "OPTIONS":
                    r = request(cors.port, M, url, headers={
                        "Origin": "https://page.example",
                        "Access-Control-Request-Method": "POST",
                        "Access-Control-Request-Headers": "content-type"})
                    check("preflight", path, M, r)
                    if r.status == 204 and r.headers.get("access-control-allow-origin") != \
                            "https://page.example":
                        fail(f"preflight {url}: no Access-Control-Allow-Origin")
                    check("OPTIONS without --cors-origin", path, M, request(a.port, M, url))
                elif examples:
                    for eurl, ex in examples:
                        r = request(a.port, M, eurl, json.dumps(ex),
                                 {"Content-Type": "application/json"})
                        check(f"example {json.dumps(ex)[:60]}", path, M, r)
                        if r.status // 100 != 2:
                            fail(f"example for {M} {eurl} answered {r.status}: {r.body[:200]!r}")
                        for e in emptied(ex):
                            r = request(a.port, M, eurl, json.dumps(e))
                            check(f"emptied {json.dumps(e)[:80]}", path, M, r)
                            if r.status // 100 == 2 and not schema_accepts(op, e):
                                fail(f"{M} {eurl} {json.dumps(e)[:100]}: answered {r.status}, "
                                     f"but the request schema rejects it")
                            sent += 1
                        sent += 1
                else:
                    r = request(a.port, M, url, headers={"Origin": "https://page.example"})
                    check("plain", path, M, r)
                    sent += 1
                    r = request(cors.port, M, url, headers={"Origin": "https://page.example"})
                    check("with CORS", path, M, r)
                    if r.headers.get("access-control-allow-origin") != "https://page.example":
                        fail(f"{M} {url} with --cors-origin: no Access-Control-Allow-Origin")
                # the table of invalid bodies
                if M == "POST":
                    for body in INVALID.get(path, []):
                        r = request(a.port, M, url, json.dumps(body))
                        check(f"invalid {json.dumps(body)[:60]}", path, M, r)
                        if r.status // 100 == 2:
                            fail(f"invalid {json.dumps(body)[:60]} answered {r.status}")
                    for body, what in ((b"{", "invalid JSON"), (b"[1]", "not an object"),
                                       (b'{"no_such_field": 1}', "unknown field")):
                        check(what, path, M, request(a.port, M, url, body))
                    check("text/plain", path, M,
                          request(a.port, M, url, b"{}", {"Content-Type": "text/plain"}))
                    sent += len(INVALID.get(path, [])) + 4
                # before routing, on every operation
                hdr = f"{M} {url} HTTP/1.1\r\nHost: x\r\n"
                cases = [
                    ("Content-Encoding", (hdr + "Content-Encoding: gzip\r\nContent-Length: 2"
                                          "\r\n\r\n{}").encode(), a),
                    ("over the limit", (hdr + "Content-Length: 100000000\r\n\r\n").encode(), a),
                    ("over the budget", (hdr + "Content-Length: 300000\r\n\r\n").encode(), tight),
                    ("two lengths", (hdr + "Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}")
                     .encode(), a),
                    ("Content-Length abc", (hdr + "Content-Length: abc\r\n\r\n").encode(), a),
                    ("malformed chunked", (hdr + "Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n"
                                           "0\r\n\r\n").encode(), a),
                    ("chunked over the budget", (hdr + "Transfer-Encoding: chunked\r\n\r\n" +
                                                 "40000\r\n" + " " * 0x40000 + "\r\n" +
                                                 "40000\r\n" + " " * 0x40000 + "\r\n0\r\n\r\n")
                     .encode(), tight),
                    ("head too large", (hdr + "X-Big: " + "a" * 80000 + "\r\n\r\n").encode(), a),
                    ("request line too long", (f"{M} {url}?{'q' * 70000} HTTP/1.1\r\nHost: x"
                                               "\r\n\r\n").encode(), a),
                ]
                for what, data, srv in cases:
                    t0 = time.monotonic()
                    r = raw(srv.port, data, head=M == "HEAD")
                    if os.environ.get("CONFORM_TIMES"):
                        print(f"{time.monotonic() - t0:.3f} {what} {M} {url}")
                    check(what, path, M, r)
                    if what in ("over the limit", "over the budget", "Content-Length abc",
                                "malformed chunked", "head too large") and r.status // 100 == 2:
                        fail(f"{what}: {M} {url} answered {r.status}")
                    sent += 1
                # a method the path does not take
                if M in ("GET", "POST"):
                    other = "DELETE"
                    check("wrong method", path, other, request(a.port, other, url))
                    sent += 1
    finally:
        a.stop()
        tight.stop()
        cors.stop()
    print(f"conformance: {sent} requests over {len(DOC['paths'])} paths; "
          f"{len(failures)} disagreements with {os.path.basename(SPEC)}")
    print(f"{passed} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
