"""Levenberg–Marquardt: a generic least-squares solver and ``train_lm`` for networks.

The solver minimises ``E(x) = ½‖r(x)‖²`` for a residual ``r`` of shape ``(M,)``. With the
Jacobian ``J_r = ∂r/∂x`` of shape ``(M, P)``, ``A = J_rᵀJ_r`` and the gradient ``g = J_rᵀr``,
each trial step solves the damped Gauss–Newton system

    ``(A + μ I) Δ = −g``           (or ``(A + μ diag(A)) Δ = −g`` with Marquardt's scaling)

by a Cholesky factorisation. ``A`` and ``g`` are formed once per epoch and reused by every μ
trial of that epoch. The μ schedule, the stopping rules and the parameter names follow MATLAB's
``trainlm``. Derived in the chapter "Levenberg–Marquardt training".

For a network the book writes the error ``e = t − y`` and ``J = ∂y/∂w``, so with ``r = e`` we
have ``J_r = −J``, ``g = −Jᵀe`` and the step ``Δw = (JᵀJ + μI)⁻¹ Jᵀe``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .forward import forward_trace
from .gauss_newton import gauss_newton
from .validation import as_float_array, check_count, check_finite, check_real

if TYPE_CHECKING:
    from .network import Network

#: Smallest μ; after a success μ is never decreased below this (as in trainlm).
MU_MIN = 1e-20

#: Stop reasons, in the order in which they are tested at the start of every epoch.
STOP_REASONS = ("goal", "epochs", "min_grad", "mu_max", "validation", "callback")

Residual = Callable[[np.ndarray], np.ndarray]
Normal = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray, float]]


@dataclass
class LMResult:
    """What a Levenberg–Marquardt run returns.

    Attributes
    ----------
    w : ndarray, shape (P,)
        Final parameters (with validation data: the parameters of the best validation epoch).
        Always finite.
    sse : ndarray, shape (epochs + 1,)
        ``‖r‖²`` (for a network, the sum of squared errors) after each epoch; ``sse[0]`` is at
        the starting point.
    mu : ndarray, shape (epochs + 1,)
        μ at the start of each epoch (``mu[0]`` is the initial μ).
    gradient : ndarray, shape (epochs + 1,)
        ``‖g‖ = ‖J_rᵀ r‖``, the norm of the gradient of ``½‖r‖²``, after each epoch.
    val_sse : ndarray of shape (epochs + 1,), or None
        Validation sum of squared errors after each epoch, if validation data were given.
    epochs : int
        Number of epochs run (successful or not).
    stop : str
        Why it stopped: one of ``"goal"``, ``"epochs"``, ``"min_grad"``, ``"mu_max"``,
        ``"validation"``, ``"callback"``.
    n_fev : int
        Number of residual evaluations.
    n_jev : int
        Number of Jacobian (or normal-equation) evaluations.
    n_errors : int
        ``M``, the number of residuals (``N·K`` for a network).
    best_epoch : int
        Epoch whose parameters are returned (the last one without validation data).
    """

    w: np.ndarray
    sse: np.ndarray
    mu: np.ndarray
    gradient: np.ndarray
    val_sse: np.ndarray | None
    epochs: int
    stop: str
    n_fev: int
    n_jev: int
    n_errors: int
    best_epoch: int

    @property
    def mse(self) -> np.ndarray:
        """Mean squared error per epoch, ``sse / n_errors``, shape ``(epochs + 1,)``."""
        return self.sse / self.n_errors


# ----- argument checks ----------------------------------------------------------------------
def _check_options(
    epochs: object,
    goal: object,
    mu: object,
    mu_dec: object,
    mu_inc: object,
    mu_max: object,
    min_grad: object,
    max_fail: object,
    scaling: object,
    show: object,
    callback: object,
) -> tuple[int, float, float, float, float, float, float, int]:
    """Validate the trainlm options; return the numeric ones as Python numbers."""
    epochs = check_count(epochs, "epochs", 0)
    goal = check_real(goal, "goal (a mean squared error)", 0.0)
    mu = check_real(mu, "mu", 0.0, open_low=True)
    mu_dec = check_real(mu_dec, "mu_dec", 0.0, open_low=True)
    if mu_dec >= 1.0:
        raise ValueError(f"mu_dec must be in (0, 1) so that a success decreases mu; got {mu_dec!r}")
    mu_inc = check_real(mu_inc, "mu_inc", 1.0, open_low=True)
    mu_max = check_real(mu_max, "mu_max", 0.0, open_low=True)
    if mu > mu_max:
        raise ValueError(f"mu must not exceed mu_max; got mu={mu!r} > mu_max={mu_max!r}")
    min_grad = check_real(min_grad, "min_grad", 0.0)
    max_fail = check_count(max_fail, "max_fail", 1)
    if scaling not in (None, "marquardt"):
        raise ValueError(f"scaling must be None (damping by mu*I) or 'marquardt' (mu*diag(JᵀJ)); got {scaling!r}")
    if show is not None:
        check_count(show, "show (epochs between displays, or None)", 1)
    if callback is not None and not callable(callback):
        raise ValueError(f"callback must be callable as callback(epoch, w, sse, mu) or None; got {callback!r}")
    return epochs, goal, mu, mu_dec, mu_inc, mu_max, min_grad, max_fail


# ----- the damped step ----------------------------------------------------------------------
def damping_diagonal(A: np.ndarray, scaling: str | None) -> np.ndarray:
    """The diagonal ``d`` of the damping term ``μ diag(d)``.

    Parameters
    ----------
    A : ndarray, shape (P, P)
        ``J_rᵀJ_r``.
    scaling : None or "marquardt"
        ``None``: ``d = 1`` (Levenberg's ``μI``). ``"marquardt"``: ``d = diag(A)`` (Marquardt's
        scale-invariant damping), with zeros raised to ``1e-12·max(diag(A))`` (or 1 if ``A = 0``)
        so that the damped matrix stays positive definite.

    Returns
    -------
    ndarray, shape (P,)
    """
    if scaling is None:
        return np.ones(A.shape[0])
    d = np.diag(A).copy()
    top = d.max(initial=0.0)
    return np.maximum(d, 1e-12 * top) if top > 0 else np.ones_like(d)


def damped_step(A: np.ndarray, g: np.ndarray, mu: float, d: np.ndarray) -> np.ndarray | None:
    """Solve ``(A + μ diag(d)) Δ = −g`` by Cholesky; ``None`` if the factorisation fails.

    Parameters
    ----------
    A : ndarray, shape (P, P)
        Symmetric positive semi-definite ``J_rᵀJ_r``.
    g : ndarray, shape (P,)
        Gradient ``J_rᵀr`` of ``½‖r‖²``.
    mu : float
        Damping, ``> 0``.
    d : ndarray, shape (P,)
        Positive damping diagonal from :func:`damping_diagonal`.

    Returns
    -------
    ndarray of shape (P,), or None
        The step ``Δ``; ``None`` when ``A + μ diag(d)`` is not numerically positive definite
        (round-off with a tiny μ and a singular ``A``), so the caller increases μ.
    """
    M = A.copy()
    M.flat[:: A.shape[0] + 1] += mu * d
    # numpy (our only dependency) has Cholesky but no triangular solve: the factorisation tells
    # whether M is numerically positive definite, then LAPACK's LU solve (stable on a definite M)
    # gives the step. Two O(P³) factorisations, still far cheaper than the Jacobian for our sizes.
    try:
        np.linalg.cholesky(M)
        step = np.linalg.solve(M, -g)
    except np.linalg.LinAlgError:
        return None
    return step if np.all(np.isfinite(step)) else None


# ----- the generic solver -------------------------------------------------------------------
def _as_residual(value: object, n_errors: int | None) -> np.ndarray:
    """Return what ``residual(x)`` gave as a float vector of ``n_errors`` entries (checked shape)."""
    r = as_float_array(value, "residual(x)")
    if r.ndim != 1 or r.size == 0 or (n_errors is not None and r.size != n_errors):
        want = "M >= 1" if n_errors is None else str(n_errors)
        raise ValueError(f"residual(x) must return a 1-D array of length {want}; got shape {r.shape}")
    return r


def _normal_from_jacobian(jacobian: Residual, n_params: int) -> Callable[[np.ndarray, np.ndarray], tuple]:
    """Turn ``jacobian(x) -> J_r (M, P)`` into ``(x, r) -> (J_rᵀJ_r, J_rᵀr)``."""

    def normal(x: np.ndarray, r: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        J = as_float_array(jacobian(x), "jacobian(x)")
        if J.shape != (r.size, n_params):
            raise ValueError(f"jacobian(x) must return shape ({r.size}, {n_params}) = (M, P); got {J.shape}")
        return J.T @ J, J.T @ r

    return normal


def _normal_from_callable(normal_equations: Normal, n_params: int) -> Callable[[np.ndarray, np.ndarray], tuple]:
    """Wrap ``normal_equations(x) -> (A, g, sse)`` as ``(x, r) -> (A, g)`` with shape checks."""

    def normal(x: np.ndarray, r: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        A, g, _ = normal_equations(x)
        A = as_float_array(A, "normal_equations(x)[0]")
        g = as_float_array(g, "normal_equations(x)[1]")
        if A.shape != (n_params, n_params) or g.shape != (n_params,):
            raise ValueError(
                f"normal_equations(x) must return (A, g, sse) with A of shape ({n_params}, {n_params}) and g "
                f"of shape ({n_params},); got {A.shape} and {g.shape}"
            )
        return A, g

    return normal


def levenberg_marquardt(
    residual: Residual,
    jacobian: Residual | None,
    x0: object,
    *,
    normal_equations: Normal | None = None,
    epochs: int = 1000,
    goal: float = 0.0,
    mu: float = 1e-3,
    mu_dec: float = 0.1,
    mu_inc: float = 10.0,
    mu_max: float = 1e10,
    min_grad: float = 1e-7,
    max_fail: int = 6,
    val_residual: Residual | None = None,
    scaling: str | None = None,
    show: int | None = None,
    callback: Callable[[int, np.ndarray, float, float], bool | None] | None = None,
) -> LMResult:
    """Minimise ``½‖r(x)‖²`` by Levenberg–Marquardt with trainlm's μ schedule.

    Sign convention: ``residual(x)`` returns ``r`` of shape ``(M,)`` and ``jacobian(x)`` returns
    ``J_r = ∂r/∂x`` of shape ``(M, P)`` (the derivative of the residual itself, whatever sign
    the residual has). The gradient of ``½‖r‖²`` is ``g = J_rᵀr`` and each trial step solves
    ``(J_rᵀJ_r + μI) Δ = −g``.

    Every epoch: test the stopping rules (in the order of :data:`STOP_REASONS`); then try the
    step for the current μ; if it lowers ``‖r‖²``, accept it and set ``μ ← max(μ·mu_dec, 1e-20)``;
    otherwise set ``μ ← μ·mu_inc`` and try again, while ``μ <= mu_max``. A trial whose residual
    (or, at the new point, ``A`` or ``g``) is NaN or infinite is rejected like one that does not
    lower the error, as is a step whose Cholesky factorisation fails; so the returned parameters
    are always finite.

    Parameters
    ----------
    residual : callable
        ``residual(x)`` with ``x`` of shape ``(P,)`` returns ``r`` of shape ``(M,)``.
    jacobian : callable or None
        ``jacobian(x)`` returns ``∂r/∂x`` of shape ``(M, P)``. ``None`` when
        ``normal_equations`` is given instead.
    x0 : array_like, shape (P,)
        Starting point, finite.
    normal_equations : callable, optional
        ``normal_equations(x)`` returns ``(A, g, sse)``: ``A = J_rᵀJ_r`` of shape ``(P, P)``,
        ``g = J_rᵀr`` of shape ``(P,)`` (its ``sse`` is not used). Lets the caller accumulate
        them without ever holding ``J_r`` (for a network, :func:`lmnotes.gauss_newton`).
    epochs : int, default 1000
        Maximum number of epochs.
    goal : float, default 0
        Stop when the mean square ``‖r‖²/M`` is ``<= goal`` (trainlm's goal on the MSE).
    mu, mu_dec, mu_inc, mu_max : float
        Initial μ (> 0), its decrease factor after a success (in (0, 1)), its increase factor
        after a failure (> 1), and the μ above which training stops.
    min_grad : float, default 1e-7
        Stop when ``‖g‖ < min_grad``.
    max_fail : int, default 6
        With ``val_residual``: stop after this many epochs in a row without a new lowest
        validation error.
    val_residual : callable, optional
        ``val_residual(x)`` returns the validation residuals, shape ``(M_val,)``. The returned
        parameters are then those of the epoch with the lowest validation error.
    scaling : None or "marquardt"
        Damp with ``μI`` (Levenberg, trainlm) or ``μ diag(J_rᵀJ_r)`` (Marquardt).
    show : int, optional
        Print a progress line every ``show`` epochs and when stopping.
    callback : callable, optional
        ``callback(epoch, x, sse, mu)`` is called at the start of every epoch; returning
        ``True`` stops the run (reason ``"callback"``).

    Returns
    -------
    LMResult
    """
    x = as_float_array(x0, "x0").copy()
    if x.ndim != 1 or x.size == 0:
        raise ValueError(f"x0 must be a 1-D vector of parameters (P,); got shape {x.shape}")
    check_finite(x, "x0")
    if not callable(residual):
        raise ValueError(f"residual must be callable as residual(x) -> (M,) array; got {residual!r}")
    if (jacobian is None) == (normal_equations is None):
        raise ValueError("give exactly one of jacobian (x -> (M, P) array) and normal_equations (x -> (A, g, sse))")
    if val_residual is not None and not callable(val_residual):
        raise ValueError(f"val_residual must be callable or None; got {val_residual!r}")
    epochs, goal, mu, mu_dec, mu_inc, mu_max, min_grad, max_fail = _check_options(
        epochs, goal, mu, mu_dec, mu_inc, mu_max, min_grad, max_fail, scaling, show, callback
    )
    n_params = x.size
    if jacobian is not None:
        if not callable(jacobian):
            raise ValueError(f"jacobian must be callable as jacobian(x) -> (M, P) array; got {jacobian!r}")
        normal = _normal_from_jacobian(jacobian, n_params)
    else:
        if not callable(normal_equations):
            raise ValueError(f"normal_equations must be callable as x -> (A, g, sse); got {normal_equations!r}")
        normal = _normal_from_callable(normal_equations, n_params)

    r = _as_residual(residual(x), None)
    check_finite(r, "residual(x0)")
    n_errors = r.size
    sse = float(r @ r)
    A, g = normal(x, r)
    check_finite(A, "J_rᵀJ_r at x0")
    check_finite(g, "J_rᵀr at x0")
    n_fev, n_jev = 1, 1

    def val_sse_at(point: np.ndarray) -> float:
        v = as_float_array(val_residual(point), "val_residual(x)")
        return float(v @ v) if np.all(np.isfinite(v)) else np.inf

    sse_hist, mu_hist, grad_hist, val_hist = [], [], [], []
    best_x, best_val, best_epoch, val_fail = x, np.inf, 0, 0
    epoch = 0
    while True:
        grad_norm = float(np.linalg.norm(g))
        sse_hist.append(sse)
        mu_hist.append(mu)
        grad_hist.append(grad_norm)
        if val_residual is not None:
            v = val_sse_at(x)
            val_hist.append(v)
            if v < best_val:
                best_x, best_val, best_epoch, val_fail = x, v, epoch, 0
            else:
                val_fail += 1
        user_stop = bool(callback(epoch, x.copy(), sse, mu)) if callback is not None else False
        stop = _stop_reason(
            sse / n_errors <= goal,
            epoch >= epochs,
            grad_norm < min_grad,
            mu > mu_max,
            val_residual is not None and val_fail >= max_fail,
            user_stop,
        )
        if show is not None and (epoch % show == 0 or stop is not None):
            line = f"Epoch {epoch}/{epochs}, MSE {sse / n_errors:.3e}/{goal:.3g}, "
            print(line + f"Gradient {grad_norm:.3e}/{min_grad:.3g}, mu {mu:.1e}")
            if stop is not None:
                print(f"Stopped: {stop}")
        if stop is not None:
            break

        d = damping_diagonal(A, scaling)
        while mu <= mu_max:
            step = damped_step(A, g, mu, d)
            if step is not None:
                x_new = x + step
                r_new = _as_residual(residual(x_new), n_errors)
                n_fev += 1
                sse_new = float(r_new @ r_new)
                if np.isfinite(sse_new) and sse_new < sse:
                    A_new, g_new = normal(x_new, r_new)
                    n_jev += 1
                    if np.all(np.isfinite(A_new)) and np.all(np.isfinite(g_new)):
                        x, r, sse, A, g = x_new, r_new, sse_new, A_new, g_new
                        mu = max(mu * mu_dec, MU_MIN)
                        break
            mu *= mu_inc
        epoch += 1

    if val_residual is None:
        best_x, best_epoch = x, epoch
    return LMResult(
        w=best_x.copy(),
        sse=np.array(sse_hist),
        mu=np.array(mu_hist),
        gradient=np.array(grad_hist),
        val_sse=np.array(val_hist) if val_residual is not None else None,
        epochs=epoch,
        stop=stop,
        n_fev=n_fev,
        n_jev=n_jev,
        n_errors=n_errors,
        best_epoch=best_epoch,
    )


def _stop_reason(*flags: bool) -> str | None:
    """The first reason of :data:`STOP_REASONS` whose flag is set, or ``None``."""
    return next((reason for reason, flag in zip(STOP_REASONS, flags) if flag), None)


# ----- networks -----------------------------------------------------------------------------
def train_lm(
    net: Network,
    X: object,
    T: object,
    w0: object = None,
    epochs: int = 1000,
    goal: float = 0.0,
    mu: float = 1e-3,
    mu_dec: float = 0.1,
    mu_inc: float = 10.0,
    mu_max: float = 1e10,
    min_grad: float = 1e-7,
    max_fail: int = 6,
    X_val: object = None,
    T_val: object = None,
    scaling: str | None = None,
    show: int | None = None,
    callback: Callable[[int, np.ndarray, float, float], bool | None] | None = None,
    chunk: int | None = None,
) -> LMResult:
    """Train a network by Levenberg–Marquardt, as MATLAB's ``trainlm`` does.

    The error is ``e = t − y`` (all ``N·K`` entries stacked sample by sample), ``J = ∂y/∂w``,
    and each trial step is ``Δw = (JᵀJ + μI)⁻¹ Jᵀe``. ``JᵀJ`` and ``Jᵀe`` are accumulated over
    chunks of samples by :func:`lmnotes.gauss_newton`, once per epoch, and reused by all the μ
    trials of the epoch.

    Parameters
    ----------
    net : Network
    X : array_like, shape (N, D)
        Training inputs, one sample a row.
    T : array_like, shape (N, K)
        Training targets.
    w0 : array_like of shape (W,), optional
        Initial weights; default ``net.init_weights(seed=0)``.
    epochs : int, default 1000
        Maximum number of epochs.
    goal : float, default 0
        Performance goal on the **mean** squared error ``Σe²/(N·K)`` (trainlm's ``mse``), not
        on the sum.
    mu : float, default 1e-3
        Initial damping μ.
    mu_dec : float, default 0.1
        After a step that lowers the error, ``μ ← μ·mu_dec`` (never below 1e-20).
    mu_inc : float, default 10
        After a step that does not, ``μ ← μ·mu_inc`` and the step is tried again.
    mu_max : float, default 1e10
        Training stops when μ exceeds this.
    min_grad : float, default 1e-7
        Training stops when ``‖Jᵀe‖``, the norm of the gradient of ``½Σe²``, is below this.
    max_fail : int, default 6
        Validation stop after this many epochs in a row without a new lowest validation error.
    X_val : array_like of shape (N_val, D), optional
    T_val : array_like of shape (N_val, K), optional
        Validation data for early stopping (give both or neither). With them, the returned
        weights are those of the epoch with the lowest validation error.
    scaling : None or "marquardt"
        ``"marquardt"`` damps with ``μ diag(JᵀJ)`` instead of ``μI``.
    show : int, optional
        Print a progress line (epoch, MSE, gradient, μ) every ``show`` epochs and at the end.
    callback : callable, optional
        ``callback(epoch, w, sse, mu)``, called at the start of every epoch; return ``True``
        to stop (reason ``"callback"``).
    chunk : int, optional
        Samples per chunk in :func:`lmnotes.gauss_newton` (default: about 32 MiB of Jacobian).

    Returns
    -------
    LMResult
        ``w`` (W,), per-epoch ``sse``, ``mu``, ``gradient`` and ``val_sse`` (epochs + 1,), the
        number of ``epochs``, the ``stop`` reason, ``n_fev`` forward passes and ``n_jev``
        Jacobian accumulations; ``res.mse`` is the per-epoch MSE.
    """
    X = net.check_inputs(X)
    T = net.check_targets(T, X.shape[0])
    w0 = net.init_weights(seed=0) if w0 is None else net.check_weights(w0)
    if (X_val is None) != (T_val is None):
        raise ValueError("X_val and T_val must be given together (validation inputs and targets) or not at all")
    if chunk is not None:
        check_count(chunk, "chunk", 1, "a positive integer number of samples or None")

    def residual(w: np.ndarray) -> np.ndarray:
        return (T - forward_trace(net, w, X)[-1]).ravel()

    def normal_equations(w: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
        JtJ, Jte, sse = gauss_newton(net, w, X, T, chunk=chunk)
        return JtJ, -Jte, sse  # r = e has ∂r/∂w = −J, so g = −Jᵀe

    val_residual = None
    if X_val is not None:
        X_val = net.check_inputs(X_val)
        T_val = net.check_targets(T_val, X_val.shape[0])

        def val_residual(w: np.ndarray) -> np.ndarray:
            return (T_val - forward_trace(net, w, X_val)[-1]).ravel()

    return levenberg_marquardt(
        residual,
        None,
        w0,
        normal_equations=normal_equations,
        epochs=epochs,
        goal=goal,
        mu=mu,
        mu_dec=mu_dec,
        mu_inc=mu_inc,
        mu_max=mu_max,
        min_grad=min_grad,
        max_fail=max_fail,
        val_residual=val_residual,
        scaling=scaling,
        show=show,
        callback=callback,
    )
