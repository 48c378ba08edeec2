"""Batch gradient descent, with or without momentum: the first-order baseline for ``train_lm``.

Every epoch computes, in one forward and one backward pass over the whole batch, the loss
``E(w) = ½ Σ (T − Y)²`` and its gradient ``∇E = −Jᵀe`` (``e = T − Y``), then takes the
heavy-ball step

    ``v ← momentum · v − lr · ∇E(w)``,    ``w ← w + v``        (``v = 0`` at the start),

which is plain gradient descent when ``momentum = 0``. On a quadratic with Hessian ``H`` it is
stable only for ``lr < 2(1 + momentum)/λ_max(H)``. Used in the chapter "LM against other
trainers".
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from .loss_hessian import sse_and_gradient
from .model import TrainedNetwork
from .network import Network
from .normalize import Normalizer
from .validation import check_count, check_real

#: Stop reasons of :func:`train_gd`, in the order in which they are tested.
GD_STOP_REASONS = ("goal", "epochs", "diverged")


@dataclass
class GDResult:
    """What :func:`train_gd` returns.

    Attributes
    ----------
    w : ndarray, shape (P,)
        Final weights (always finite: after a divergence, the last weights with a finite loss).
    sse : ndarray, shape (epochs + 1,)
        Sum of squared errors after each epoch; ``sse[0]`` is at the initial weights.
    epochs : int
        Number of steps taken.
    stop : str
        ``"goal"``, ``"epochs"`` or ``"diverged"`` (the loss or gradient became NaN or infinite).
    n_fev : int
        Forward passes (loss evaluations), including the one that may have diverged.
    n_gev : int
        Gradient evaluations (backward passes); ``n_fev == n_gev``: one of each per point.
    n_errors : int
        ``N·K``, the number of errors.
    """

    w: np.ndarray
    sse: np.ndarray
    epochs: int
    stop: str
    n_fev: int
    n_gev: int
    n_errors: int

    @property
    def mse(self) -> np.ndarray:
        """Mean squared error per epoch, ``sse / n_errors``, shape ``(epochs + 1,)``."""
        return self.sse / self.n_errors


@dataclass
class TrainedGD(TrainedNetwork, GDResult):
    """What :func:`train_gd` returns: the run's :class:`GDResult` and the trained network.

    Adds ``net``, ``x_scaling`` and ``t_scaling`` (always ``None``: ``train_gd`` uses the data
    as given) and ``flat_targets`` to :class:`GDResult`, and the methods of
    :class:`lmnotes.model.TrainedNetwork`: ``predict``, ``layers``, ``save``.
    """

    kind = "gd"
    net: Network
    x_scaling: Normalizer | None
    t_scaling: Normalizer | None
    flat_targets: bool


def train_gd(
    net: Network,
    X: object,
    T: object,
    w0: object = None,
    *,
    epochs: int = 1000,
    lr: float = 0.01,
    momentum: float = 0.0,
    goal: float = 0.0,
) -> TrainedGD:
    """Train ``net`` by batch gradient descent with a fixed learning rate and optional momentum.

    Each epoch: evaluate ``Σe²`` and ``∇E = −Jᵀe`` at ``w``; stop if the mean squared error is
    at most ``goal``, if ``epochs`` steps have been taken, or if the loss or gradient is not
    finite (``"diverged"``: ``lr`` was too large); else ``v ← momentum·v − lr·∇E``,
    ``w ← w + v``.

    Parameters
    ----------
    net : Network
    X : array_like, shape (N, D)
        Training inputs.
    T : array_like, shape (N, K)
        Training targets.
    w0 : array_like of shape (P,), optional
        Initial weights; default ``net.init_weights(seed=0)``.
    epochs : int, default 1000
        Maximum number of steps.
    lr : float, default 0.01
        Learning rate ``> 0``, multiplying the gradient of ``½Σe²`` (the sum, not the mean).
        Stable on a quadratic only below ``2(1 + momentum)/λ_max`` of the Hessian.
    momentum : float, default 0
        Heavy-ball coefficient in ``[0, 1)``; ``0`` is plain gradient descent.
    goal : float, default 0
        Stop when the **mean** squared error ``Σe²/(N·K)`` is at most this (as in ``train_lm``).

    Returns
    -------
    TrainedGD
        ``w`` (P,), per-epoch ``sse`` (epochs + 1,), ``epochs``, ``stop``, ``n_fev``, ``n_gev``;
        ``res.mse`` is the per-epoch MSE; ``res.predict(X)``, ``res.net``, ``res.save(path)``.
    """
    flat_targets = np.ndim(T) == 1
    X = net.check_inputs(X)
    T = net.check_targets(T, X.shape[0])
    w = net.init_weights(seed=0) if w0 is None else net.check_weights(w0).copy()
    epochs = check_count(epochs, "epochs", 0)
    lr = check_real(lr, "lr (learning rate)", 0.0, open_low=True)
    momentum = check_real(momentum, "momentum", 0.0)
    if momentum >= 1.0:
        raise ValueError(f"momentum must be in [0, 1); got {momentum!r}")
    goal = check_real(goal, "goal (a mean squared error)", 0.0)

    n_errors = T.size
    velocity = np.zeros_like(w)
    history: list[float] = []
    while True:
        with np.errstate(over="ignore", invalid="ignore"):  # a divergence is reported, not warned about
            sse, gradient = sse_and_gradient(net, w, X, T)
        if not (np.isfinite(sse) and np.all(np.isfinite(gradient))):
            if not history:
                raise ValueError("the loss or its gradient at w0 is not finite; give smaller initial weights")
            stop = "diverged"
            w = w - velocity  # back to the last weights with a finite loss
            break
        history.append(sse)
        if sse / n_errors <= goal:
            stop = "goal"
            break
        if len(history) > epochs:
            stop = "epochs"
            break
        velocity = momentum * velocity - lr * gradient
        w = w + velocity
    n_eval = len(history) + (stop == "diverged")
    res = GDResult(
        w=w,
        sse=np.array(history),
        epochs=len(history) - 1,
        stop=stop,
        n_fev=n_eval,
        n_gev=n_eval,
        n_errors=n_errors,
    )
    fitted = {f.name: getattr(res, f.name) for f in fields(GDResult)}
    return TrainedGD(**fitted, net=net, x_scaling=None, t_scaling=None, flat_targets=flat_targets)
