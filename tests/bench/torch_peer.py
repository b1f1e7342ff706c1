#!/usr/bin/env python3
"""PyTorch's float64 CPU kernels, the peer of tests/bench/bench_engine.c.

For every activation PyTorch has (named as in neurond's table: hard_sigmoid is
F.hardsigmoid, swish is F.silu, gelu_tanh is F.gelu(approximate="tanh"), rrelu is its
inference form): elements per second of the forward pass, and of forward plus backward (y, then grad_x = f'(x) grad_y with grad_y = 1),
over 1,000,000 doubles uniform in [-10, 10], best of several runs. One line per
function: "name forward_elems_per_s forward_backward_elems_per_s", after '#' comments:
the format `bench_engine FILE` reads to print both side by side.

PyTorch runs on TORCH_THREADS threads (default 1, as our kernels run on one).
Usage: torch_peer.py [--table]   (--table: a Markdown table instead of the lines)
"""
import os
import sys
import time

try:
    import torch
    import torch.nn.functional as F
except ImportError:
    # Debian's python3-torch lives under /usr/bin/python3, which another python3
    # earlier on PATH (pyenv, a venv) does not see.
    system = "/usr/bin/python3"
    if os.path.exists(system) and os.path.realpath(sys.executable) != os.path.realpath(system):
        os.execv(system, [system] + sys.argv)
    print("# torch_peer: python3-torch is not installed")
    sys.exit(0)

N = 1_000_000
# best of at least MIN_RUNS runs, repeated until BUDGET_S seconds are spent (at most
# MAX_RUNS), as bench_engine does: the best of a longer stretch steps over the moments
# a shared machine gives the core to someone else
MIN_RUNS, MAX_RUNS, BUDGET_S = 5, 200, 0.25
ALPHA = torch.tensor([0.25], dtype=torch.float64)
FUNCS = [
    ("sigmoid", torch.sigmoid),
    ("tanh", torch.tanh),
    ("hard_sigmoid", F.hardsigmoid),
    ("hard_tanh", F.hardtanh),
    ("log_sigmoid", F.logsigmoid),
    ("softsign", F.softsign),
    ("tanhshrink", F.tanhshrink),
    ("relu", F.relu),
    ("relu6", F.relu6),
    ("leaky_relu", F.leaky_relu),
    ("prelu", lambda t: F.prelu(t, ALPHA)),
    ("rrelu", lambda t: F.rrelu(t, training=False)),
    ("threshold", lambda t: F.threshold(t, 0.0, 0.0)),
    ("elu", F.elu),
    ("selu", F.selu),
    ("celu", F.celu),
    ("softplus", F.softplus),
    ("swish", F.silu),
    ("gelu", F.gelu),
    ("gelu_tanh", lambda t: F.gelu(t, approximate="tanh")),
    ("mish", F.mish),
    ("hard_swish", F.hardswish),
    ("hardshrink", F.hardshrink),
    ("softshrink", F.softshrink),
]


def best_of(fn):
    best, spent, runs = float("inf"), 0.0, 0
    while runs < MAX_RUNS and (runs < MIN_RUNS or spent < BUDGET_S):
        t0 = time.perf_counter()
        fn()
        t = time.perf_counter() - t0
        best, spent, runs = min(best, t), spent + t, runs + 1
    return best


def main():
    threads = int(os.environ.get("TORCH_THREADS", "1"))
    torch.set_num_threads(threads)
    gen = torch.Generator().manual_seed(20261122)
    x = torch.rand(N, dtype=torch.float64, generator=gen) * 20 - 10
    ones = torch.ones(N, dtype=torch.float64)
    rows = []
    for name, f in FUNCS:
        f(x)  # warm-up
        fwd = best_of(lambda: f(x))
        xr = x.clone().requires_grad_(True)

        def fwd_bwd():
            xr.grad = None
            f(xr).backward(ones)

        fwd_bwd()
        fb = best_of(fwd_bwd)
        rows.append((name, N / fwd, N / fb))

    table = "--table" in sys.argv[1:]
    head = (f"PyTorch {torch.__version__} float64 CPU, {threads} thread(s), "
            f"{N} elements in [-10, 10], best of {MIN_RUNS}-{MAX_RUNS} runs over {BUDGET_S} s")
    if table:
        print(head + "\n")
        print("| function | forward elem/s | forward+backward elem/s |")
        print("|---|---|---|")
        for name, a, b in rows:
            print(f"| {name} | {a:.3g} | {b:.3g} |")
    else:
        print("# " + head)
        print("# name forward_elems_per_s forward_backward_elems_per_s")
        for name, a, b in rows:
            print(f"{name} {a:.6g} {b:.6g}")


if __name__ == "__main__":
    main()
