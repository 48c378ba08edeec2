"""Scaled conjugate gradient (Møller 1993), MATLAB's ``trainscg``: a second-order trainer
without line search and without ``JᵀJ``.

Conjugate gradient needs, at every step ``k``, the curvature ``δ_k = p_kᵀ H p_k`` of the error
``E`` along the search direction ``p_k``. SCG takes it from two gradients, with no Hessian:

    ``s_k = (∇E(w_k + σ_k p_k) − ∇E(w_k)) / σ_k ≈ H p_k``,   ``σ_k = σ / ‖p_k‖``,

and, instead of a line search, adds ``λ_k ‖p_k‖²`` to ``δ_k`` as LM adds ``μI`` to ``JᵀJ``: the
step is ``α_k = μ_k / δ_k`` with ``μ_k = p_kᵀ r_k`` and ``r_k = −∇E(w_k)``. The ratio of the
actual to the predicted decrease,

    ``Δ_k = 2 δ_k (E(w_k) − E(w_k + α_k p_k)) / μ_k²``,

decides whether the step is taken (``Δ_k ≥ 0``) and how ``λ`` changes: ``λ/4`` when
``Δ_k ≥ 0.75``, ``λ + δ_k (1 − Δ_k)/‖p_k‖²`` when ``Δ_k < 0.25``. After a step the direction is
``p_{k+1} = r_{k+1} + β_k p_k`` with Hestenes–Stiefel's ``β_k = (‖r_{k+1}‖² − r_{k+1}ᵀ r_k)/μ_k``,
restarted as ``p = r`` every ``P`` iterations. On a quadratic ``E`` the differences are exact,
every ``Δ_k`` lies in ``(1, 2]``, and the iterates are those of conjugate gradient, up to the
small ``λ``: the minimum in at most ``P`` steps. Used in the chapter "LM against other trainers".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields

import numpy as np

from .loss_hessian import sse_and_gradient
from .model import TrainedNetwork
from .network import Network
from .normalize import Normalizer
from .validation import check_count, check_real

#: Stop reasons of :func:`train_scg`, in the order in which they are tested at every epoch.
SCG_STOP_REASONS = ("goal", "epochs", "min_grad")

#: ``w -> (E(w), ∇E(w))``, the error and its gradient.
ValueAndGradient = Callable[[np.ndarray], tuple[float, np.ndarray]]


@dataclass
class SCGResult:
    """What :func:`train_scg` returns.

    Attributes
    ----------
    w : ndarray, shape (P,)
        Final weights.
    sse : ndarray, shape (epochs + 1,)
        Sum of squared errors after each epoch; ``sse[0]`` is at the initial weights. An epoch
        whose step is rejected leaves it unchanged.
    gradient : ndarray, shape (epochs + 1,)
        ``‖∇E‖`` after each epoch, the norm of the gradient of the mean squared error
        ``E = Σe²/(N·K)`` that ``min_grad`` is compared with.
    lambda_ : ndarray, shape (epochs + 1,)
        The scale parameter ``λ`` at the start of each epoch (``lambda_[0]`` is the initial one).
    epochs : int
        Number of epochs (iterations of Møller's algorithm, rejected steps included).
    stop : str
        ``"goal"``, ``"epochs"`` or ``"min_grad"``.
    n_fev : int
        Forward passes: every evaluation of the error, each with its gradient.
    n_gev : int
        Gradient evaluations (backward passes); equal to ``n_fev``.
    n_errors : int
        ``N·K``, the number of errors.
    """

    w: np.ndarray
    sse: np.ndarray
    gradient: np.ndarray
    lambda_: np.ndarray
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
class TrainedSCG(TrainedNetwork, SCGResult):
    """What :func:`train_scg` returns: the run's :class:`SCGResult` and the trained network.

    Adds ``net``, ``x_scaling`` and ``t_scaling`` (always ``None``: ``train_scg`` uses the data
    as given) and ``flat_targets`` to :class:`SCGResult`, and the methods of
    :class:`lmnotes.model.TrainedNetwork`: ``predict``, ``layers``, ``save``.
    """

    kind = "scg"
    net: Network
    x_scaling: Normalizer | None
    t_scaling: Normalizer | None
    flat_targets: bool


def scaled_conjugate_gradient(
    value_and_gradient: ValueAndGradient,
    w: np.ndarray,
    *,
    epochs: int,
    goal: float,
    min_grad: float,
    sigma: float,
    lambda_: float,
) -> tuple[np.ndarray, list[float], list[float], list[float], str, int]:
    """Møller's algorithm on any smooth ``E``; the arguments are checked by the caller.

    Parameters
    ----------
    value_and_gradient : callable
        ``w -> (E(w), ∇E(w))``, ``∇E`` of shape ``(P,)``.
    w : ndarray, shape (P,)
        Starting point (not modified).
    epochs, goal, min_grad, sigma, lambda_
        As in :func:`train_scg`, with ``goal`` on ``E`` itself.

    Returns
    -------
    w : ndarray, shape (P,)
    values, gradient_norms, lambdas : list of float
        ``E``, ``‖∇E‖`` and ``λ`` at the start of every epoch and at the end.
    stop : str
    n_evaluations : int
        Calls of ``value_and_gradient``.

    Raises
    ------
    ValueError
        If ``E`` or ``∇E`` at the starting point is not finite.
    """
    n_params = w.size
    value, gradient = value_and_gradient(w)
    n_evaluations = 1
    if not (np.isfinite(value) and np.all(np.isfinite(gradient))):
        raise ValueError("the error or its gradient at w0 is not finite; give smaller initial weights")
    r = -gradient  # r_k = −∇E(w_k)
    p = r.copy()
    success, lam, lam_bar, delta = True, lambda_, 0.0, 0.0
    values, norms, lambdas = [value], [float(np.linalg.norm(r))], [lam]
    k = 0
    while True:
        if value <= goal:
            return w, values, norms, lambdas, "goal", n_evaluations
        if k >= epochs:
            return w, values, norms, lambdas, "epochs", n_evaluations
        if norms[-1] < min_grad or norms[-1] == 0.0:
            return w, values, norms, lambdas, "min_grad", n_evaluations
        k += 1
        p_sq = float(p @ p)
        if success:  # second-order information: s_k ≈ H p_k from two gradients
            sigma_k = sigma / np.sqrt(p_sq)
            _, gradient_ahead = value_and_gradient(w + sigma_k * p)
            n_evaluations += 1
            delta = float(p @ (gradient_ahead - gradient)) / sigma_k
        delta += (lam - lam_bar) * p_sq  # scale δ_k
        if delta <= 0:  # make the Hessian along p positive definite
            lam_bar = 2.0 * (lam - delta / p_sq)
            delta = -delta + lam * p_sq
            lam = lam_bar
        mu = float(p @ r)
        alpha = mu / delta
        w_new = w + alpha * p
        value_new, gradient_new = value_and_gradient(w_new)
        n_evaluations += 1
        ratio = 2.0 * delta * (value - value_new) / mu**2 if np.isfinite(value_new) else -np.inf
        if ratio >= 0:  # a successful reduction in error
            r_new = -gradient_new
            if k % n_params == 0:
                p = r_new.copy()
            else:
                beta = (float(r_new @ r_new) - float(r_new @ r)) / mu
                p = r_new + beta * p
            w, value, gradient, r = w_new, value_new, gradient_new, r_new
            lam_bar, success = 0.0, True
            if ratio >= 0.75:
                lam = 0.25 * lam
        else:
            lam_bar, success = lam, False
        if ratio < 0.25:
            # A trial that overflowed (ratio −inf) raises λ as a step with no decrease (ratio 0) would.
            lam += delta * (1.0 - (ratio if np.isfinite(ratio) else 0.0)) / p_sq
        values.append(value)
        norms.append(float(np.linalg.norm(r)))
        lambdas.append(lam)


def train_scg(
    net: Network,
    X: object,
    T: object,
    w0: object = None,
    *,
    epochs: int = 1000,
    goal: float = 0.0,
    min_grad: float = 1e-6,
    sigma: float = 5e-5,
    lambda_: float = 5e-7,
) -> TrainedSCG:
    """Train ``net`` by scaled conjugate gradient (Møller 1993), as MATLAB's ``trainscg``.

    The error is MATLAB's performance, the mean squared error ``E = Σe²/(N·K)``, whose gradient
    is ``−2Jᵀe/(N·K)``, computed by backpropagation. Each epoch is one iteration of Møller's
    algorithm (module docstring): at most two gradient evaluations at trial points and no
    linear solve, so an epoch costs about two forward and two backward passes whatever ``P``.
    Before every epoch it stops if ``E <= goal``, if ``epochs`` epochs have been run, or if
    ``‖∇E‖ < min_grad`` (or ``∇E = 0``). The direction restarts as steepest descent every ``P`` epochs, counted
    from 1 as in Møller's paper (MATLAB counts from 0, so its second direction is a restart).

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
        Maximum number of epochs.
    goal : float, default 0
        Stop when the mean squared error is at most this.
    min_grad : float, default 1e-6
        Stop when the norm of the gradient of the mean squared error is below this.
    sigma : float, default 5e-5
        ``σ > 0``: the finite-difference step along ``p`` is ``σ`` in length (``σ_k = σ/‖p_k‖``).
    lambda_ : float, default 5e-7
        ``λ > 0``, the initial scale parameter (Møller's ``λ_1``, at most about ``1e-6``).

    Returns
    -------
    TrainedSCG
        ``w`` (P,), per-epoch ``sse``, ``gradient`` and ``lambda_`` (epochs + 1,), ``epochs``,
        ``stop``, ``n_fev``, ``n_gev``; ``res.mse``; ``res.predict(X)``, ``res.net``,
        ``res.save(path)``.

    Raises
    ------
    ValueError
        If an argument has the wrong shape, type or range, or if the error or its gradient at
        ``w0`` is not finite.
    """
    flat_targets = np.ndim(T) == 1
    X = net.check_inputs(X)
    T = net.check_targets(T, X.shape[0])
    w = net.init_weights(seed=0) if w0 is None else net.check_weights(w0).copy()
    epochs = check_count(epochs, "epochs", 0)
    goal = check_real(goal, "goal (a mean squared error)", 0.0)
    min_grad = check_real(min_grad, "min_grad", 0.0)
    sigma = check_real(sigma, "sigma (the relative finite-difference step)", 0.0, open_low=True)
    lambda_ = check_real(lambda_, "lambda_ (the initial scale parameter)", 0.0, open_low=True)

    n_errors = T.size

    def mse_and_gradient(v: np.ndarray) -> tuple[float, np.ndarray]:
        with np.errstate(over="ignore", invalid="ignore"):  # a non-finite trial is rejected, not warned about
            sse, grad_half_sse = sse_and_gradient(net, v, X, T)
        return sse / n_errors, grad_half_sse * (2.0 / n_errors)

    w, values, norms, lambdas, stop, n_eval = scaled_conjugate_gradient(
        mse_and_gradient, w, epochs=epochs, goal=goal, min_grad=min_grad, sigma=sigma, lambda_=lambda_
    )
    res = SCGResult(
        w=w,
        sse=np.array(values) * n_errors,
        gradient=np.array(norms),
        lambda_=np.array(lambdas),
        epochs=len(values) - 1,
        stop=stop,
        n_fev=n_eval,
        n_gev=n_eval,
        n_errors=n_errors,
    )
    fitted = {f.name: getattr(res, f.name) for f in fields(SCGResult)}
    return TrainedSCG(**fitted, net=net, x_scaling=None, t_scaling=None, flat_targets=flat_targets)
