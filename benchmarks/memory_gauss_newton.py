"""Peak memory of the Gauss–Newton quantities ``JᵀJ``, ``Jᵀe``, SSE: chunked versus the whole ``J``.

``lmnotes.gauss_newton`` accumulates ``JᵀJ`` over chunks of samples, so its peak memory should
be ``O(W² + chunk·K·W)`` instead of the ``O(N·K·W)`` of forming the whole Jacobian first. This
script measures both for N = 200 000 samples and sizes [10, 50, 50, 1] (W = 3151):

* ``chunked``: ``gauss_newton(net, w, X, T)`` with the default chunk;
* ``whole``: ``gauss_newton(net, w, X, T, chunk=N)``, i.e. the whole ``(N·K) × P`` Jacobian at once,
  then ``JᵀJ``;
* ``lm_epoch``: one whole epoch of ``train_lm`` (``JᵀJ`` at the start, the damped solves and trial
  forward passes, and ``JᵀJ`` again at the accepted point), which must stay under 1 GB.

Each variant runs in its own subprocess (so the two peaks do not mix), with one BLAS thread so
that the two can run side by side on two cores. A subprocess reports the peak of memory traced by
``tracemalloc`` (numpy's array buffers, allocated after the data were made) and the process's
maximum resident set size from ``resource.getrusage`` (everything, the interpreter included).

Usage: ``python benchmarks/memory_gauss_newton.py [--samples N] [--sequential]``. The whole-J
variant needs about 5.3 GB of free memory at the default N. Derived in the chapter "The N×P
Jacobian for Levenberg–Marquardt".
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

SIZES = [10, 50, 50, 1]
MB = 1e6
VARIANTS = ("chunked", "whole", "lm_epoch")
THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def measure(variant: str, n_samples: int) -> dict[str, float]:
    """Run one variant in this process and return its peaks in bytes and its time in seconds."""
    import resource
    import tracemalloc

    import numpy as np

    import lmnotes
    from lmnotes.gauss_newton import default_chunk

    net = lmnotes.Network(SIZES)
    w = net.init_weights(seed=0)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n_samples, net.n_inputs))
    T = rng.normal(size=(n_samples, net.n_outputs))
    chunk = n_samples if variant == "whole" else default_chunk(net)
    tracemalloc.start()
    start = time.perf_counter()
    if variant == "lm_epoch":
        sse = float(lmnotes.train_lm(net, X, T, w0=w, epochs=1).sse[0])  # the SSE at w, as gauss_newton's
    else:
        sse = lmnotes.gauss_newton(net, w, X, T, chunk=chunk).sse
    seconds = time.perf_counter() - start
    traced_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    maxrss_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    return {
        "chunk": chunk,
        "W": net.n_params,
        "K": net.n_outputs,
        "traced_peak": traced_peak,
        "maxrss": maxrss_kib * 1024,
        "seconds": seconds,
        "sse": sse,
    }


def run_variants(n_samples: int, sequential: bool) -> dict[str, dict[str, float]]:
    """Start one subprocess per variant and collect what each measured."""
    env = dict(os.environ, **{name: "1" for name in THREAD_VARIABLES})
    command = [sys.executable, __file__, "--samples", str(n_samples), "--variant"]
    results = {}
    procs = {}
    for variant in VARIANTS:
        procs[variant] = subprocess.Popen([*command, variant], env=env, stdout=subprocess.PIPE, text=True)
        if sequential:
            results[variant] = json.loads(procs[variant].communicate()[0])
    for variant, proc in procs.items():
        if variant not in results:
            results[variant] = json.loads(proc.communicate()[0])
        if proc.returncode != 0:
            raise SystemExit(f"the {variant} variant failed with exit status {proc.returncode}")
    return results


def predicted_bytes(W: int, K: int, rows: int) -> int:
    """Float64 bytes of the accumulator ``JᵀJ``, one product ``JᵀJ`` of a chunk, and one chunk of ``J``."""
    return 8 * (2 * W * W + rows * K * W)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=200_000, help="number of samples N (default 200000)")
    parser.add_argument("--sequential", action="store_true", help="run the two variants one after the other")
    parser.add_argument("--variant", choices=VARIANTS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.variant:
        print(json.dumps(measure(args.variant, args.samples)))
        return

    start = time.perf_counter()
    res = run_variants(args.samples, args.sequential)
    wall = time.perf_counter() - start
    ch, wh, lm = res["chunked"], res["whole"], res["lm_epoch"]
    W, K, N = ch["W"], ch["K"], args.samples
    print(f"gauss_newton and one train_lm epoch, sizes {SIZES} (W = {W}, K = {K}), N = {N}, one BLAS thread each")
    print(f"{'variant':<9} {'chunk':>7} {'predicted MB':>13} {'tracemalloc MB':>15} {'max RSS MB':>11} {'time s':>7}")
    for name, r in (("chunked", ch), ("whole", wh), ("lm_epoch", lm)):
        predicted = predicted_bytes(W, K, r["chunk"])
        print(
            f"{name:<9} {r['chunk']:>7} {predicted / MB:>13.1f} {r['traced_peak'] / MB:>15.1f}"
            f" {r['maxrss'] / MB:>11.1f} {r['seconds']:>7.1f}"
        )
    print(
        f"ratio whole / chunked: tracemalloc {wh['traced_peak'] / ch['traced_peak']:.1f}x, "
        f"max RSS {wh['maxrss'] / ch['maxrss']:.1f}x, "
        f"predicted {predicted_bytes(W, K, N) / predicted_bytes(W, K, ch['chunk']):.1f}x"
    )
    print("prediction: 8 bytes x (2 W^2 [accumulated JtJ and one chunk's product] + chunk K W [one chunk of J]);")
    print("            the rest is the chunk's activations and sensitivities, O(chunk (1 + K) sum(sizes[1:])) floats")
    same = all(abs(r["sse"] - wh["sse"]) <= 1e-9 * abs(wh["sse"]) for r in (ch, lm))
    print(f"one LM epoch: peak RSS {lm['maxrss'] / MB:.0f} MB, under 1 GB: {lm['maxrss'] < 1e9}")
    print(f"same SSE at w in all variants: {same}; wall time {wall:.0f} s")


if __name__ == "__main__":
    main()
