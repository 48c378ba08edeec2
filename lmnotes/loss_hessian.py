"""The Hessian of the loss with respect to the weights, exactly: Pearlmutter's R-operator.

For the loss ``E(w) = ½ Σ (T − Y)²`` the Hessian-vector product ``H v`` is the directional
derivative of the gradient along ``v``. Applying that derivative, written ``R{·}``, to every line of
the forward pass and of the backward (gradient) pass gives ``H v`` exactly, for about the cost of
two gradients, without forming ``H``. Running it for many directions at once, stacked on a leading
axis, gives ``V H``; with ``V`` the identity, the whole Hessian. Derived in the chapter "The Hessian
with respect to the weights".

Every function works on the whole batch at once: no Python loop over samples.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .forward import forward_trace
from .validation import check_vector

if TYPE_CHECKING:
    from .network import Network

#: Float64 entries in one per-direction array when forming ``H`` (2**14 = 128 KiB, cache-sized chunks).
DIRECTION_ENTRIES = 1 << 14

Parts = list[tuple[np.ndarray, np.ndarray]]


def _check(net: Network, w: object, X: object, T: object) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Validate ``w`` (P,), ``X`` (N, D) and ``T`` (N, K); raise ``ValueError`` naming what is wrong."""
    w = net.check_weights(w)
    X = net.check_inputs(X)
    return w, X, net.check_targets(T, X.shape[0])


def _backward(net: Network, w: np.ndarray, acts: list[np.ndarray], T: np.ndarray) -> Parts:
    """Gradient backward pass: ``[(G_l, Δ_l)]`` for ``l = 1..L``, ``G_l = ∂E/∂A_l``, ``Δ_l = ∂E/∂Z_l``, (N, n_l)."""
    layers = net.layer_views(w)
    G = acts[-1] - T
    back = []
    for l in range(net.n_layers, 0, -1):
        delta = G * net.transfers[l - 1].d1(acts[l])
        back.append((G, delta))
        G = delta @ layers[l - 1][0]
    return back[::-1]


def _flatten(net: Network, parts: Parts, lead: tuple[int, ...]) -> np.ndarray:
    """Join per-layer blocks ``(dW_l, db_l)`` with leading axes ``lead`` into shape ``lead + (P,)``."""
    out = np.empty(lead + (net.n_params,))
    for (start, mid, stop), (dW, db) in zip(net._offsets, parts):
        out[..., start:mid] = dW.reshape(lead + (-1,))
        out[..., mid:stop] = db
    return out


def sse_and_gradient(net: Network, w: np.ndarray, X: np.ndarray, T: np.ndarray) -> tuple[float, np.ndarray]:
    """The sum of squared errors and the gradient of ``E = ½ Σ (T − Y)²``, from one forward pass.

    No input checks (the caller has validated ``w``, ``X`` and ``T``).

    Parameters
    ----------
    net : Network
    w : ndarray, shape (P,)
    X : ndarray, shape (N, D)
    T : ndarray, shape (N, K)

    Returns
    -------
    sse : float
        ``Σ (T − Y)²``.
    gradient : ndarray, shape (P,)
        ``∇E = −Jᵀe``, by backpropagation.
    """
    acts = forward_trace(net, w, X)
    e = T - acts[-1]
    back = _backward(net, w, acts, T)
    gradient = _flatten(net, [(delta.T @ A, delta.sum(axis=0)) for (_, delta), A in zip(back, acts[:-1])], ())
    return float(np.sum(e * e)), gradient


def loss_gradient(net: Network, w: object, X: object, T: object) -> np.ndarray:
    """Gradient of ``E(w) = ½ Σ (T − Y)²`` by backpropagation; it equals ``−Jᵀe``.

    Parameters
    ----------
    net : Network
    w : array_like, shape (P,)
    X : array_like, shape (N, D)
    T : array_like, shape (N, K)

    Returns
    -------
    ndarray, shape (P,)

    Raises
    ------
    ValueError
        If an argument has the wrong shape or holds NaN or infinity.
    """
    w, X, T = _check(net, w, X, T)
    return sse_and_gradient(net, w, X, T)[1]


def _times(stack: np.ndarray, M: np.ndarray) -> np.ndarray:
    """``stack @ M`` for a stack (Q, N, m) and one matrix M (m, q) as a single matrix product."""
    return (stack.reshape(-1, stack.shape[-1]) @ M).reshape(stack.shape[:-1] + (M.shape[1],))


def _r_products(net: Network, w: np.ndarray, acts: list[np.ndarray], back: Parts, V: np.ndarray) -> np.ndarray:
    """``V H`` for directions ``V`` of shape (Q, P) by the R-operator; row ``q`` is ``H v_q``. Shape (Q, P).

    Per-direction arrays have shape (Q, N, n_l). Layers whose block of ``V`` is zero are skipped,
    and so is every term that is zero because of them (``None`` stands for a zero array).
    """
    layers = net.layer_views(w)
    n_dirs = V.shape[0]
    dirs = [
        (V[:, start:mid].reshape(n_dirs, n_out, n_in), V[:, mid:stop])
        for (start, mid, stop), n_in, n_out in zip(net._offsets, net.sizes[:-1], net.sizes[1:])
    ]
    active = [bool(np.any(Vl) or np.any(vb)) for Vl, vb in dirs]
    if not any(active):
        return np.zeros((n_dirs, net.n_params))

    # Forward: R{Z_l} = R{A_{l-1}} W_lᵀ + A_{l-1} V_lᵀ + v_bl and R{A_l} = f'(Z_l) ⊙ R{Z_l},
    # starting from R{A_0} = 0 (the inputs do not depend on w).
    RA: list[np.ndarray | None] = [None]
    RZ: list[np.ndarray | None] = []
    for l in range(1, net.n_layers + 1):
        rz = None
        if active[l - 1]:
            Vl, vb = dirs[l - 1]
            rz = acts[l - 1] @ Vl.transpose(0, 2, 1) + vb[:, None, :]
        if RA[-1] is not None:
            carried = _times(RA[-1], layers[l - 1][0].T)
            rz = carried if rz is None else rz + carried
        RZ.append(rz)
        RA.append(None if rz is None else net.transfers[l - 1].d1(acts[l]) * rz)

    # Backward, from R{∂E/∂A_L} = R{Y}:  R{Δ_l} = f'' ⊙ R{Z_l} ⊙ G_l + f' ⊙ R{G_l},
    # R{G_{l-1}} = R{Δ_l} W_l + Δ_l V_l,  R{∂E/∂W_l} = R{Δ_l}ᵀ A_{l-1} + Δ_lᵀ R{A_{l-1}},
    # R{∂E/∂b_l} = Σ_n R{Δ_l}.
    RG = RA[-1]
    parts = []
    for l in range(net.n_layers, 0, -1):
        transfer, (G, delta) = net.transfers[l - 1], back[l - 1]
        r_delta = transfer.d1(acts[l]) * RG
        if not transfer.linear and RZ[l - 1] is not None:
            r_delta += transfer.d2(acts[l]) * RZ[l - 1] * G
        dW = r_delta.transpose(0, 2, 1) @ acts[l - 1]
        if RA[l - 1] is not None:
            dW += delta.T @ RA[l - 1]
        parts.append((dW, r_delta.sum(axis=1)))
        if l > 1:
            RG = _times(r_delta, layers[l - 1][0])
            if active[l - 1]:
                RG += delta @ dirs[l - 1][0]
    return _flatten(net, parts[::-1], (n_dirs,))


def hvp(net: Network, w: object, X: object, T: object, v: object) -> np.ndarray:
    """Exact Hessian-vector product ``H v`` of ``E(w) = ½ Σ (T − Y)²``, without forming ``H``.

    One forward pass of directional derivatives ``R{Z_l}``, ``R{A_l}`` and one backward pass of
    the gradient and of its directional derivative (Pearlmutter's R-operator); about the cost of
    two gradients.

    Parameters
    ----------
    net : Network
    w : array_like, shape (P,)
    X : array_like, shape (N, D)
    T : array_like, shape (N, K)
    v : array_like, shape (P,)

    Returns
    -------
    ndarray, shape (P,)

    Raises
    ------
    ValueError
        If an argument has the wrong shape or holds NaN or infinity.
    """
    w, X, T = _check(net, w, X, T)
    v = check_vector(v, net.n_params, "v")
    acts = forward_trace(net, w, X)
    back = _backward(net, w, acts, T)
    return _r_products(net, w, acts, back, v[None, :])[0]


def loss_hessian(net: Network, w: object, X: object, T: object) -> np.ndarray:
    """Exact Hessian of ``E(w) = ½ Σ (T − Y)²`` with respect to the weights.

    The R-operator of :func:`hvp` applied to the ``P`` coordinate directions at once (the rows of
    the identity on a leading axis), in chunks of directions that bound the memory. Equal to
    ``JᵀJ − Σ_i e_i ∇²y_i`` with ``e = t − y``.

    Parameters
    ----------
    net : Network
    w : array_like, shape (P,)
    X : array_like, shape (N, D)
    T : array_like, shape (N, K)

    Returns
    -------
    H : ndarray, shape (P, P)
        Symmetric: it is symmetrised, ``(H + Hᵀ) / 2``, to remove round-off asymmetry.

    Raises
    ------
    ValueError
        If an argument has the wrong shape or holds NaN or infinity.
    """
    w, X, T = _check(net, w, X, T)
    acts = forward_trace(net, w, X)
    back = _backward(net, w, acts, T)
    chunk = max(1, DIRECTION_ENTRIES // (X.shape[0] * max(net.sizes[1:])))
    eye = np.eye(net.n_params)
    rows = []
    for first, _, stop in net._offsets:  # chunks inside one layer's block: the other blocks are skipped
        for start in range(first, stop, chunk):
            rows.append(_r_products(net, w, acts, back, eye[start : min(start + chunk, stop)]))
    H = np.concatenate(rows)
    return 0.5 * (H + H.T)
