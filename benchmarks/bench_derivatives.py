"""Speed of lmnotes' derivatives against their peers, as ratios measured in one run.

For each case and each object (weight Jacobian, input Jacobian, input Hessian) it times:
the numpy forward pass (the unit), lmnotes, autograd, central finite differences and, when they
are installed (``pip install -e .[bench]``), JAX ``jit(vmap(...))`` with float64 and torch.func.
Every peer's result is checked against lmnotes' before it is timed. Runs are interleaved
(A B C A B C ...) and medians are quoted, because the machine's speed drifts. A peer that would
take too long is timed on a subset of samples (or of finite-difference columns) and scaled up
linearly; the table marks such figures with ``*``.

Run: ``python benchmarks/bench_derivatives.py`` (or ``make bench``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import partial

import autograd.numpy as anp
import numpy as np
from autograd import hessian as ag_hessian
from autograd import jacobian as ag_jacobian

import lmnotes

CASES = [([1, 20, 1], 1000), ([10, 50, 50, 1], 5000), ([8, 64, 64, 4], 2000)]
REPEATS = 5
BUDGET = 0.25  # seconds: a peer whose single call would exceed this is timed on a subset


class Peer:
    """One way of computing an object: ``run()`` times one call; ``scale`` extrapolates a subset."""

    def __init__(self, name: str, run: Callable[[], object], check: Callable[[], bool], scale: float = 1.0):
        self.name, self.run, self.check, self.scale = name, run, check, scale
        self.times: list[float] = []


def timed(f: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    f()
    return time.perf_counter() - t0


def subset_size(total: int, one_call: Callable[[int], object], unit: int = 8) -> int:
    """How many of ``total`` items (samples or columns) fit the time budget, timing ``unit`` first."""
    t = max(timed(lambda: one_call(unit)), 1e-6) / unit
    return int(min(total, max(unit, BUDGET / t)))


def agrees(f: Callable[..., object], args: tuple, ref: np.ndarray, tol: float = 1e-9) -> bool:
    """Whether ``f(*args)`` equals ``ref`` to ``tol`` relative to ``ref``'s largest entry."""
    a = np.asarray(f(*args)).reshape(ref.shape)
    return bool(np.max(np.abs(a - ref)) <= tol * max(1.0, np.max(np.abs(ref))))


def interleave(peers: list[Peer]) -> None:
    for peer in peers:
        peer.run()  # warm-up (and JIT compilation for JAX / torch), not timed
    for _ in range(REPEATS):
        for peer in peers:
            peer.times.append(timed(peer.run) * peer.scale)


# ----- the reference function each autodiff peer differentiates --------------------------------
def tanh_alone(nets: list[np.ndarray]) -> None:
    """The hidden layers' tanh calls of one forward pass, and nothing else."""
    for z in nets:
        np.tanh(z)


def ref_forward_one(xp, w, x, sizes):
    """One sample's output with array module ``xp`` (autograd.numpy, jax.numpy or torch)."""
    a, pos = x, 0
    for l in range(len(sizes) - 1):
        n_in, n_out = sizes[l], sizes[l + 1]
        W = w[pos : pos + n_out * n_in].reshape(n_out, n_in)
        pos += n_out * n_in
        z = W @ a + w[pos : pos + n_out]
        pos += n_out
        a = xp.tanh(z) if l < len(sizes) - 2 else z
    return a


def optional_peers(sizes, w, X):
    """Factories for JAX and torch.func peers, or an empty dict when they are not installed."""
    peers = {}
    try:
        import jax
        import jax.numpy as jnp

        jax.config.update("jax_enable_x64", True)
        f = lambda v, x: ref_forward_one(jnp, v, x, sizes)  # noqa: E731
        wj, Xj = jnp.asarray(w), jnp.asarray(X)
        fns = {
            "jacobian": jax.jit(jax.vmap(jax.jacrev(f), in_axes=(None, 0))),
            "input_jacobian": jax.jit(jax.vmap(jax.jacrev(f, argnums=1), in_axes=(None, 0))),
            "input_hessian": jax.jit(jax.vmap(jax.hessian(f, argnums=1), in_axes=(None, 0))),
        }
        peers["jax"] = {k: (lambda g=g: np.asarray(g(wj, Xj).block_until_ready())) for k, g in fns.items()}
    except ImportError:
        pass
    try:
        import torch
        from torch.func import hessian, jacrev, vmap

        torch.set_num_threads(2)
        f = lambda v, x: ref_forward_one(torch, v, x, sizes)  # noqa: E731
        wt, Xt = torch.tensor(w), torch.tensor(X)
        fns = {
            "jacobian": vmap(jacrev(f), in_dims=(None, 0)),
            "input_jacobian": vmap(jacrev(f, argnums=1), in_dims=(None, 0)),
            "input_hessian": vmap(hessian(f, argnums=1), in_dims=(None, 0)),
        }
        peers["torch.func"] = {k: (lambda g=g: g(wt, Xt).numpy()) for k, g in fns.items()}
    except ImportError:
        pass
    return peers


def bench_case(sizes: list[int], n: int) -> list[tuple[str, str, float, float, float]]:
    net = lmnotes.Network(sizes)
    w = net.init_weights(seed=0)
    X = np.random.default_rng(0).normal(size=(n, sizes[0]))
    K, D, P = sizes[-1], sizes[0], net.n_params
    exact = {
        "jacobian": net.jacobian(w, X).reshape(n, K, P),
        "input_jacobian": net.input_jacobian(w, X),
        "input_hessian": net.input_hessian(w, X),
    }
    lm_fns = {
        "jacobian": lambda: net.jacobian(w, X),
        "input_jacobian": lambda: net.input_jacobian(w, X),
        "input_hessian": lambda: net.input_hessian(w, X),
    }

    # autograd, one sample at a time (the batch function's Jacobian would be N times slower still)
    def ag_per_sample(transform, wrt_w: bool) -> Callable[[int], np.ndarray]:
        def run(m: int) -> np.ndarray:
            out = []
            for x in X[:m]:
                if wrt_w:
                    out.append(transform(lambda v, x=x: ref_forward_one(anp, v, x, sizes))(w))
                else:
                    out.append(transform(lambda z: ref_forward_one(anp, w, z, sizes))(x))
            return np.stack(out)

        return run

    ag = {
        "jacobian": ag_per_sample(ag_jacobian, wrt_w=True),
        "input_jacobian": ag_per_sample(ag_jacobian, wrt_w=False),
        "input_hessian": ag_per_sample(ag_hessian, wrt_w=False),
    }

    # central finite differences: of the forward pass in w (per column), of the forward pass in x
    # (D columns), and of the input Jacobian in x for the Hessian
    def fd_weights(cols: int) -> np.ndarray:
        out = np.empty((n, K, cols))
        eps = 1e-6
        for j in range(cols):
            step = np.zeros(P)
            step[j] = eps
            out[:, :, j] = (net.forward(w + step, X) - net.forward(w - step, X)) / (2 * eps)
        return out

    def fd_inputs(g: Callable[[np.ndarray], np.ndarray], eps: float) -> np.ndarray:
        cols = []
        for d in range(D):
            step = np.zeros(D)
            step[d] = eps
            cols.append((g(X + step) - g(X - step)) / (2 * eps))
        return np.stack(cols, axis=-1)

    fd = {
        "jacobian": fd_weights,
        "input_jacobian": lambda: fd_inputs(lambda Z: net.forward(w, Z), 1e-6),
        "input_hessian": lambda: fd_inputs(lambda Z: net.input_jacobian(w, Z), 1e-5),
    }
    extra = optional_peers(sizes, w, X)
    hidden_inputs = [A @ W.T + b for A, (W, b) in zip(net.activations(w, X)[:-2], net.unpack(w)[:-1])]

    rows = []
    for obj in ("jacobian", "input_jacobian", "input_hessian"):
        ref = exact[obj]
        peers = [
            Peer("forward (unit)", lambda: net.forward(w, X), lambda: True),
            Peer("lmnotes", lm_fns[obj], lambda: True),
        ]
        if obj == "input_jacobian":  # numpy's tanh alone: the floor of any numpy forward pass
            peers.append(Peer("tanh alone", partial(tanh_alone, hidden_inputs), lambda: True))
        g = ag[obj]
        m = subset_size(n, g, unit=4)
        star = "*" if m < n else ""
        peers.append(Peer("autograd" + star, partial(g, m), partial(agrees, g, (m,), ref[:m]), scale=n / m))
        if obj == "jacobian":
            c = subset_size(P, fd_weights, unit=4)
            star = "*" if c < P else ""
            check = partial(agrees, fd_weights, (c,), ref[:, :, :c], 1e-6)
            peers.append(Peer("central FD" + star, partial(fd_weights, c), check, scale=P / c))
        else:
            peers.append(Peer("central FD", fd[obj], partial(agrees, fd[obj], (), ref, 1e-5)))
        for name, fns in extra.items():
            peers.append(Peer(name, fns[obj], partial(agrees, fns[obj], (), ref)))
        for peer in peers:
            if not peer.check():
                raise AssertionError(f"{peer.name} disagrees with lmnotes on {obj} for {sizes}")
        interleave(peers)
        unit = float(np.median(peers[0].times))
        lm_time = float(np.median(peers[1].times))
        for peer in peers:
            t = float(np.median(peer.times))
            rows.append((obj, peer.name, t, t / unit, t / lm_time))
    return rows


def main() -> None:
    print(__doc__.split("\n\n")[0])
    print(f"medians of {REPEATS} interleaved runs; * = timed on a subset and scaled up linearly\n")
    for sizes, n in CASES:
        net = lmnotes.Network(sizes)
        print(f"sizes {sizes}, N = {n}, W = {net.n_params}")
        print(f"  {'object':<15} {'method':<16} {'median ms':>11} {'x forward':>11} {'x lmnotes':>11}")
        for obj, name, t, vs_unit, vs_lm in bench_case(sizes, n):
            print(f"  {obj:<15} {name:<16} {t * 1e3:11.3f} {vs_unit:11.1f} {vs_lm:11.2f}")
        print()


if __name__ == "__main__":
    main()
