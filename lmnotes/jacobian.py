"""First derivatives of the network: the weight Jacobian (Marquardt sensitivities), the
input Jacobian, and a finite-difference Jacobian to compare them with.

Derived in chapter 3, on the Jacobian for Levenberg–Marquardt, and in "The input Jacobian".
Every function works on the whole batch at once: no Python loop over samples.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from .forward import forward_trace
from .validation import as_float_array, check_finite

if TYPE_CHECKING:
    from .network import Network


def times_slope(x: np.ndarray, slope: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """``x ⊙ slope`` (broadcast), with an exact zero wherever ``slope`` is zero.

    A saturated unit (``|z|`` beyond about 19 for tansig, 37 for logsig) has ``f'(z)`` and
    ``f''(z)`` rounded to exactly 0, while the sensitivity it multiplies may have overflowed to
    ``±inf`` (with weights beyond about 1e154, products of two weights do). The exact product is
    0, since the derivative decays like ``exp(-|z|)``, faster than any product of weights grows;
    IEEE arithmetic gives ``inf · 0 = NaN``. Call it under ``np.errstate(invalid="ignore")``.

    Parameters
    ----------
    x : ndarray
    slope : ndarray, broadcastable with ``x``
        A derivative of a transfer function, or another factor whose zeros are exact (an
        activation, a curvature weight).
    out : ndarray, optional
        Where to write the product (may be ``x`` itself).

    Returns
    -------
    ndarray
        The product, of the broadcast shape.
    """
    prod = np.multiply(x, slope, out=out)
    if np.isnan(np.max(prod)):  # only after an overflow: the fast path pays one reduction
        np.copyto(prod, 0.0, where=slope == 0.0)
    return prod


def overflow_error(what: str) -> ValueError:
    """The error raised when ``what`` overflows float64 at the given weights and data."""
    return ValueError(
        f"{what} at these weights w and data is beyond the range of float64 (|entries| above 1.8e308 "
        "or an overflow in between): scale the inputs X and targets T, or start from smaller weights w"
    )


def check_representable(value: np.ndarray, what: str) -> np.ndarray:
    """Return ``value`` if it is finite; otherwise raise :func:`overflow_error`."""
    if not np.all(np.isfinite(value)):
        raise overflow_error(what)
    return value


def output_rows(net: Network, W_out: np.ndarray, A_out: np.ndarray) -> np.ndarray:
    """``S_L W_L = diag(f_L'(z_L)) W_L`` for every sample, without multiplying by a diagonal.

    Row ``k`` of ``W_L`` scaled by ``f_L'(z_L)[k]``: ``N K n_{L-1}`` multiplications where the
    matrix product with the ``K × K`` diagonal ``S_L`` would take ``2 N K² n_{L-1}`` flops (and,
    for a linear output layer, multiply by an identity).

    Parameters
    ----------
    net : Network
    W_out : ndarray, shape (K, n_{L-1})
        The output layer's weights ``W_L``.
    A_out : ndarray, shape (N, K)
        The outputs ``A_L``, from which ``f_L'`` is computed.

    Returns
    -------
    ndarray, shape (N, K, n_{L-1})
        A read-only broadcast of ``W_L`` when the output layer is linear, else a new array.
    """
    transfer = net.transfers[-1]
    if transfer.linear:
        return np.broadcast_to(W_out, (A_out.shape[0], *W_out.shape))
    return times_slope(W_out, transfer.d1(A_out)[:, :, None])


def sensitivities(net: Network, w: np.ndarray, acts: list[np.ndarray]) -> list[np.ndarray]:
    """Marquardt sensitivities of every output to every layer's net input.

    ``S_l[n, k, i] = ∂Y[n, k] / ∂z_l[n, i]`` where ``z_l = W_l a_{l-1} + b_l``. The recursion
    runs backwards from the output layer:

    ``S_L = diag(f_L'(z_L))``,  ``S_l = (S_{l+1} W_{l+1}) diag(f_l'(z_l))``.

    The first step scales the rows of ``W_L`` (:func:`output_rows`) instead of multiplying by
    the diagonal ``S_L``; every later step is one matrix product.

    Parameters
    ----------
    net : Network
    w : ndarray, shape (n_params,)
    acts : list of ndarray
        The forward trace ``[X, A_1, ..., A_L]`` from :func:`lmnotes.forward.forward_trace`.

    Returns
    -------
    list of ndarray
        ``[S_1, ..., S_L]``, ``S_l`` of shape ``(N, K, n_l)``.
    """
    layers = net.layer_views(w)
    n_samples, n_out = acts[-1].shape
    out_transfer = net.transfers[-1]
    eye = np.eye(n_out)
    if out_transfer.linear:
        S = np.broadcast_to(eye, (n_samples, n_out, n_out))
    else:
        S = eye * out_transfer.d1(acts[-1])[:, None, :]
    result = [S]
    with np.errstate(over="ignore", invalid="ignore"):
        for l in range(net.n_layers - 1, 0, -1):
            W_next = layers[l][0]
            slope = net.transfers[l - 1].d1(acts[l])[:, None, :]
            if l == net.n_layers - 1 and out_transfer.linear:
                S = times_slope(W_next, slope)  # S_L W_L = W_L, scaled by f_l' for every sample at once
            else:
                if l == net.n_layers - 1:
                    S = output_rows(net, W_next, acts[-1])  # S_L W_L, a new array
                else:
                    # One (N*K, n_{l+1}) @ (n_{l+1}, n_l) product: a single BLAS call, much faster
                    # than a stack of N small (K, n_{l+1}) products.
                    S = (S.reshape(n_samples * n_out, -1) @ W_next).reshape(n_samples, n_out, -1)
                S = times_slope(S, slope, out=S)
            result.append(S)
    return result[::-1]


def weight_jacobian(net: Network, w: np.ndarray, X: np.ndarray) -> np.ndarray:
    """Jacobian of every output with respect to every weight and bias, by backpropagation.

    For layer ``l``, ``∂Y[n, k]/∂W_l[i, j] = S_l[n, k, i] A_{l-1}[n, j]`` and
    ``∂Y[n, k]/∂b_l[i] = S_l[n, k, i]``, with the sensitivities ``S_l`` of
    :func:`sensitivities`. Each block is one broadcast outer product over the batch (one per input
    column when the layer has at most four inputs, which is faster there). The overflow test is
    skipped when :func:`cannot_overflow` proves it needless.

    Parameters
    ----------
    net : Network
    w : ndarray, shape (n_params,), checked
    X : ndarray, shape (N, D), checked

    Returns
    -------
    J : ndarray, shape (N*K, n_params)
        Row ``n*K + k`` is ``∂Y[n, k]/∂w``; columns in the order of :meth:`lmnotes.Network.pack`.

    Raises
    ------
    ValueError
        If the result overflows float64 (see :func:`check_representable`).
    """
    with np.errstate(over="ignore", invalid="ignore"):  # an overflow is reported below
        acts = forward_trace(net, w, X)
        sens = sensitivities(net, w, acts)
        J = _assemble(net, sens, acts)
        if cannot_overflow(net, w, X):
            return J
        # Each block of J is S_l ⊗ A_{l-1}: finite if max|S_l| · max|A_{l-1}| is, which costs no pass over J.
        bounded = all(np.isfinite(np.max(np.abs(S)) * np.max(np.abs(A))) for S, A in zip(sens, acts[:-1]))
    return J if bounded else check_representable(J, "The Jacobian")


_LOG_1E300 = math.log(1e300)  # below it, a bound leaves room for the few further sums and products


def cannot_overflow(net: Network, w: np.ndarray, X: np.ndarray) -> bool:
    """Whether no activation, sensitivity or Jacobian entry can exceed float64, from a cheap bound.

    With ``m = max(1, max|w|)``, ``x = max(1, max|X|)`` and slopes ``|f'| <= 1`` (tansig, logsig
    and purelin), every net input obeys ``|z_l| <= (n_{l-1} + 1) m max|a_{l-1}|``, every
    sensitivity ``|S_l| <= Π_{i>l} n_i m``, so every ``|S_l| |A_{l-1}|`` and every activation is
    below ``B = x Π_l (n_{l-1} + 1) n_l m``. If ``B < 1e300`` (compared in logarithms) nothing
    overflows, and the result needs no check: two reductions over ``w`` and ``X`` instead of four
    over every ``S_l`` and ``A_l``.

    Parameters
    ----------
    net : Network
    w : ndarray, shape (n_params,), checked
    X : ndarray, shape (N, D), checked

    Returns
    -------
    bool
        True if nothing can overflow; False means only that the bound cannot tell.
    """
    m = max(1.0, float(np.abs(w).max()))  # floats: comparing numpy scalars costs more than the reductions
    x = max(1.0, float(np.abs(X).max()))
    log_bound = math.log(x) + sum(math.log((a + 1) * b * m) for a, b in zip(net.sizes[:-1], net.sizes[1:]))
    return log_bound < _LOG_1E300


def jacobian_and_outputs(net: Network, w: np.ndarray, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The weight Jacobian together with the outputs of the same forward pass.

    Parameters
    ----------
    net : Network
    w : ndarray, shape (n_params,), checked
    X : ndarray, shape (N, D), checked

    Returns
    -------
    J : ndarray, shape (N*K, n_params)
        As in :func:`weight_jacobian`.
    Y : ndarray, shape (N, K)
        The network outputs.
    """
    acts = forward_trace(net, w, X)
    return jacobian_from_trace(net, w, acts), acts[-1]


def jacobian_from_trace(net: Network, w: np.ndarray, acts: list[np.ndarray]) -> np.ndarray:
    """The weight Jacobian from a forward trace that the caller already holds.

    Parameters
    ----------
    net : Network
    w : ndarray, shape (n_params,), checked
    acts : list of ndarray
        The forward trace ``[X, A_1, ..., A_L]`` of :func:`lmnotes.forward.forward_trace` at ``w``.

    Returns
    -------
    J : ndarray, shape (N*K, n_params)
        As in :func:`weight_jacobian`.
    """
    return _assemble(net, sensitivities(net, w, acts), acts)


def _assemble(net: Network, sens: list[np.ndarray], acts: list[np.ndarray]) -> np.ndarray:
    """The Jacobian (N*K, n_params) from the sensitivities and the forward trace."""
    n_samples, n_out = acts[-1].shape
    J = np.empty((n_samples, n_out, net.n_params))
    for (start, mid, stop), S, A_prev in zip(net._offsets, sens, acts[:-1]):
        n_here, n_prev = S.shape[2], A_prev.shape[1]
        block = J[:, :, start:mid].reshape(n_samples, n_out, n_here, n_prev)
        if n_prev <= 4:  # one product per input column: 12 µs, not 32, for (200, 1, 10, 2)
            for j in range(n_prev):
                np.multiply(S, A_prev[:, None, None, j], out=block[:, :, :, j])
        else:
            np.multiply(S[:, :, :, None], A_prev[:, None, None, :], out=block)
        J[:, :, mid:stop] = S
    return J.reshape(n_samples * n_out, net.n_params)


def input_jacobian(net: Network, w: np.ndarray, X: np.ndarray) -> np.ndarray:
    """Jacobian of the outputs with respect to the inputs, for every sample.

    It is the chain product ``W_L diag(f'(z_{L-1})) W_{L-1} ... diag(f'(z_1)) W_1`` (with
    ``diag(f_L'(z_L))`` in front when the output layer is not linear), evaluated from the left
    (reverse accumulation): the sensitivities ``S_l`` of :func:`sensitivities`, carried down to
    ``S_1 W_1`` without keeping the intermediate ones. The sweep starts at ``f_L' ⊙ W_L`` (the
    rows of ``W_L`` scaled), not at a product with ``diag(f_L')`` or an identity, and with a
    linear output its first product is taken with ``W_L`` and ``W_{L-1}`` joined
    (``_sweep_top``): besides the forward pass, its matrix products cost
    ``2 N K Σ_{l=1}^{L-1} n_l n_{l-1}`` flops.

    Parameters
    ----------
    net : Network
    w : ndarray, shape (n_params,), checked
    X : ndarray, shape (N, D), checked

    Returns
    -------
    Jx : ndarray, shape (N, K, D)

    Raises
    ------
    ValueError
        If the result overflows float64 (see :func:`check_representable`).
    """
    layers = net.layer_views(w)
    with np.errstate(over="ignore", invalid="ignore"):  # an overflow is reported below
        acts = forward_trace(net, w, X)
        n_samples, n_out = acts[-1].shape
        G, top = _sweep_top(net, layers, acts)
        # Each lower layer: S_l = G diag(f_l'), in place (the trace is ours alone, so f_l'(z_l)
        # overwrites A_l), then one (N*K, n_l) @ (n_l, n_{l-1}) BLAS product for G = S_l W_l.
        for l in range(top, 0, -1):
            S = times_slope(G, net.transfers[l - 1].d1_(acts[l])[:, None, :], out=G if G.flags.writeable else None)
            G = (S.reshape(n_samples * n_out, -1) @ layers[l - 1][0]).reshape(n_samples, n_out, -1)
    if not G.flags.writeable:  # one layer, linear output: J_x = W_L for every sample
        G = G.copy()
    return check_representable(G, "The input Jacobian")


def _sweep_top(net: Network, layers: list[tuple[np.ndarray, np.ndarray]], acts: list[np.ndarray]) -> tuple:
    """The start of the input Jacobian's backward sweep: ``G = S_l W_l``, shape (N, K, n_{l-1}), and ``l``.

    With a linear output and a hidden layer below it, the first two factors are joined:
    ``G[n, k, j] = Σ_i W_L[k, i] f'_{L-1}(z)[n, i] W_{L-1}[i, j]`` is one product of the slopes
    ``(N, n_{L-1})`` with the fixed ``M[i, (k, j)] = W_L[k, i] W_{L-1}[i, j]`` (formed once per
    call), so ``S_{L-1} = f' ⊙ W_L`` of shape (N, K, n_{L-1}) is never formed: the same
    matrix-product flops, and a fifth less time (one BLAS thread: 139 → 104 µs on [1, 20, 1] with
    N = 1000, 6.4 → 5.0 ms on [8, 64, 64, 4] with N = 2000). Otherwise, or if ``M`` overflows
    (``inf · 0`` would spoil a saturated unit's exact zero), the sweep starts at ``f_L' ⊙ W_L``
    (:func:`output_rows`).
    """
    L, n_samples = net.n_layers, acts[0].shape[0]
    if net.transfers[-1].linear and L >= 2:
        W_out, W_below = layers[-1][0], layers[-2][0]
        M = (W_out.T[:, :, None] * W_below[:, None, :]).reshape(W_out.shape[1], -1)
        if np.all(np.isfinite(M)):
            slope = net.transfers[-2].d1_(acts[-2])
            return (slope @ M).reshape(n_samples, W_out.shape[0], W_below.shape[1]), L - 2
    return output_rows(net, layers[-1][0], acts[-1]), L - 1


def fd_jacobian(
    f: Callable[[np.ndarray], np.ndarray],
    w: object,
    eps: float = 1e-6,
    method: str = "central",
) -> np.ndarray:
    """Finite-difference Jacobian of a vector function, one column per coordinate.

    Parameters
    ----------
    f : callable
        Maps a vector of shape ``(P,)`` to an array of any shape with ``M`` entries; its output
        is flattened row-major.
    w : array_like, shape (P,)
        Point at which to differentiate.
    eps : float, default 1e-6
        Step. Central differences have error ``O(eps**2)`` from truncation plus
        ``O(machine eps / eps)`` from round-off; forward differences ``O(eps)`` plus the same.
    method : {"central", "forward"}
        ``(f(w + eps e_j) - f(w - eps e_j)) / (2 eps)`` (``2P`` calls of ``f``) or
        ``(f(w + eps e_j) - f(w)) / eps`` (``P + 1`` calls).

    Returns
    -------
    ndarray, shape (M, P)
    """
    w = as_float_array(w, "w")
    if w.ndim != 1 or w.size == 0:
        raise ValueError(f"w must be a 1-D vector (P,) with P >= 1; got shape {w.shape}")
    check_finite(w, "w")
    if isinstance(eps, bool) or not isinstance(eps, (int, float, np.integer, np.floating)):
        raise ValueError(f"eps must be a positive finite step (a real number); got {eps!r}")
    if not (np.isfinite(eps) and eps > 0):
        raise ValueError(f"eps must be a positive finite step; got {eps!r}")
    if not isinstance(method, str) or method not in ("central", "forward"):
        raise ValueError(f"method must be 'central' or 'forward'; got {method!r}")

    def call(x: np.ndarray) -> np.ndarray:
        value = as_float_array(f(x), "f(w)").ravel()
        check_finite(value, "f(w)")
        return value

    base = call(w) if method == "forward" else None
    columns = []
    for j in range(w.size):
        step = np.zeros_like(w)
        step[j] = eps
        if method == "central":
            columns.append((call(w + step) - call(w - step)) / (2.0 * eps))
        else:
            columns.append((call(w + step) - base) / eps)
    return np.stack(columns, axis=1)


def input_jvp(net: Network, w: np.ndarray, X: np.ndarray, V: np.ndarray) -> np.ndarray:
    """Input-Jacobian-vector products ``J_x[n] @ V[n]`` for every sample, without forming ``J_x``.

    Forward accumulation: the tangents ride along the forward pass,
    ``T_0 = V``, ``T_l = f_l'(Z_l) ⊙ (T_{l-1} W_lᵀ)``, and ``T_L`` is the answer. The cost is
    that of one more forward pass, whatever ``D`` and ``K``. Derived in the chapter "The input
    Jacobian" (Jacobian-vector and vector-Jacobian products).

    Parameters
    ----------
    net : Network
    w : ndarray, shape (n_params,), checked
    X : ndarray, shape (N, D), checked
    V : ndarray, shape (N, D), checked
        One input direction per sample.

    Returns
    -------
    ndarray, shape (N, K)
        Row ``n`` is ``J_x[n] @ V[n]``, the directional derivative of ``Y[n]`` along ``V[n]``.

    Raises
    ------
    ValueError
        If the result overflows float64 (see :func:`check_representable`).
    """
    T = V
    with np.errstate(over="ignore", invalid="ignore"):  # an overflow is reported below
        acts = forward_trace(net, w, X)
        for (W, _), transfer, A in zip(net.layer_views(w), net.transfers, acts[1:]):
            T = T @ W.T
            if not transfer.linear:
                T = times_slope(T, transfer.d1(A))
    return check_representable(T, "The Jacobian-vector product")


def input_vjp(net: Network, w: np.ndarray, X: np.ndarray, U: np.ndarray) -> np.ndarray:
    """Vector-input-Jacobian products ``U[n] @ J_x[n]`` for every sample, without forming ``J_x``.

    Reverse accumulation: after the forward pass, the cotangents run backwards,
    ``G_L = U``, ``G_{l-1} = (G_l ⊙ f_l'(Z_l)) W_l``, and ``G_0`` is the answer. The cost is
    that of one backward pass, whatever ``D`` and ``K``. Derived in the chapter "The input
    Jacobian" (Jacobian-vector and vector-Jacobian products).

    Parameters
    ----------
    net : Network
    w : ndarray, shape (n_params,), checked
    X : ndarray, shape (N, D), checked
    U : ndarray, shape (N, K), checked
        One output weighting per sample.

    Returns
    -------
    ndarray, shape (N, D)
        Row ``n`` is ``U[n] @ J_x[n]``, the gradient of ``U[n] · Y[n]`` with respect to ``X[n]``.

    Raises
    ------
    ValueError
        If the result overflows float64 (see :func:`check_representable`).
    """
    layers = net.layer_views(w)
    G = U
    with np.errstate(over="ignore", invalid="ignore"):  # an overflow is reported below
        acts = forward_trace(net, w, X)
        for l in range(net.n_layers - 1, -1, -1):
            transfer = net.transfers[l]
            if not transfer.linear:
                G = times_slope(G, transfer.d1(acts[l + 1]))
            G = G @ layers[l][0]
    return check_representable(G, "The vector-Jacobian product")
