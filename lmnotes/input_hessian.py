"""The Hessian of every network output with respect to the input, for a whole batch.

For output ``k`` the Hessian is a sum over layers (chapter "The Hessian with respect to the
input"):

``∂²y_k/∂x∂xᵀ = Σ_l Z_lᵀ diag(g_{l,k} ⊙ f_l''(z_l)) Z_l``,

where ``Z_l = ∂z_l/∂x`` (shape ``(n_l, D)``) comes from the forward recursion
``Z_1 = W_1``, ``Z_l = W_l diag(f_{l-1}'(z_{l-1})) Z_{l-1}``, and ``g_{l,k} = ∂y_k/∂a_l`` is the
sensitivity of output ``k`` to layer ``l``'s activations: ``g_L = I`` for the output layer (whose
term vanishes when the output is linear) and ``g_l = S_{l+1} W_{l+1}`` with the Marquardt
sensitivities ``S_l = g_l diag(f_l'(z_l))`` of :func:`lmnotes.jacobian.sensitivities`. No Python
loop over samples: every step is batched over ``N``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .forward import forward_trace
from .jacobian import check_representable, output_rows, times_slope
from .validation import check_count

if TYPE_CHECKING:
    from .network import Network

#: Default size of the largest intermediate of one block of samples, in float64 entries
#: (2**16 entries = 512 KiB): small enough to stay in cache.
BLOCK_ENTRIES = 1 << 16


def default_block(net: Network) -> int:
    """Samples per block, so that the largest intermediate ``(block, K, D, n_l)`` has about
    ``BLOCK_ENTRIES`` entries."""
    return max(1, BLOCK_ENTRIES // (net.n_outputs * net.n_inputs * max(net.sizes[1:])))


def activation_sensitivities(net: Network, w: np.ndarray, acts: list[np.ndarray]) -> list[np.ndarray]:
    """Sensitivities of every output to every layer's activations, ``g_l = ∂Y/∂A_l``.

    The backward sweep of :func:`lmnotes.jacobian.sensitivities`, stopped before each diagonal
    factor: ``g_L = I``, ``g_l = S_{l+1} W_{l+1}`` with ``S_l = g_l diag(f_l'(z_l))``. The first
    step, ``g_{L-1} = f_L' ⊙ W_L``, scales the rows of ``W_L`` (:func:`lmnotes.jacobian.output_rows`):
    no product with the identity ``g_L``.

    Parameters
    ----------
    net : Network
    w : ndarray, shape (n_params,), checked
    acts : list of ndarray
        The forward trace ``[X, A_1, ..., A_L]`` from :func:`lmnotes.forward.forward_trace`.

    Returns
    -------
    list of ndarray
        ``[g_1, ..., g_L]``, ``g_l`` of shape ``(N, K, n_l)`` (``g_L`` a read-only broadcast of
        the identity, ``g_{L-1}`` one of ``W_L`` when the output layer is linear).
    """
    weights = [W for W, _ in net.layer_views(w)]
    n_samples, n_out = acts[-1].shape
    s = np.broadcast_to(np.eye(n_out), (n_samples, n_out, n_out))
    result = [s]
    for l in range(net.n_layers - 1, 0, -1):
        if l == net.n_layers - 1:  # g_{L-1} = S_L W_L = f_L' ⊙ W_L: no product with g_L = I
            s = output_rows(net, weights[l], acts[-1])
        else:
            transfer = net.transfers[l]
            S = s if transfer.linear else times_slope(s, transfer.d1(acts[l + 1])[:, None, :])
            s = (S.reshape(n_samples * n_out, -1) @ weights[l]).reshape(n_samples, n_out, -1)
        result.append(s)
    return result[::-1]


def input_hessian(net: Network, w: np.ndarray, X: np.ndarray, block: int | None = None) -> np.ndarray:
    """Hessian of every output with respect to the input, for every sample.

    Layer ``l`` adds ``Z_lᵀ diag(c_l) Z_l`` with the curvature weights ``c_l = g_l ⊙ f_l''(z_l)``
    of shape ``(N, K, n_l)`` (:func:`activation_sensitivities`). Layer 1's ``Z_1 = W_1`` is the
    same for every sample, so its terms for all samples are one matrix product ``c_1 Q`` with the
    fixed ``Q[i, (d, e)] = W_1[i, d] W_1[i, e]`` of shape ``(n_1, D²)``. Layer 2's
    ``Z_2ᵀ = W_1ᵀ diag(f_1') W_2ᵀ`` is linear in ``f_1'``: one product with the fixed
    ``P[i, (d, j)] = W_1[i, d] W_2[j, i]``. Every deeper ``Z_l`` is one matrix product, and every
    term from layer 2 on is a batched product of ``(K D, n_l)`` by ``(n_l, D)`` matrices. The
    output layer adds nothing when it is linear. These per-sample ``D × n_l`` intermediates are
    formed ``block`` samples at a time (each block fully batched), so that they stay in cache.

    Parameters
    ----------
    net : Network
    w : ndarray, shape (n_params,), checked
    X : ndarray, shape (N, D), checked
    block : int, optional
        Samples per block; default :func:`default_block`. Any value gives the same result.

    Returns
    -------
    H : ndarray, shape (N, K, D, D)
        ``H[n, k, d, e] = ∂²Y[n, k] / ∂X[n, d] ∂X[n, e]``; each ``H[n, k]`` is symmetric.

    Raises
    ------
    ValueError
        If ``block`` is not a positive integer, or if the Hessian overflows float64. A saturated
        unit contributes an exact zero, even with weights so large (beyond about 1e154) that the
        products ``Q`` and ``P`` overflow: those are then not formed.
    """
    if block is None:
        block = default_block(net)
    check_count(block, "block", 1, "a positive integer number of samples")
    with np.errstate(over="ignore", invalid="ignore"):
        H = _input_hessian(net, w, X, block)
    return check_representable(H, "The input Hessian")


def _input_hessian(net: Network, w: np.ndarray, X: np.ndarray, block: int) -> np.ndarray:
    """:func:`input_hessian` without its checks; may hold ``inf`` or ``NaN`` after an overflow."""
    acts = forward_trace(net, w, X)
    if net.n_layers == 2 and net.transfers[-1].linear:
        H = _one_hidden_layer(net, w, acts)
        if H is not None:
            return H
    sens = activation_sensitivities(net, w, acts)
    weights = [W for W, _ in net.layer_views(w)]
    n_samples, n_in = X.shape
    n_out = net.n_outputs
    # Layers whose term can be non-zero: every hidden layer, and the output layer unless linear.
    used = net.n_layers - 1 if net.transfers[-1].linear else net.n_layers
    # c_l of shape (N, K, n_l): exactly zero for a saturated unit, whatever g_l is.
    curv = [times_slope(sens[l], net.transfers[l].d2(acts[l + 1])[:, None, :]) for l in range(used)]

    W1 = weights[0]
    if used == 0:
        return np.zeros((n_samples, n_out, n_in, n_in))
    Q = (W1[:, :, None] * W1[:, None, :]).reshape(W1.shape[0], n_in * n_in)
    P = (W1[:, :, None] * weights[1].T[:, None, :]).reshape(W1.shape[0], -1) if used >= 2 else None
    # With weights beyond about 1e154 these products overflow, and a zero curvature or slope
    # times inf would give NaN: then each term is formed from its factors instead (slower).
    Q = Q if np.all(np.isfinite(Q)) else None
    P = P if P is None or np.all(np.isfinite(P)) else None
    H = np.empty((n_samples, n_out, n_in, n_in))
    for start in range(0, n_samples, block):
        rows = slice(start, min(start + block, n_samples))
        H_rows = H[rows]  # a contiguous view: every term of this block is written into it
        if Q is not None:
            np.matmul(curv[0][rows].reshape(-1, W1.shape[0]), Q, out=H_rows.reshape(-1, n_in * n_in))
        else:  # (c_1 ⊙ W_1ᵀ) W_1: a zero c_1 gives zero rows, never inf · 0
            np.matmul((curv[0][rows][:, :, :, None] * W1).transpose(0, 1, 3, 2), W1, out=H_rows)
        if used >= 2:
            _add_deep_terms(H_rows, net, weights, [A[rows] for A in acts], [c[rows] for c in curv], P)
    return H


def _one_hidden_layer(net: Network, w: np.ndarray, acts: list[np.ndarray]) -> np.ndarray | None:
    """The input Hessians of a network with one hidden layer and a linear output, in one product.

    ``H[n, k] = Σ_i f''(z_1)[n, i] W_2[k, i] W_1[i, :]ᵀ W_1[i, :]``: the curvatures (N, n_1) times
    the fixed ``R[i, (k, d, e)] = W_2[k, i] W_1[i, d] W_1[i, e]`` (n_1, K D²), formed once per call,
    so the curvature weights ``c_1 = W_2 ⊙ f''`` of shape (N, K, n_1) are never formed: the same
    matrix-product flops, without the product and the overflow test that form ``c_1`` (and without
    the sensitivities: one BLAS thread, 301 → 200 µs on [1, 20, 1] with N = 1000). ``None``
    if ``R`` overflows (``inf · 0`` would spoil a saturated unit's exact zero): the general path
    then.
    """
    (W1, _), (W2, _) = net.layer_views(w)
    n_hidden, n_in = W1.shape
    R = (W2.T[:, :, None, None] * W1[:, None, :, None] * W1[:, None, None, :]).reshape(n_hidden, -1)
    if not np.all(np.isfinite(R)):
        return None
    n_samples = acts[0].shape[0]
    return (net.transfers[0].d2(acts[1]) @ R).reshape(n_samples, W2.shape[0], n_in, n_in)


def _add_deep_terms(
    H: np.ndarray,
    net: Network,
    weights: list[np.ndarray],
    acts: list[np.ndarray],
    curv: list[np.ndarray],
    P: np.ndarray | None,
) -> None:
    """Add the terms of layers ``2, ..., len(curv)`` of one block of samples to ``H`` (B, K, D, D).

    ``P`` is ``None`` when it overflows; ``Z_2ᵀ = W_1ᵀ diag(f_1') W_2ᵀ`` is then formed from its factors.
    """
    n_samples, n_in = acts[0].shape
    n_out = curv[0].shape[1]
    Zt = None  # Z_lᵀ = (∂z_l/∂x)ᵀ, shape (B, D, n_l)
    for l in range(1, len(curv)):
        n_here = net.sizes[l + 1]
        if l == 1 and P is not None:
            Zt = (net.transfers[0].d1(acts[1]) @ P).reshape(n_samples, n_in, n_here)
        elif l == 1:
            Zt = times_slope(weights[0].T, net.transfers[0].d1(acts[1])[:, None, :]) @ weights[1].T
        else:
            d1 = net.transfers[l - 1].d1(acts[l])
            Zt = (times_slope(Zt, d1[:, None, :]).reshape(n_samples * n_in, -1) @ weights[l].T).reshape(
                n_samples, n_in, n_here
            )
        weighted = times_slope(Zt[:, None, :, :], curv[l][:, :, None, :]).reshape(n_samples, n_out * n_in, n_here)
        if not np.all(np.isfinite(Zt)):  # a unit with zero curvature for every output adds nothing
            Zt = np.where(np.all(curv[l] == 0.0, axis=1)[:, None, :], 0.0, Zt)
        H += (weighted @ Zt.transpose(0, 2, 1)).reshape(H.shape)
