"""Speed of lmnotes' derivatives against their peers, as ratios measured in one run.

Five objects on each case (layer sizes and N samples; the small networks students train come
first): the network's output (``forward``), the weight Jacobian, the input Jacobian, the input
Hessian and ``hvp``, the Hessian-vector product ``H v`` of the loss ``E(w) = ½ Σ (T − Y)²`` for
seeded targets ``T`` and direction ``v``. Each is computed by lmnotes and by its peers: autograd
(sample by sample, but on the whole batch's loss for ``hvp``), central finite differences (of the
forward pass, of the input Jacobian, or of ``loss_gradient`` along ``v``) and, when they are
installed (``pip install -e .[bench]``), JAX ``jit(vmap(...))`` with float64 and torch.func. The
numpy forward pass is the unit; for ``forward`` it is lmnotes' own row, and autograd and finite
differences are left out.

Timing. Each peer's first call checks its result against lmnotes' and is its warm-up (JAX
compiles, torch traces). Then single calls, timed for about ``SAMPLE`` (10 ms), fix once per peer
from the fastest the number of back-to-back calls that last about ``SAMPLE``; one sample is the
mean time of those calls, so that a call of 0.03 ms is measured and not the timer's granularity (a
call longer than ``SAMPLE`` is a sample on its own, as on the large cases).
Samples are interleaved, A B C A B C ..., ``REPEATS`` times, because the machine's speed drifts: a
time is the median of a peer's samples and a ratio is the median of the ratios within each round.
A peer whose single call would exceed ``BUDGET`` is timed on a subset of samples (or of
finite-difference columns) and scaled up linearly; the table marks such figures with ``*``. The
summary gives lmnotes / JAX for each case and object against the project's targets, and the share
of numpy's tanh alone in lmnotes' input Jacobian.

Run: ``python benchmarks/bench_derivatives.py`` (or ``make bench``).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from importlib.metadata import PackageNotFoundError, version

import autograd.numpy as anp
import numpy as np
from autograd import hessian as ag_hessian
from autograd import hessian_vector_product as ag_hvp
from autograd import jacobian as ag_jacobian

import lmnotes

CASES = [([1, 20, 1], 1000), ([2, 10, 1], 200), ([10, 50, 50, 1], 5000), ([8, 64, 64, 4], 2000)]
OBJECTS = ("forward", "jacobian", "input_jacobian", "input_hessian", "hvp")
#: The project's targets for lmnotes / JAX, by case and object.
TARGETS = {
    ((1, 20, 1), 1000): dict.fromkeys(OBJECTS, 1.0),
    ((2, 10, 1), 200): dict.fromkeys(OBJECTS, 1.0),
    ((10, 50, 50, 1), 5000): {"input_jacobian": 1.2},
    ((8, 64, 64, 4), 2000): {"input_jacobian": 1.2},
}
REPEATS = 7
SAMPLE = 0.01  # seconds: the length of one sample of back-to-back calls
BUDGET = 0.25  # seconds: a peer whose single call would exceed this is timed on a subset
TORCH_THREADS = 2


def timed(f: Callable[[], object]) -> float:
    """Seconds one call of ``f`` takes."""
    t0 = time.perf_counter()
    f()
    return time.perf_counter() - t0


class Peer:
    """One way of computing an object: ``call()`` computes it once; ``scale`` extrapolates a subset."""

    def __init__(self, name: str, call: Callable[[], object], check: Callable[[], bool], scale: float = 1.0):
        self.name, self.call, self.check, self.scale = name, call, check, scale
        self.calls = 1  # back-to-back calls per sample, set by calibrate
        self.times: list[float] = []  # seconds per call, one entry a sample

    def calibrate(self) -> None:
        """Time single calls for ``SAMPLE`` (at least one call) and fix ``calls`` from the fastest,
        which a burst of load on the machine does not slow down."""
        fastest, total = float("inf"), 0.0
        while total < SAMPLE:
            t = timed(self.call)
            fastest, total = min(fastest, t), total + t
        self.calls = max(1, int(SAMPLE / fastest))

    def sample(self) -> None:
        """Time ``calls`` back-to-back calls and record their mean, scaled up for a subset."""
        start = time.perf_counter()
        for _ in range(self.calls):
            self.call()
        self.times.append((time.perf_counter() - start) / self.calls * self.scale)

    def median(self) -> float:
        """Median seconds per call over the samples."""
        return float(np.median(self.times))


def ratio(a: Peer, b: Peer) -> float:
    """Median over the rounds of ``a``'s time / ``b``'s time in the same round."""
    return float(np.median(np.divide(a.times, b.times)))


def lmnotes_peer(obj: str, peers: list[Peer]) -> Peer:
    """lmnotes' peer among ``obj``'s (for ``forward`` it is the unit)."""
    return peers[0] if obj == "forward" else peers[1]


def find(peers: list[Peer], name: str) -> Peer | None:
    """The peer called ``name``, or None (JAX when it is not installed)."""
    return next((p for p in peers if p.name == name), None)


def interleave(peers: list[Peer], what: str) -> None:
    """Check and calibrate every peer, then take ``REPEATS`` rounds of one sample per peer.

    The check's call is also the warm-up: JAX compiles then and torch traces.
    """
    for peer in peers:
        if not peer.check():
            raise AssertionError(f"{peer.name} disagrees with lmnotes on {what}")
        peer.calibrate()
    for _ in range(REPEATS):
        for peer in peers:
            peer.sample()


def subset_size(total: int, one_call: Callable[[int], object], unit: int = 8) -> int:
    """How many of ``total`` items (samples or columns) fit the time budget, timing ``unit`` first."""
    t = max(timed(lambda: one_call(unit)), 1e-6) / unit
    return int(min(total, max(unit, BUDGET / t)))


def agrees(f: Callable[..., object], args: tuple, ref: np.ndarray, tol: float = 1e-9) -> bool:
    """Whether ``f(*args)`` equals ``ref`` to ``tol`` relative to ``ref``'s largest entry."""
    a = np.asarray(f(*args)).reshape(ref.shape)
    return bool(np.max(np.abs(a - ref)) <= tol * max(1.0, np.max(np.abs(ref))))


# ----- the problem and the reference function each autodiff peer differentiates -----------------
@dataclass
class Case:
    """A network, its weights, inputs ``X`` (N, D), targets ``T`` (N, K) and a direction ``v`` (P,)."""

    sizes: list[int]
    net: lmnotes.Network
    w: np.ndarray
    X: np.ndarray
    T: np.ndarray
    v: np.ndarray

    @classmethod
    def seeded(cls, sizes: list[int], n: int) -> Case:
        net = lmnotes.Network(sizes)
        rng = np.random.default_rng(0)
        X = rng.normal(size=(n, sizes[0]))
        T = rng.normal(size=(n, sizes[-1]))
        return cls(sizes, net, net.init_weights(seed=0), X, T, rng.normal(size=net.n_params))

    @property
    def n(self) -> int:
        return self.X.shape[0]


def tanh_alone(nets: list[np.ndarray]) -> None:
    """The hidden layers' tanh calls of one forward pass, and nothing else."""
    for z in nets:
        np.tanh(z)


def ref_forward_one(xp, w, x, sizes):
    """One sample's output (D,) -> (K,) with array module ``xp`` (autograd.numpy, jax.numpy or torch).

    Written on rows, it also maps a batch (N, D) to (N, K).
    """
    a, pos = x, 0
    for l in range(len(sizes) - 1):
        n_in, n_out = sizes[l], sizes[l + 1]
        W = w[pos : pos + n_out * n_in].reshape(n_out, n_in)
        pos += n_out * n_in
        z = a @ W.T + w[pos : pos + n_out]
        pos += n_out
        a = xp.tanh(z) if l < len(sizes) - 2 else z
    return a


# ----- the peers: lmnotes, autograd, finite differences, JAX, torch.func ---------------------------
def lmnotes_calls(c: Case) -> dict[str, Callable[[], np.ndarray]]:
    return {
        "forward": partial(c.net.forward, c.w, c.X),
        "jacobian": partial(c.net.jacobian, c.w, c.X),
        "input_jacobian": partial(c.net.input_jacobian, c.w, c.X),
        "input_hessian": partial(c.net.input_hessian, c.w, c.X),
        "hvp": partial(c.net.hvp, c.w, c.X, c.T, c.v),
    }


def autograd_peer(c: Case, obj: str, exact: np.ndarray) -> Peer:
    """autograd on the first ``m`` samples, ``m`` within the budget: one sample at a time for the
    Jacobians and the input Hessian (the batch function's Jacobian would be N times slower still),
    the whole batch's loss for ``hvp``."""

    def per_sample(m: int) -> np.ndarray:
        out = []
        for x in c.X[:m]:
            if obj == "jacobian":
                out.append(ag_jacobian(lambda u, x=x: ref_forward_one(anp, u, x, c.sizes))(c.w))
            else:
                transform = ag_jacobian if obj == "input_jacobian" else ag_hessian
                out.append(transform(lambda z: ref_forward_one(anp, c.w, z, c.sizes))(x))
        return np.stack(out)

    def hvp(m: int) -> np.ndarray:
        def loss(u):
            return 0.5 * anp.sum((c.T[:m] - ref_forward_one(anp, u, c.X[:m], c.sizes)) ** 2)

        return ag_hvp(loss)(c.w, c.v)

    run = hvp if obj == "hvp" else per_sample
    # a batch's loss costs a fixed overhead plus a part proportional to its samples: time enough
    # samples for the overhead to be negligible, so that scaling up linearly is fair
    m = subset_size(c.n, run, unit=min(c.n, 256) if obj == "hvp" else 4)
    ref = c.net.hvp(c.w, c.X[:m], c.T[:m], c.v) if obj == "hvp" else exact[:m]
    star = "*" if m < c.n else ""
    return Peer("autograd" + star, partial(run, m), partial(agrees, run, (m,), ref), scale=c.n / m)


def fd_peer(c: Case, obj: str, exact: np.ndarray) -> Peer:
    """Central finite differences: of the forward pass along weight columns (a subset within the
    budget) or along the D inputs, of the input Jacobian along the inputs, of the loss gradient along ``v``."""
    net, w, X = c.net, c.w, c.X
    if obj == "jacobian":

        def columns(cols: int, eps: float = 1e-6) -> np.ndarray:
            out = np.empty((c.n, net.n_outputs, cols))
            for j in range(cols):
                step = np.zeros(net.n_params)
                step[j] = eps
                out[:, :, j] = (net.forward(w + step, X) - net.forward(w - step, X)) / (2 * eps)
            return out

        k = subset_size(net.n_params, columns, unit=4)
        star = "*" if k < net.n_params else ""
        check = partial(agrees, columns, (k,), exact[:, :, :k], 1e-6)
        return Peer("central FD" + star, partial(columns, k), check, scale=net.n_params / k)

    def inputs(g: Callable[[np.ndarray], np.ndarray], eps: float) -> np.ndarray:
        cols = []
        for d in range(net.n_inputs):
            step = np.zeros(net.n_inputs)
            step[d] = eps
            cols.append((g(X + step) - g(X - step)) / (2 * eps))
        return np.stack(cols, axis=-1)

    def gradient_along_v(eps: float = 1e-6) -> np.ndarray:
        ahead, behind = (lmnotes.loss_gradient(net, w + s * eps * c.v, X, c.T) for s in (1, -1))
        return (ahead - behind) / (2 * eps)

    run = {
        "input_jacobian": partial(inputs, partial(net.forward, w), 1e-6),
        "input_hessian": partial(inputs, partial(net.input_jacobian, w), 1e-5),
        "hvp": gradient_along_v,
    }[obj]
    return Peer("central FD", run, partial(agrees, run, (), exact, 1e-5))


def jax_calls(c: Case) -> dict[str, Callable[[], np.ndarray]] | None:
    """JAX ``jit(vmap(...))`` of the reference function in float64, or None when JAX is not installed."""
    try:
        import jax
        import jax.numpy as jnp
    except ImportError:
        return None
    jax.config.update("jax_enable_x64", True)
    f = partial(ref_forward_one, jnp, sizes=c.sizes)
    batch = jax.vmap(f, in_axes=(None, 0))

    def loss(u, X, T):
        return 0.5 * jnp.sum((T - batch(u, X)) ** 2)

    def hvp(u, d, X, T):
        return jax.jvp(lambda p: jax.grad(loss)(p, X, T), (u,), (d,))[1]

    w, X, T, v = (jnp.asarray(a) for a in (c.w, c.X, c.T, c.v))
    jitted = {
        "forward": (batch, (w, X)),
        "jacobian": (jax.vmap(jax.jacrev(f), in_axes=(None, 0)), (w, X)),
        "input_jacobian": (jax.vmap(jax.jacrev(f, argnums=1), in_axes=(None, 0)), (w, X)),
        "input_hessian": (jax.vmap(jax.hessian(f, argnums=1), in_axes=(None, 0)), (w, X)),
        "hvp": (hvp, (w, v, X, T)),
    }

    def call(g: Callable, args: tuple) -> np.ndarray:
        return np.asarray(g(*args).block_until_ready())

    return {obj: partial(call, jax.jit(g), args) for obj, (g, args) in jitted.items()}


def torch_calls(c: Case) -> dict[str, Callable[[], np.ndarray]] | None:
    """torch.func transforms of the reference function in float64, or None when torch is not installed."""
    try:
        import torch
        from torch.func import grad, hessian, jacrev, jvp, vmap
    except ImportError:
        return None
    torch.set_num_threads(TORCH_THREADS)
    f = partial(ref_forward_one, torch, sizes=c.sizes)
    batch = vmap(f, in_dims=(None, 0))
    w, X, T, v = (torch.tensor(a) for a in (c.w, c.X, c.T, c.v))

    def loss(u):
        return 0.5 * torch.sum((T - batch(u, X)) ** 2)

    calls = {
        "forward": partial(batch, w, X),
        "jacobian": partial(vmap(jacrev(f), in_dims=(None, 0)), w, X),
        "input_jacobian": partial(vmap(jacrev(f, argnums=1), in_dims=(None, 0)), w, X),
        "input_hessian": partial(vmap(hessian(f, argnums=1), in_dims=(None, 0)), w, X),
        "hvp": lambda: jvp(grad(loss), (w,), (v,))[1],
    }

    def call(g: Callable[[], torch.Tensor]) -> np.ndarray:
        return g().numpy()

    return {obj: partial(call, g) for obj, g in calls.items()}


# ----- one case -------------------------------------------------------------------------------------
def peers_for(c: Case, obj: str, exact: np.ndarray, extra: dict[str, dict]) -> list[Peer]:
    """The unit, lmnotes (the unit itself for ``forward``) and every peer of ``obj``, each with its check."""
    lm = lmnotes_calls(c)
    peers = [Peer("forward (unit)" if obj != "forward" else "lmnotes (unit)", lm["forward"], lambda: True)]
    if obj != "forward":
        peers.append(Peer("lmnotes", lm[obj], lambda: True))
        peers += [autograd_peer(c, obj, exact), fd_peer(c, obj, exact)]
    if obj == "input_jacobian":  # numpy's tanh alone: the floor of any numpy forward pass
        layers = c.net.unpack(c.w)[:-1]
        hidden_inputs = [A @ W.T + b for A, (W, b) in zip(c.net.activations(c.w, c.X)[:-2], layers)]
        peers.insert(2, Peer("tanh alone", partial(tanh_alone, hidden_inputs), lambda: True))
    for name, calls in extra.items():
        peers.append(Peer(name, calls[obj], partial(agrees, calls[obj], (), exact)))
    return peers


def bench_case(sizes: list[int], n: int) -> dict[str, list[Peer]]:
    """Every object's peers, timed; lmnotes is the second peer (the first for ``forward``)."""
    c = Case.seeded(sizes, n)
    lm = lmnotes_calls(c)
    exact = {obj: lm[obj]() for obj in OBJECTS}
    exact["jacobian"] = exact["jacobian"].reshape(n, c.net.n_outputs, c.net.n_params)
    extra = {name: calls for name, calls in (("jax", jax_calls(c)), ("torch.func", torch_calls(c))) if calls}
    timed_peers = {}
    for obj in OBJECTS:
        peers = peers_for(c, obj, exact[obj], extra)
        interleave(peers, f"{obj} for {sizes}, N = {n}")
        timed_peers[obj] = peers
    return timed_peers


def print_case(peers_by_obj: dict[str, list[Peer]]) -> None:
    print(f"  {'object':<15} {'method':<16} {'calls':>6} {'median ms':>11} {'x forward':>10} {'x lmnotes':>10}")
    for obj, peers in peers_by_obj.items():
        unit, lm = peers[0], lmnotes_peer(obj, peers)
        for peer in peers:
            ms, vs_unit, vs_lm = peer.median() * 1e3, ratio(peer, unit), ratio(peer, lm)
            print(f"  {obj:<15} {peer.name:<16} {peer.calls:>6} {ms:11.3f} {vs_unit:10.2f} {vs_lm:10.2f}")


# ----- the summary against the targets --------------------------------------------------------------
def print_summary(results: list[tuple[list[int], int, dict[str, list[Peer]]]]) -> None:
    """lmnotes / JAX per case and object, with the target where there is one; tanh's share."""
    print("summary: lmnotes / JAX (median of per-round ratios), target after <=, '!' = target missed;")
    print("tanh = numpy's tanh alone / lmnotes' input_jacobian")
    print(f"  {'case':<18} {'N':>5} " + " ".join(f"{obj:>16}" for obj in OBJECTS) + f" {'tanh':>6}")
    for sizes, n, peers_by_obj in results:
        cells = []
        for obj, peers in peers_by_obj.items():
            jax_peer, target = find(peers, "jax"), TARGETS.get((tuple(sizes), n), {}).get(obj)
            if jax_peer is None:
                cells.append(f"{'no jax':>16}")
                continue
            r = ratio(lmnotes_peer(obj, peers), jax_peer)
            goal = "" if target is None else f" <= {target:.1f}" + (" !" if r > target else "  ")
            cells.append(f"{r:>6.2f}{goal:>10}")
        ij = peers_by_obj["input_jacobian"]
        share = ratio(find(ij, "tanh alone"), lmnotes_peer("input_jacobian", ij))
        print(f"  {str(sizes):<18} {n:>5} " + " ".join(cells) + f" {share:>6.0%}")


def print_setup() -> None:
    """Versions, thread settings and the timing parameters."""

    def installed(package: str) -> str:
        try:
            return f"{package} {version(package)}"
        except PackageNotFoundError:
            return f"{package} not installed"

    print(", ".join(installed(p) for p in ("numpy", "autograd", "jax", "torch")))
    env = ", ".join(f"{k}={os.environ.get(k, 'unset')}" for k in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"))
    load = os.getloadavg()[0]
    print(f"{env}; torch threads set to {TORCH_THREADS}; {os.cpu_count()} CPUs, load average {load:.1f} (1 min)")
    print(
        f"times are medians of {REPEATS} interleaved samples, each the mean of 'calls' back-to-back calls "
        f"(about {SAMPLE * 1e3:.0f} ms); ratios are medians of per-round ratios; "
        "* = timed on a subset and scaled up linearly\n"
    )


def main() -> None:
    print(__doc__.split("\n\n")[0])
    print_setup()
    results = []
    for sizes, n in CASES:
        print(f"sizes {sizes}, N = {n}, W = {lmnotes.Network(sizes).n_params}")
        peers_by_obj = bench_case(sizes, n)
        print_case(peers_by_obj)
        print()
        results.append((sizes, n, peers_by_obj))
    print_summary(results)


if __name__ == "__main__":
    main()
