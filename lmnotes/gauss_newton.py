"""The Gauss–Newton quantities ``JᵀJ``, ``Jᵀe`` and the SSE, accumulated over chunks of samples.

Levenberg–Marquardt never needs the whole ``(N·K) × P`` Jacobian at once: only the ``P × P``
matrix ``JᵀJ``, the gradient-like vector ``Jᵀe`` and the sum of squared errors. All three are sums
over samples, so they can be accumulated chunk by chunk, with peak memory
``O(P² + chunk·K·P)`` instead of ``O(N·K·P)``. Derived in chapter 3, on the Jacobian for
Levenberg–Marquardt.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from .forward import forward_trace
from .jacobian import jacobian_from_trace, overflow_error
from .validation import check_count, check_vector

if TYPE_CHECKING:
    from .network import Network

#: Default size of one chunk's Jacobian, in float64 entries (2**22 entries = 32 MiB).
CHUNK_ENTRIES = 1 << 22


class GaussNewton(NamedTuple):
    """What one Levenberg–Marquardt epoch needs from the data.

    Attributes
    ----------
    JtJ : ndarray, shape (P, P)
        ``JᵀJ`` with ``J = ∂y/∂w`` of shape ``(N·K, P)``.
    Jte : ndarray, shape (P,)
        ``Jᵀe`` with ``e = t − y`` stacked sample by sample; the gradient of
        ``E = ½ Σ e²`` is ``−Jᵀe``.
    sse : float
        ``Σ e²``.
    """

    JtJ: np.ndarray
    Jte: np.ndarray
    sse: float


def default_chunk(net: Network) -> int:
    """Number of samples per chunk so that one chunk's Jacobian holds about ``CHUNK_ENTRIES`` entries."""
    return max(1, CHUNK_ENTRIES // (net.n_outputs * net.n_params))


def gauss_newton(
    net: Network, w: object, X: object, T: object, chunk: int | None = None, output_scale: object = None
) -> GaussNewton:
    """Accumulate ``JᵀJ``, ``Jᵀe`` and the SSE over chunks of samples.

    Parameters
    ----------
    net : Network
    w : array_like, shape (P,)
        Flat parameter vector.
    X : array_like, shape (N, D)
        Inputs, one sample a row.
    T : array_like, shape (N, K)
        Targets.
    chunk : int, optional
        Samples per chunk. Default: :func:`default_chunk`, about 32 MiB of Jacobian at a time.
    output_scale : array_like of shape (K,), optional
        Factors ``s_k``: the three sums are then those of the network ``s ⊙ y`` against the
        targets ``s ⊙ t``, that is with row ``nK + k`` of ``J`` and entry ``nK + k`` of ``e``
        multiplied by ``s_k``. ``train_lm(..., normalize=...)`` uses ``s = 1/gain`` of the
        targets' scaling, so that the errors and the Jacobian are those in the original units.

    Returns
    -------
    GaussNewton
        ``(JtJ, Jte, sse)`` with shapes ``(P, P)``, ``(P,)`` and a float; equal (up to
        round-off) to ``J.T @ J``, ``J.T @ e`` and ``e @ e`` for the whole ``J`` and
        ``e = (T - Y).ravel()``.

    Raises
    ------
    ValueError
        If an argument has the wrong shape or holds NaN or infinity, or if ``JᵀJ``, ``Jᵀe`` or the
        SSE overflows float64 (errors beyond about 1e154: scale the data).
    """
    w = net.check_weights(w)
    X = net.check_inputs(X)
    T = net.check_targets(T, X.shape[0])
    if chunk is None:
        chunk = default_chunk(net)
    check_count(chunk, "chunk", 1, "a positive integer number of samples")
    scale = None if output_scale is None else check_vector(output_scale, net.n_outputs, "output_scale")
    result = _accumulate(net, w, X, T, chunk, scale)
    if not _is_finite(result):
        raise overflow_error("JᵀJ, Jᵀe or the sum of squared errors")
    return result


def _is_finite(normal: GaussNewton) -> bool:
    """Whether ``JᵀJ``, ``Jᵀe`` and the SSE are all finite (none overflowed float64)."""
    JtJ, Jte, sse = normal
    return bool(np.isfinite(sse) and np.isfinite(Jte).all() and np.isfinite(JtJ).all())


def _accumulate(
    net: Network,
    w: np.ndarray,
    X: np.ndarray,
    T: np.ndarray,
    chunk: int,
    scale: np.ndarray | None,
    acts: list[np.ndarray] | None = None,
) -> GaussNewton:
    """:func:`gauss_newton` on checked arguments, without the checks; it may overflow.

    Parameters
    ----------
    net : Network
    w : ndarray, shape (P,), checked
    X : ndarray, shape (N, D), checked
    T : ndarray, shape (N, K), checked
    chunk : int
        Samples per chunk, ``>= 1``.
    scale : ndarray of shape (K,), or None
        The checked ``output_scale``.
    acts : list of ndarray, optional
        The forward trace ``forward_trace(net, w, X)`` over all of ``X``, if the caller holds it
        (``train_lm`` does, from the residual it has just evaluated at ``w``); without it each
        chunk runs its own forward pass.

    Returns
    -------
    GaussNewton
        As :func:`gauss_newton`, but with ``inf`` or NaN entries where a sum overflowed (test
        them with :func:`_is_finite`).
    """
    JtJ = Jte = None
    sse = 0.0
    with np.errstate(over="ignore", invalid="ignore"):  # an overflow is left for the caller to test
        for start in range(0, X.shape[0], chunk):
            rows = slice(start, start + chunk)
            trace = forward_trace(net, w, X[rows]) if acts is None else [A[rows] for A in acts]
            J = jacobian_from_trace(net, w, trace)
            E = T[rows] - trace[-1]
            if scale is not None:
                E *= scale
                J = (J.reshape(E.shape[0], -1, net.n_params) * scale[:, None]).reshape(J.shape)
            e = E.ravel()
            if JtJ is None:  # the first chunk: its products are the sums (no np.zeros + P×P sum: 5 µs of 400)
                JtJ, Jte = J.T @ J, J.T @ e
            else:
                JtJ += J.T @ J
                Jte += J.T @ e
            sse += float(e @ e)
    return GaussNewton(JtJ, Jte, sse)
