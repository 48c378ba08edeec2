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

from .forward import affine, forward_trace, product
from .jacobian import check_representable, overflow_error, times_slope
from .validation import check_vector

if TYPE_CHECKING:
    from .network import Network

#: Float64 entries in one per-direction array when forming ``H`` (2**14 = 128 KiB, cache-sized chunks).
DIRECTION_ENTRIES = 1 << 14

#: Largest ``H`` that :func:`loss_hessian` forms, in bytes (2**28 = 256 MiB, so ``P <= 5792``).
#: Beyond it the matrix alone takes a good part of a laptop's memory, forming it costs ``P``
#: Hessian-vector products, and what one does with it next (an eigendecomposition, a solve) costs
#: ``O(P³)``, minutes to hours; :func:`hvp` with an iterative method (Lanczos, conjugate
#: gradients) needs only ``O(P)`` memory per product.
MAX_HESSIAN_BYTES = 1 << 28

Parts = list[tuple[np.ndarray, np.ndarray]]
# Per layer, the gradient's backward pass: (G_l, Δ_l, f_l'(Z_l)), the slope None for a linear
# layer; for the R-operator (f_l''(Z_l) ⊙ G_l, Δ_l, f_l'(Z_l)) (see _backward).
Backward = list[tuple[np.ndarray | None, np.ndarray | None, np.ndarray | None]]


def _check(net: Network, w: object, X: object, T: object) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Validate ``w`` (P,), ``X`` (N, D) and ``T`` (N, K); raise ``ValueError`` naming what is wrong."""
    w = net.check_weights(w)
    X = net.check_inputs(X)
    return w, X, net.check_targets(T, X.shape[0])


def _backward(net: Network, w: np.ndarray, acts: list[np.ndarray], T: np.ndarray, curvatures: bool = False) -> Backward:
    """Gradient backward pass: ``[(G_l, Δ_l, f_l')]`` for ``l = 1..L``, ``G_l = ∂E/∂A_l``, ``Δ_l = ∂E/∂Z_l``.

    All of shape (N, n_l). Each slope ``f_l'(Z_l)`` is computed once, here, and kept for the
    R-operator's passes (``None`` for a linear layer, whose slope is 1: ``Δ_l`` is ``G_l`` itself).
    With ``curvatures`` (for the R-operator), ``G_l`` is overwritten by ``f_l''(Z_l) ⊙ G_l`` (``None``
    for a linear layer), the only form in which the R-operator uses it, and ``Δ_1``, which it does
    not use, is not formed: two arrays of the first layer's size fewer at the peak.
    """
    layers = net.layer_views(w)
    G = acts[-1] - T
    back: Backward = []
    for l in range(net.n_layers, 0, -1):
        transfer = net.transfers[l - 1]
        slope = None if transfer.linear else transfer.d1(acts[l])
        delta = None
        if l > 1 or not curvatures:
            delta = G if slope is None else times_slope(G, slope)  # a saturated unit passes back exactly 0
        if l > 1:  # G_0 = ∂E/∂X is not needed
            G_below = product(delta, layers[l - 1][0])
        if curvatures:  # G is ours: f'' ⊙ G overwrites it, exactly zero for a saturated unit
            G = None if slope is None else times_slope(G, transfer.d2(acts[l]), out=G)
        back.append((G, delta, slope))
        if l > 1:
            G = G_below
    return back[::-1]


def _flatten(net: Network, parts: Parts, lead: tuple[int, ...], out: np.ndarray | None = None) -> np.ndarray:
    """Join per-layer blocks ``(dW_l, db_l)`` with leading axes ``lead`` into shape ``lead + (P,)``
    (into ``out`` if given)."""
    out = np.empty(lead + (net.n_params,)) if out is None else out
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
    with np.errstate(over="ignore", invalid="ignore"):  # the callers report an overflow
        acts = forward_trace(net, w, X)
        e = T - acts[-1]
        back = _backward(net, w, acts, T)
        gradient = _flatten(net, [(delta.T @ A, delta.sum(axis=0)) for (_, delta, _), A in zip(back, acts[:-1])], ())
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
        If an argument has the wrong shape or holds NaN or infinity, or if the gradient
        overflows float64.
    """
    w, X, T = _check(net, w, X, T)
    return check_representable(sse_and_gradient(net, w, X, T)[1], "The loss gradient")


def _times(stack: np.ndarray, M: np.ndarray) -> np.ndarray:
    """``stack @ M`` for a stack (Q, N, m) and one matrix M (m, q) as a single matrix product."""
    return product(stack.reshape(-1, stack.shape[-1]), M).reshape(stack.shape[:-1] + (M.shape[1],))


def _by_stack(A: np.ndarray, V: np.ndarray) -> np.ndarray:
    """``A @ V`` for one matrix A (N, m) and a stack V (Q, m, q): shape (Q, N, q).

    One direction (``Q = 1``, a Hessian-vector product) is a plain 2-D product (:func:`product`).
    """
    return product(A, V[0])[None] if V.shape[0] == 1 else A @ V


def _r_products(
    net: Network,
    w: np.ndarray,
    acts: list[np.ndarray],
    back: Backward,
    V: np.ndarray,
    out: np.ndarray | None = None,
    exact_zeros: bool = False,
) -> np.ndarray:
    """``V H`` for directions ``V`` of shape (Q, P) by the R-operator; row ``q`` is ``H v_q``. Shape (Q, P).

    Per-direction arrays have shape (Q, N, n_l). Layers whose block of ``V`` is zero are skipped,
    and so is every term that is zero because of them (``None`` stands for a zero array), and every
    product with a linear layer's slope 1 or curvature 0. The slopes ``f_l'`` come from the
    gradient's backward pass ``back``, and so do the curvatures ``f_l'' ⊙ G_l``, the same for
    every direction (:func:`_backward` with ``curvatures``). With ``exact_zeros``, every product
    with ``f'`` or ``f''`` is exactly zero for a saturated unit (:func:`times_slope`), even where
    the other factor overflowed: the callers first try without (faster) and repeat with it only if
    the result is not finite. Written into ``out`` if given. Call it under
    ``np.errstate(over="ignore", invalid="ignore")``.
    """
    times = times_slope if exact_zeros else np.multiply
    layers = net.layer_views(w)
    n_dirs = V.shape[0]
    dirs = [
        (V[:, start:mid].reshape(n_dirs, n_out, n_in), V[:, mid:stop])
        for (start, mid, stop), n_in, n_out in zip(net._offsets, net.sizes[:-1], net.sizes[1:])
    ]
    if n_dirs == 1:  # one direction (hvp): use every block; testing them costs more than it saves
        active = [True] * net.n_layers
    else:  # rows of the identity (loss_hessian): most blocks are zero
        active = [bool(Vl.any() or vb.any()) for Vl, vb in dirs]
    if not any(active):
        return np.zeros((n_dirs, net.n_params)) if out is None else _zero(out)

    # Forward: R{Z_l} = R{A_{l-1}} W_lᵀ + A_{l-1} V_lᵀ + v_bl and R{A_l} = f'(Z_l) ⊙ R{Z_l},
    # starting from R{A_0} = 0 (the inputs do not depend on w). Each R{A_{l-1}} is used twice,
    # for R{Z_l} and for the term Δ_lᵀ R{A_{l-1}} of R{∂E/∂W_l}, and dropped at once; each R{Z_l}
    # is kept only as R{Z_l} ⊙ f''(Z_l) ⊙ G_l, what the backward pass needs, overwriting it. Fresh
    # memory costs a page fault per 4 KiB, so a smaller peak is faster: with the curvatures of
    # _backward, the peak of a product on [1, 20, 1] with N = 1000 fell from 1.65 to 1.00 MB.
    RA: np.ndarray | None = None
    RZc: list[np.ndarray | None] = []
    cross: list[np.ndarray | None] = []
    for l in range(1, net.n_layers + 1):
        curv, delta, slope = back[l - 1]
        cross.append(None if RA is None else delta.T @ RA)
        rz = None
        if active[l - 1]:
            Vl, vb = dirs[l - 1]
            rz = _by_stack(acts[l - 1], Vl.transpose(0, 2, 1))
            rz += vb[:, None, :]
        if RA is not None:
            carried = _times(RA, layers[l - 1][0].T)
            rz = carried if rz is None else np.add(rz, carried, out=rz)
        RA = rz if rz is None or slope is None else times(rz, slope)
        RZc.append(None if rz is None or slope is None else times(rz, curv, out=rz))

    # Backward, from R{∂E/∂A_L} = R{Y}:  R{Δ_l} = f'' ⊙ R{Z_l} ⊙ G_l + f' ⊙ R{G_l},
    # R{G_{l-1}} = R{Δ_l} W_l + Δ_l V_l,  R{∂E/∂W_l} = R{Δ_l}ᵀ A_{l-1} + Δ_lᵀ R{A_{l-1}},
    # R{∂E/∂b_l} = Σ_n R{Δ_l}. R{G_l} is ours alone: R{Δ_l} overwrites it.
    RG = RA
    parts = []
    for l in range(net.n_layers, 0, -1):
        _, delta, slope = back[l - 1]
        r_delta = RG if slope is None else times(RG, slope, out=RG)  # a linear layer: f' = 1, f'' = 0
        if RZc[l - 1] is not None:
            r_delta += RZc[l - 1]
            RZc[l - 1] = None
        dW = r_delta.transpose(0, 2, 1) @ acts[l - 1]
        if cross[l - 1] is not None:
            dW += cross[l - 1]
        parts.append((dW, r_delta.sum(axis=1)))
        if l > 1:
            RG = _times(r_delta, layers[l - 1][0])
            if active[l - 1]:
                RG += _by_stack(delta, dirs[l - 1][0])
    return _flatten(net, parts[::-1], (n_dirs,), out)


def _zero(out: np.ndarray) -> np.ndarray:
    out.fill(0.0)
    return out


def hvp(net: Network, w: object, X: object, T: object, v: object) -> np.ndarray:
    """Exact Hessian-vector product ``H v`` of ``E(w) = ½ Σ (T − Y)²``, without forming ``H``.

    One forward pass of directional derivatives ``R{Z_l}``, ``R{A_l}`` and one backward pass of
    the gradient and of its directional derivative (Pearlmutter's R-operator); about the cost of
    two gradients. A network with one tansig or logsig hidden layer and a linear output has the
    R-operator written out (``_hvp_one_hidden_layer``), holding four arrays of the hidden layer's
    size instead of six: 0.48 → 0.35 ms on [1, 20, 1] with N = 1000 (one BLAS thread).

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
        If an argument has the wrong shape or holds NaN or infinity, or if ``H v`` overflows
        float64 (a saturated unit contributes an exact zero, so huge weights alone do not).
    """
    w, X, T = _check(net, w, X, T)
    v = check_vector(v, net.n_params, "v")
    with np.errstate(over="ignore", invalid="ignore"):  # an overflow is reported below
        if net.n_layers == 2 and net.transfers[-1].linear and net.transfers[0].name in _CURVATURE_RATIO:
            Hv = _hvp_one_hidden_layer(net, w, X, T, v)
            if np.isfinite(Hv).all():
                return Hv
        acts = forward_trace(net, w, X)
        back = _backward(net, w, acts, T, curvatures=True)
        Hv = _r_products(net, w, acts, back, v[None, :])[0]
        if np.isfinite(Hv).all():
            return Hv
        Hv = _r_products(net, w, acts, back, v[None, :], exact_zeros=True)[0]
    return check_representable(Hv, "The Hessian-vector product")


# f''/f' written from the output a, into out (-2a for tansig, 1 - 2a for logsig): the kernel below
# forms f'' ⊙ G from the slopes it already holds, without another array.
_CURVATURE_RATIO = {
    "tansig": lambda a, out: np.multiply(a, -2.0, out=out),
    "logsig": lambda a, out: np.add(np.multiply(a, -2.0, out=out), 1.0, out=out),
}


def _hvp_one_hidden_layer(net: Network, w: np.ndarray, X: np.ndarray, T: np.ndarray, v: np.ndarray) -> np.ndarray:
    """``H v`` for one hidden layer (tansig or logsig) and a linear output, with four arrays of the
    hidden layer's size at most; may hold ``inf`` or NaN after an overflow (then :func:`hvp` takes
    the general path, whose saturated units give exact zeros).

    The R-operator of :func:`_r_products` written out for ``y = W_2 a + b_2``, ``a = f(W_1 x + b_1)``,
    ``e = y - t``, ``G = e W_2``:  ``R{z} = X V_1ᵀ + v_b1``, ``R{a} = f' ⊙ R{z}``,
    ``R{y} = R{a} W_2ᵀ + a V_2ᵀ + v_b2``; ``R{∂E/∂W_2} = R{y}ᵀ a + eᵀ R{a}``; ``R{Δ_1} = f' ⊙
    [R{y}, e] [W_2; V_2] + f'' ⊙ G ⊙ R{z}`` with ``f'' = f' · (f''/f')``; ``R{∂E/∂W_1} =
    R{Δ_1}ᵀ X``. The same matrix-product flops as the general path; each array is overwritten as
    soon as it is used, so the peak is the activations, the slopes and two more arrays.
    """
    (W1, b1), (W2, b2) = net.layer_views(w)
    hidden = net.transfers[0]
    m1, m2 = W1.size, W1.size + b1.size
    V1, vb1 = v[:m1].reshape(W1.shape), v[m1:m2]
    V2, vb2 = v[m2 : m2 + W2.size].reshape(W2.shape), v[m2 + W2.size :]
    A = hidden.f_(affine(X, W1, b1))
    e = affine(A, W2, b2)
    e -= T
    S = hidden.d1(A)  # f'
    RZ = affine(X, V1, vb1)  # R{z}
    RA = S * RZ  # R{a}
    RY = affine(RA, W2, vb2)
    RY += product(A, V2.T)  # R{y}
    dW2 = RY.T @ A
    dW2 += e.T @ RA
    del RA
    C = product(e, W2)  # G = ∂E/∂a, overwritten by f'' ⊙ G = f' ⊙ (f''/f') ⊙ G
    C *= S
    RZ *= C
    _CURVATURE_RATIO[hidden.name](A, out=C)
    RZ *= C  # f'' ⊙ G ⊙ R{z}
    del C
    R_delta = product(np.concatenate([RY, e], axis=1), np.concatenate([W2, V2]))  # R{G}
    R_delta *= S
    R_delta += RZ
    out = np.empty(net.n_params)
    out[:m1] = (R_delta.T @ X).ravel()
    out[m1:m2] = np.einsum("ni->i", R_delta)  # the column sums: 14 µs where .sum(axis=0) takes 27
    out[m2 : m2 + W2.size] = dW2.ravel()
    out[m2 + W2.size :] = np.einsum("nk->k", RY)
    return out


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
        If an argument has the wrong shape or holds NaN or infinity; if ``H`` would take more
        than :data:`MAX_HESSIAN_BYTES` (256 MiB, ``W > 5792``: use :func:`hvp` instead); or if
        ``H`` overflows float64 (a saturated unit contributes an exact zero, so huge weights
        alone do not).

    Notes
    -----
    Peak memory is ``H`` itself plus a few arrays of about ``DIRECTION_ENTRIES`` entries: the
    chunks of rows are written into ``H`` in place and symmetrised tile by tile.
    """
    w, X, T = _check(net, w, X, T)
    n_bytes = 8 * net.n_params**2
    if n_bytes > MAX_HESSIAN_BYTES:
        raise ValueError(
            f"loss_hessian would form a {net.n_params} x {net.n_params} matrix of {n_bytes / 2**20:.0f} MiB, more "
            f"than MAX_HESSIAN_BYTES = {MAX_HESSIAN_BYTES / 2**20:.0f} MiB: use hvp(w, X, T, v) for products H v "
            "(e.g. in an iterative eigen- or linear solver) instead of the whole matrix"
        )
    chunk = max(1, DIRECTION_ENTRIES // (X.shape[0] * max(net.sizes[1:])))
    H = np.empty((net.n_params, net.n_params))
    with np.errstate(over="ignore", invalid="ignore"):  # an overflow is reported below
        acts = forward_trace(net, w, X)
        back = _backward(net, w, acts, T, curvatures=True)
        for first, _, stop in net._offsets:  # chunks inside one layer's block: the other blocks are skipped
            for start in range(first, stop, chunk):
                end = min(start + chunk, stop)
                V = np.zeros((end - start, net.n_params))
                V[np.arange(end - start), np.arange(start, end)] = 1.0  # rows start..end-1 of the identity
                rows = _r_products(net, w, acts, back, V, out=H[start:end])
                if not np.all(np.isfinite(rows)):
                    _r_products(net, w, acts, back, V, out=rows, exact_zeros=True)
        finite = _symmetrise(H)
    if not finite:
        raise overflow_error("The loss Hessian")
    return H


def _symmetrise(H: np.ndarray, tile: int = 256) -> bool:
    """Replace the square ``H`` by ``(H + Hᵀ) / 2`` in place, one pair of tiles at a time (no copy of
    ``H``); return whether every entry is finite."""
    n = H.shape[0]
    finite = True
    for i in range(0, n, tile):
        for j in range(i, n, tile):
            upper, lower = H[i : i + tile, j : j + tile], H[j : j + tile, i : i + tile]
            mean = 0.5 * upper + 0.5 * lower.T  # halves first: no overflow for entries near the largest float
            upper[...] = mean
            lower[...] = mean.T
            finite = finite and bool(np.isfinite(mean).all())
    return finite
