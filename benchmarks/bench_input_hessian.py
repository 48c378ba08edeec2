"""Speed of ``lmnotes``' input Hessian against other ways of computing the same thing.

Network sizes [10, 50, 50, 1] (tansig hidden layers, purelin output), N = 5000 samples. Peers:

* autograd's ``hessian`` of one sample's output, looped over samples (timed on a subset of the
  samples and extrapolated linearly to N, which the output says);
* the same sum-over-layers formula written plainly with ``np.einsum`` (per layer, and with all
  layers stacked into one contraction);
* the forward recursion that carries every layer's full D × D Hessians, the formulation to avoid;
* the plain numpy forward pass, the unit of cost.

Every peer's result is checked against lmnotes' before any timing. Runs are interleaved
(A B C ... A B C ...) and the medians are quoted, so that a change in the machine's load hits
every peer alike. Usage: ``python benchmarks/bench_input_hessian.py`` (about a minute).

BLAS keeps its default number of threads, as in ordinary use (and as in
``bench_derivatives.py``). To compare the formulations on one core each (autograd's loop and
``np.einsum`` use one core), or to steady the timings on a machine whose other cores are busy,
run it with ``OPENBLAS_NUM_THREADS=1``.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable

import autograd.numpy as anp
import numpy as np
from autograd import hessian

import lmnotes
from lmnotes.input_hessian import default_block
from lmnotes.jacobian import sensitivities
from lmnotes.network import forward_trace

SIZES = [10, 50, 50, 1]
N_SAMPLES = 5000
N_AUTOGRAD = 200
ROUNDS = 11


def input_jacobians(net: lmnotes.Network, w: np.ndarray, acts: list[np.ndarray]) -> list[np.ndarray]:
    """``Z_l = ∂z_l/∂x`` of every layer, shape (N, n_l, D), by the plain forward recursion."""
    layers = net.layer_views(w)
    n_samples = acts[0].shape[0]
    Z = np.broadcast_to(layers[0][0], (n_samples, *layers[0][0].shape))
    out = [Z]
    for l in range(1, net.n_layers):
        Z = layers[l][0] @ (net.transfers[l - 1].d1(acts[l])[:, :, None] * Z)
        out.append(Z)
    return out


def curvature_weights(net: lmnotes.Network, w: np.ndarray, acts: list[np.ndarray]) -> list[np.ndarray]:
    """``c_l = s_l ⊙ f_l''(z_l)`` of every layer, shape (N, K, n_l)."""
    layers = net.layer_views(w)
    sens = sensitivities(net, w, acts)
    K = net.n_outputs
    out = []
    for l in range(net.n_layers):
        s = sens[l + 1] @ layers[l + 1][0] if l < net.n_layers - 1 else np.eye(K)[None]
        out.append(s * net.transfers[l].d2(acts[l + 1])[:, None, :])
    return out


def einsum_per_layer(net: lmnotes.Network, w: np.ndarray, X: np.ndarray) -> np.ndarray:
    """Sum over layers, one ``einsum`` per layer."""
    acts = forward_trace(net, w, X)
    Zs, cs = input_jacobians(net, w, acts), curvature_weights(net, w, acts)
    return sum(np.einsum("nki,nid,nie->nkde", c, Z, Z, optimize="optimal") for Z, c in zip(Zs, cs))


def einsum_stacked(net: lmnotes.Network, w: np.ndarray, X: np.ndarray) -> np.ndarray:
    """Sum over layers fused into one ``einsum`` over all layers' units stacked together."""
    acts = forward_trace(net, w, X)
    Z = np.concatenate(input_jacobians(net, w, acts), axis=1)
    c = np.concatenate(curvature_weights(net, w, acts), axis=2)
    return np.einsum("nki,nid,nie->nkde", c, Z, Z, optimize="optimal")


def dxd_recursion(net: lmnotes.Network, w: np.ndarray, X: np.ndarray) -> np.ndarray:
    """Forward recursion of full Hessians: ∇²a_l = f''(z_l) ∇z_l ∇z_lᵀ + f'(z_l) W_l ∇²a_{l-1}.

    Layer l's Hessians are held as (N, D*D, n_l), so that ``W_l ∇²a_{l-1}`` is one matrix product.
    """
    acts = forward_trace(net, w, X)
    layers = net.layer_views(w)
    n_samples, D = X.shape
    Zt = np.tile(layers[0][0].T, (n_samples, 1, 1))  # Z_1ᵀ, (N, D, n_1), C-contiguous
    Ha = None  # ∇²a_{l-1} as (N, D*D, n_{l-1}); zero for the input layer
    for l, ((W, _), transfer) in enumerate(zip(layers, net.transfers)):
        n_here = W.shape[0]
        if l > 0:
            Zt = (Zt * net.transfers[l - 1].d1(acts[l])[:, None, :]) @ W.T
        outer = (Zt[:, :, None, :] * Zt[:, None, :, :]).reshape(n_samples, D * D, n_here)
        Ha_new = transfer.d2(acts[l + 1])[:, None, :] * outer
        if Ha is not None:
            pushed = (Ha.reshape(-1, Ha.shape[2]) @ W.T).reshape(n_samples, D * D, n_here)
            Ha_new += transfer.d1(acts[l + 1])[:, None, :] * pushed
        Ha = Ha_new
    return Ha.reshape(n_samples, D, D, net.n_outputs).transpose(0, 3, 1, 2)


def autograd_looped(net: lmnotes.Network, w: np.ndarray, X: np.ndarray) -> np.ndarray:
    """autograd's ``hessian`` of one sample's output, one sample at a time."""
    layers = [(W.copy(), b.copy()) for W, b in net.layer_views(w)]

    def output(x):
        a = x
        for W, b in layers[:-1]:
            a = anp.tanh(anp.dot(W, a) + b)
        return anp.dot(layers[-1][0], a) + layers[-1][1]

    H = hessian(output)
    return np.stack([H(x) for x in X])


def blocked(method: Callable[..., np.ndarray], block: int) -> Callable[..., np.ndarray]:
    """``method`` applied to blocks of ``block`` samples, as lmnotes does, so that every peer's
    intermediates stay in cache alike."""

    def run(net: lmnotes.Network, w: np.ndarray, X: np.ndarray) -> np.ndarray:
        return np.concatenate([method(net, w, X[start : start + block]) for start in range(0, len(X), block)])

    return run


def median_times(peers: dict[str, Callable[[], object]], rounds: int) -> dict[str, float]:
    """Median wall time of each peer over ``rounds`` interleaved rounds (A B C ... A B C ...)."""
    times: dict[str, list[float]] = {name: [] for name in peers}
    for _ in range(rounds):
        for name, run in peers.items():
            start = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - start)
    return {name: float(np.median(t)) for name, t in times.items()}


def main() -> None:
    net = lmnotes.Network(SIZES)
    w = net.init_weights(seed=0)
    X = np.random.default_rng(1).normal(size=(N_SAMPLES, SIZES[0]))
    X_sub = X[:N_AUTOGRAD]

    block = default_block(net)
    numpy_peers = {
        "einsum per layer": blocked(einsum_per_layer, block),
        "einsum stacked": blocked(einsum_stacked, block),
        "D x D recursion": blocked(dxd_recursion, block),
    }
    H = net.input_hessian(w, X)
    scale = np.max(np.abs(H))
    for name, method in numpy_peers.items():
        err = np.max(np.abs(method(net, w, X) - H)) / scale
        assert err < 1e-10, f"{name} disagrees with lmnotes: {err:.1e}"
        print(f"check {name:<18s} max rel. difference {err:.1e}")
    err = np.max(np.abs(autograd_looped(net, w, X_sub) - H[:N_AUTOGRAD])) / scale
    assert err < 1e-10, f"autograd disagrees with lmnotes: {err:.1e}"
    print(f"check {'autograd looped':<18s} max rel. difference {err:.1e} (first {N_AUTOGRAD} samples)")

    peers = {
        "lmnotes.input_hessian": lambda: net.input_hessian(w, X),
        "forward pass": lambda: net.forward(w, X),
        **{name: (lambda method=method: method(net, w, X)) for name, method in numpy_peers.items()},
        "autograd looped": lambda: autograd_looped(net, w, X_sub),
    }
    times = median_times(peers, ROUNDS)
    times["autograd looped"] *= N_SAMPLES / N_AUTOGRAD

    ours = times["lmnotes.input_hessian"]
    print(
        f"\nsizes {SIZES}, N = {N_SAMPLES}, medians of {ROUNDS} interleaved rounds, "
        f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'default')}"
    )
    print(f"autograd timed on the first {N_AUTOGRAD} samples and extrapolated linearly to N = {N_SAMPLES}")
    print(f"the numpy peers run on blocks of {block} samples, as lmnotes does")
    print(f"{'method':<24s}{'time (ms)':>12s}{'÷ forward':>12s}{'÷ lmnotes':>12s}")
    for name, t in times.items():
        print(f"{name:<24s}{1e3 * t:12.2f}{t / times['forward pass']:12.1f}{t / ours:12.2f}")
    print(f"\nlmnotes is {times['autograd looped'] / ours:.0f}x faster than autograd looped (target >= 300x)")
    print(f"lmnotes is {times['D x D recursion'] / ours:.1f}x faster than the D x D recursion")
    fused = min(times["einsum per layer"], times["einsum stacked"])
    print(f"lmnotes is {fused / ours:.2f}x the speed of the faster fused einsum (target >= 1)")


if __name__ == "__main__":
    main()
