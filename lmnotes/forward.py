"""The batched forward pass that keeps every layer's output for the backward passes.

Derived in the chapter "The tansig network": ``A_l = f_l(A_{l-1} W_lᵀ + b_l)`` for a batch ``X``
of shape ``(N, D)``, one sample a row.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from .network import Network


def forward_trace(net: Network, w: np.ndarray, X: np.ndarray) -> list[np.ndarray]:
    """Batched forward pass that keeps every layer's output, for use by the backward passes.

    Parameters
    ----------
    net : Network
    w : ndarray, shape (n_params,), already checked
    X : ndarray, shape (N, D), already checked

    Returns
    -------
    list of ndarray
        ``[X, A_1, ..., A_L]``, ``A_l`` of shape ``(N, n_l)``.
    """
    acts = [X]
    for (W, b), transfer in zip(net.layer_views(w), net.transfers):
        Z = acts[-1] @ W.T
        Z += b
        acts.append(transfer.f_(Z))  # in place: no temporaries beyond Z itself
    return acts
