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

For curve fitting the solver also stops on MINPACK's relative tolerances ``ftol`` and ``xtol``
and reports the statistics of the fit: ``J_r`` at the solution, the covariance
``σ²(J_rᵀJ_r)⁻¹`` with ``σ² = ‖r‖²/(M − P)``, and the standard errors.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass, fields
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np
from scipy.linalg.lapack import dposv

from .forward import forward_trace
from .gauss_newton import _accumulate, _is_finite, default_chunk
from .jacobian import overflow_error
from .model import TrainedNetwork
from .normalize import Normalizer, check_method, fit_normalizer
from .validation import as_float_array, check_count, check_finite, check_real

if TYPE_CHECKING:
    from .network import Network

#: Smallest μ; after a success μ is never decreased below this (as in trainlm).
MU_MIN = 1e-20

#: Smallest ``mu_inc``. With ``mu_inc >= MU_INC_MIN`` an epoch tries at most
#: ``1 + log(mu_max/μ)/log(mu_inc)`` values of μ (:func:`max_trials`), about 3000 from trainlm's
#: ``mu = 1e-3`` to ``mu_max = 1e10``, so every valid set of options ends after a bounded number
#: of trials. (``mu_inc = 1 + 1e-12`` would need 3·10¹³ trials for that climb.)
MU_INC_MIN = 1.01

#: The stop reasons. The first eight are tested, in this order, at the start of every epoch;
#: ``"interrupted"`` is a KeyboardInterrupt (the result so far, see :func:`levenberg_marquardt`).
STOP_REASONS = ("goal", "epochs", "min_grad", "mu_max", "ftol", "xtol", "validation", "callback", "interrupted")

#: What each stop reason means, the start of ``LMResult.message``.
STOP_MESSAGES = {
    "goal": "the mean squared error reached goal",
    "epochs": "the maximum number of epochs was run",
    "min_grad": "the gradient norm fell below min_grad",
    "mu_max": "mu exceeded mu_max: no step lowered the error",
    "ftol": "the relative reduction of the sum of squares, actual and predicted, is at most ftol",
    "xtol": "the relative step is at most xtol",
    "validation": "the validation error did not improve for max_fail epochs in a row",
    "callback": "the callback asked to stop",
    "interrupted": "interrupted (KeyboardInterrupt): the result up to the last completed epoch",
}

#: Added to the message when validation data were given but no epoch had a finite validation error.
NO_FINITE_VALIDATION = (
    "; no epoch had a finite validation error, so the parameters are those of the last epoch, not of "
    "the best validation epoch"
)

#: Added to the message when no step from x0 was accepted and the smallest one went uphill.
UPHILL_HINT = (
    "; no step from x0 lowered the error and even the smallest went uphill as much as it was "
    "predicted to go down: the Jacobian's sign probably does not match the residual's "
    "(jacobian must return ∂r/∂x of r = residual(x), e.g. ∂(model − data)/∂x when r = model − data)"
)

#: MINPACK's default ``ftol`` and ``xtol`` (as in ``scipy.optimize.leastsq``): √(machine ε).
DEFAULT_TOL = 1.49012e-08

#: Relative step of the central differences of ``jacobian="fd"``: ∛(machine ε).
FD_STEP = float(np.finfo(float).eps) ** (1.0 / 3.0)

Residual = Callable[[np.ndarray], np.ndarray]
Normal = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray, float]]
#: ``(x, r) -> (J_rᵀJ_r, J_rᵀr, J_r or None)``: what the solver evaluates at every accepted point.
NormalAt = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray, np.ndarray | None]]


@dataclass
class LMResult:
    """What a Levenberg–Marquardt run returns.

    Attributes
    ----------
    w : ndarray, shape (P,)
        Final parameters. With validation data, those of the epoch with the lowest finite
        validation error (if no epoch had one, those of the last epoch, and ``message`` says so).
        Always finite.
    sse : ndarray, shape (epochs + 1,)
        ``‖r‖²`` (for a network, the sum of squared errors) after each epoch; ``sse[0]`` is at
        the starting point.
    mu : ndarray, shape (epochs + 1,)
        μ at the start of each epoch (``mu[0]`` is the initial μ).
    gradient : ndarray, shape (epochs + 1,)
        ``‖g‖ = ‖J_rᵀ r‖``, the norm of the gradient of ``½‖r‖²``, after each epoch.
    val_sse : ndarray of shape (epochs + 1,), or None
        Validation sum of squared errors after each epoch, if validation data were given;
        ``inf`` where the validation residuals (or their sum of squares) are not finite.
    epochs : int
        Number of epochs run (successful or not).
    stop : str
        Why it stopped: one of :data:`STOP_REASONS` (``"interrupted"``: a KeyboardInterrupt).
    n_fev : int
        Number of residual evaluations (those of ``jacobian="fd"`` included).
    n_jev : int
        Number of Jacobian (or normal-equation) evaluations.
    n_errors : int
        ``M``, the number of residuals (``N·K`` for a network).
    best_epoch : int
        Epoch whose parameters are returned (the last one without validation data).
    message : str
        The stop reason in words, with a hint when the Jacobian's sign looks wrong, and a note
        when validation data were given but no epoch had a finite validation error.
    jac : ndarray of shape (M, P), or None
        ``J_r`` at the returned parameters; ``None`` on the ``normal_equations`` path (and for
        networks), which never forms it.
    jtj : ndarray, shape (P, P)
        ``J_rᵀJ_r`` at the returned parameters.
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
    message: str
    jac: np.ndarray | None
    jtj: np.ndarray

    @property
    def mse(self) -> np.ndarray:
        """Mean squared error per epoch, ``sse / n_errors``, shape ``(epochs + 1,)``."""
        return self.sse / self.n_errors

    @cached_property
    def cov(self) -> np.ndarray | None:
        """Covariance of the fitted parameters, ``σ²(J_rᵀJ_r)⁻¹``, shape ``(P, P)``.

        ``σ² = ‖r‖²/(M − P)`` at the returned parameters, the residual variance of a
        least-squares fit (as ``scipy.optimize.curve_fit`` with ``absolute_sigma=False``).
        ``None`` when ``M <= P``. When ``J_rᵀJ_r`` is singular (rank below ``P`` at a relative
        tolerance ``P·ε``) the pseudo-inverse is used and a ``RuntimeWarning`` says so: some
        combinations of parameters are then not determined by the data.
        """
        n_params = self.w.size
        if self.n_errors <= n_params:
            return None
        sigma2 = float(self.sse[self.best_epoch]) / (self.n_errors - n_params)
        singular = np.linalg.matrix_rank(self.jtj, tol=None, hermitian=True) < n_params
        if singular:
            warnings.warn(
                "J_rᵀJ_r is singular at the solution: cov uses its pseudo-inverse, and the parameters "
                "along its null space are not determined by the data",
                RuntimeWarning,
                stacklevel=3,  # the line that reads res.cov (through cached_property)
            )
        inverse = np.linalg.pinv(self.jtj, hermitian=True) if singular else np.linalg.inv(self.jtj)
        return sigma2 * inverse

    @property
    def stderr(self) -> np.ndarray | None:
        """Standard errors of the fitted parameters, ``sqrt(diag(cov))``, shape ``(P,)``; ``None`` if M <= P."""
        cov = self.cov
        return None if cov is None else np.sqrt(np.diag(cov))


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
    mu_inc = check_real(mu_inc, "mu_inc", 0.0, open_low=True)
    if mu_inc < MU_INC_MIN:
        raise ValueError(
            f"mu_inc must be at least {MU_INC_MIN} (each rejected step multiplies mu by it: a smaller factor "
            f"takes too many trials to reach mu_max); got {mu_inc!r}"
        )
    mu_max = check_real(mu_max, "mu_max", 0.0, open_low=True)
    if mu > mu_max:
        raise ValueError(f"mu must not exceed mu_max; got mu={mu!r} > mu_max={mu_max!r}")
    min_grad = check_real(min_grad, "min_grad", 0.0)
    max_fail = check_count(max_fail, "max_fail", 1)
    if scaling not in (None, "marquardt"):
        raise ValueError(
            f"scaling must be None (damping by mu*I) or 'marquardt' (mu*diag(JᵀJ)); got {scaling!r} "
            "(to rescale the data, use normalize='minmax' or 'std')"
        )
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

    One Cholesky factorisation ``LLᵀ`` of the damped matrix (about ``P³/3`` flops) and two
    triangular solves (``2P²``), in one call of LAPACK's ``dposv``. The factorisation is also
    the test of positive definiteness: it fails exactly when a pivot is not positive.

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
    # M is symmetric, so its transpose (a Fortran-ordered view) is M itself: LAPACK reads it in
    # place, no copy. info > 0: the leading minor of that order is not positive definite.
    _, step, info = dposv(M.T, -g, lower=True, overwrite_a=True, overwrite_b=True)
    if info != 0:
        return None
    return step if np.isfinite(step).all() else None


# ----- the generic solver -------------------------------------------------------------------
def _as_residual(value: object, n_errors: int | None) -> np.ndarray:
    """Return what ``residual(x)`` gave as a float vector of ``n_errors`` entries (checked shape)."""
    r = as_float_array(value, "residual(x)")
    if r.ndim != 1 or r.size == 0 or (n_errors is not None and r.size != n_errors):
        want = "M >= 1" if n_errors is None else str(n_errors)
        raise ValueError(f"residual(x) must return a 1-D array of length {want}; got shape {r.shape}")
    return r


def fd_residual_jacobian(residual: Residual, x: np.ndarray) -> np.ndarray:
    """``J_r`` by central differences with a step relative to each parameter's size.

    Column ``j`` is ``(r(x + h_j e_j) − r(x − h_j e_j)) / (2 h_j)`` with
    ``h_j = ∛ε · max(1, |x_j|)`` (``ε`` the machine epsilon), which balances the ``O(h²)``
    truncation error against the ``O(ε/h)`` round-off. Non-finite values are passed on, so that
    the solver rejects the trial instead of failing.

    Parameters
    ----------
    residual : callable
        ``x -> r`` of shape ``(M,)``.
    x : ndarray, shape (P,)

    Returns
    -------
    ndarray, shape (M, P)
    """
    columns = []
    for j, h in enumerate(FD_STEP * np.maximum(1.0, np.abs(x))):
        up, down = x.copy(), x.copy()
        up[j] += h
        down[j] -= h
        columns.append((residual(up) - residual(down)) / (up[j] - down[j]))  # the step actually taken
    return np.stack(columns, axis=1)


def _normal_from_jacobian(jacobian: Residual, n_params: int) -> NormalAt:
    """Turn ``jacobian(x) -> J_r (M, P)`` into ``(x, r) -> (J_rᵀJ_r, J_rᵀr, J_r)``."""

    def normal(x: np.ndarray, r: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        J = as_float_array(jacobian(x), "jacobian(x)")
        if J.shape != (r.size, n_params):
            raise ValueError(f"jacobian(x) must return shape ({r.size}, {n_params}) = (M, P); got {J.shape}")
        return J.T @ J, J.T @ r, J

    return normal


def _normal_from_callable(normal_equations: Normal, n_params: int) -> NormalAt:
    """Wrap ``normal_equations(x) -> (A, g, sse)`` as ``(x, r) -> (A, g, None)`` with shape checks."""

    def normal(x: np.ndarray, r: np.ndarray) -> tuple[np.ndarray, np.ndarray, None]:
        returned = normal_equations(x)
        if not isinstance(returned, (tuple, list)) or len(returned) != 3:
            got = f"{len(returned)} items" if isinstance(returned, (tuple, list)) else repr(type(returned).__name__)
            raise ValueError(
                f"normal_equations(x) must return a tuple (A, g, sse) of A = J_rᵀJ_r ({n_params}, {n_params}), "
                f"g = J_rᵀr ({n_params},) and the sum of squares (a float); got {got}"
            )
        A, g, sse = returned
        if np.ndim(sse) != 0:
            raise ValueError(f"normal_equations(x)[2] must be the sum of squares, a real number; got {sse!r}")
        as_float_array(sse, "normal_equations(x)[2]")
        A = as_float_array(A, "normal_equations(x)[0]")
        g = as_float_array(g, "normal_equations(x)[1]")
        if A.shape != (n_params, n_params) or g.shape != (n_params,):
            raise ValueError(
                f"normal_equations(x) must return (A, g, sse) with A of shape ({n_params}, {n_params}) and g "
                f"of shape ({n_params},); got {A.shape} and {g.shape}"
            )
        return A, g, None

    return normal


def _with_args(f: Callable | None, args: tuple) -> Callable | None:
    """``x -> f(x, *args)`` (or ``f`` itself without ``args``)."""
    if f is None or not args:
        return f
    return lambda x: f(x, *args)


def _normal_at(
    jacobian: Residual | str | None, normal_equations: Normal | None, args: tuple, residual: Residual, n_params: int
) -> NormalAt:
    """The solver's ``(x, r) -> (A, g, J_r or None)`` from whichever derivative the caller gave."""
    if isinstance(jacobian, str):
        if jacobian != "fd":
            raise ValueError(f'jacobian must be callable, "fd" (finite differences) or None; got {jacobian!r}')
        return _normal_from_jacobian(lambda x: fd_residual_jacobian(residual, x), n_params)
    if jacobian is not None:
        if not callable(jacobian):
            raise ValueError(f'jacobian must be callable as jacobian(x) -> (M, P) array, or "fd"; got {jacobian!r}')
        return _normal_from_jacobian(_with_args(jacobian, args), n_params)
    if not callable(normal_equations):
        raise ValueError(f"normal_equations must be callable as x -> (A, g, sse); got {normal_equations!r}")
    return _normal_from_callable(_with_args(normal_equations, args), n_params)


def _converged(
    sse: float, sse_new: float, step: np.ndarray, x: np.ndarray, A: np.ndarray, g: np.ndarray,
    mu: float, d: np.ndarray, ftol: float, xtol: float,
) -> tuple[str | None, float]:
    """MINPACK's tests on one trial step; return (``"ftol"``, ``"xtol"`` or None, the ratio).

    ``actred = 1 − sse_new/sse`` is the actual and ``prered = (ΔᵀAΔ + 2μ Δᵀdiag(d)Δ)/sse`` the
    predicted relative reduction of the sum of squares (the damped model's, as in MINPACK's
    ``lmder``); ``ftol`` holds when ``|actred| <= ftol``, ``prered <= ftol`` and
    ``actred/prered <= 2``. ``xtol`` holds when ``‖Δ‖ <= xtol·(xtol + ‖x‖)``.
    """
    if not (np.isfinite(sse_new) and sse > 0):
        return None, np.nan
    actred = 1.0 - sse_new / sse
    prered = float(step @ (A @ step) + 2.0 * mu * (d * step) @ step) / sse
    ratio = actred / prered if prered > 0 else 0.0
    if ftol > 0 and abs(actred) <= ftol and prered <= ftol and ratio <= 2.0:
        return "ftol", ratio
    if xtol > 0 and np.linalg.norm(step) <= xtol * (xtol + np.linalg.norm(x)):
        return "xtol", ratio
    return None, ratio


def levenberg_marquardt(
    residual: Residual,
    jacobian: Residual | str | None,
    x0: object,
    *,
    args: tuple = (),
    normal_equations: Normal | None = None,
    epochs: int = 1000,
    goal: float = 0.0,
    mu: float = 1e-3,
    mu_dec: float = 0.1,
    mu_inc: float = 10.0,
    mu_max: float = 1e10,
    min_grad: float = 1e-7,
    ftol: float = DEFAULT_TOL,
    xtol: float = DEFAULT_TOL,
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
    otherwise set ``μ ← μ·mu_inc`` and try again, while ``μ <= mu_max``. After every trial with
    a finite error, MINPACK's relative tests (``ftol``, ``xtol``) may end the run, at the new
    point if the trial was accepted. A trial whose residual (or, at the new point, ``A`` or
    ``g``) is NaN or infinite is rejected like one that does not lower the error, as is a step
    whose Cholesky factorisation fails; so the returned parameters are always finite. An epoch
    tries at most ``1 + log(mu_max/μ)/log(mu_inc)`` values of μ (:func:`max_trials`), so the
    run ends after a bounded number of residual evaluations whatever the options.

    A KeyboardInterrupt (Ctrl-C, or the Jupyter stop button) during the residual, the Jacobian,
    the normal equations or the callback ends the run as MATLAB's Stop button does: it returns
    the result up to the last completed epoch (its parameters, or those of the best validation
    epoch, and the full history) with ``stop="interrupted"``, and warns. The caller's code then
    goes on (the next seed of a loop, say); to stop that too, test ``res.stop == "interrupted"``
    and ``break``. An interrupt before the first epoch is recorded (while ``x0`` is evaluated)
    propagates, as there is nothing to return yet.

    Parameters
    ----------
    residual : callable
        ``residual(x, *args)`` with ``x`` of shape ``(P,)`` returns ``r`` of shape ``(M,)``.
    jacobian : callable, "fd" or None
        ``jacobian(x, *args)`` returns ``∂r/∂x`` of shape ``(M, P)``; ``"fd"`` computes it by
        central differences (:func:`fd_residual_jacobian`, ``2P`` residual calls); ``None``
        when ``normal_equations`` is given instead.
    x0 : array_like, shape (P,)
        Starting point, finite.
    args : tuple, default ()
        Extra arguments passed to ``residual``, ``jacobian``, ``normal_equations`` and
        ``val_residual`` (the data of a curve fit, say).
    normal_equations : callable, optional
        ``normal_equations(x, *args)`` returns ``(A, g, sse)``: ``A = J_rᵀJ_r`` of shape
        ``(P, P)``, ``g = J_rᵀr`` of shape ``(P,)`` (its ``sse`` is not used). Lets the caller
        accumulate them without ever holding ``J_r`` (for a network, :func:`lmnotes.gauss_newton`).
    epochs : int, default 1000
        Maximum number of epochs.
    goal : float, default 0
        Stop when the mean square ``‖r‖²/M`` is ``<= goal`` (trainlm's goal on the MSE).
    mu, mu_dec, mu_inc, mu_max : float
        Initial μ (> 0), its decrease factor after a success (in (0, 1)), its increase factor
        after a failure (``>= 1.01``, :data:`MU_INC_MIN`), and the μ above which training stops.
    min_grad : float, default 1e-7
        Stop when ``‖g‖ < min_grad``.
    ftol : float, default 1.49012e-8
        Stop when both the actual and the predicted relative reduction of ``‖r‖²`` in a trial
        are at most ``ftol`` (MINPACK's definition and default, √ε). ``0`` switches it off.
    xtol : float, default 1.49012e-8
        Stop when a trial step is small relative to the parameters,
        ``‖Δ‖ <= xtol·(xtol + ‖x‖)`` (√ε as in MINPACK). ``0`` switches it off.
    max_fail : int, default 6
        With ``val_residual``: stop after this many epochs in a row without a new lowest
        validation error (a tie, and a NaN or infinite validation error, count as failures).
    val_residual : callable, optional
        ``val_residual(x, *args)`` returns the validation residuals, shape ``(M_val,)``. The
        returned parameters are then those of the epoch with the lowest finite validation
        error; if no epoch had one, those of the last epoch, and ``message`` says so.
    scaling : None or "marquardt"
        Damp with ``μI`` (Levenberg, trainlm) or ``μ diag(J_rᵀJ_r)`` (Marquardt).
    show : int, optional
        Print a progress line every ``show`` epochs and when stopping.
    callback : callable, optional
        ``callback(epoch, x, sse, mu)`` is called at the start of every epoch with a copy of
        ``x``; it returns ``None`` or ``False`` to go on, ``True`` to stop (reason
        ``"callback"``); any other value is a ``ValueError``.

    Returns
    -------
    LMResult
        With ``message``, ``jac`` (``J_r`` at the solution, ``None`` with ``normal_equations``),
        and the statistics ``cov`` and ``stderr`` of the fit.

    Raises
    ------
    ValueError
        For a bad argument, a residual, Jacobian or normal equations of the wrong shape or type,
        a residual at ``x0`` that is not finite or whose sum of squares overflows float64 (scale
        the data or start from smaller parameters), and a callback that returns anything but
        ``None`` or a bool.
    """
    x = as_float_array(x0, "x0").copy()
    if x.ndim != 1 or x.size == 0:
        raise ValueError(f"x0 must be a 1-D vector of parameters (P,); got shape {x.shape}")
    check_finite(x, "x0")
    if not isinstance(args, (tuple, list)):
        raise ValueError(f"args must be a tuple of extra arguments, as in args=(x, y); got {args!r}")
    if not callable(residual):
        raise ValueError(f"residual must be callable as residual(x) -> (M,) array; got {residual!r}")
    if (jacobian is None) == (normal_equations is None):
        raise ValueError(
            'give exactly one of jacobian (x -> (M, P) array, or "fd") and normal_equations (x -> (A, g, sse))'
        )
    if val_residual is not None and not callable(val_residual):
        raise ValueError(f"val_residual must be callable or None; got {val_residual!r}")
    epochs, goal, mu, mu_dec, mu_inc, mu_max, min_grad, max_fail = _check_options(
        epochs, goal, mu, mu_dec, mu_inc, mu_max, min_grad, max_fail, scaling, show, callback
    )
    ftol = check_real(ftol, "ftol", 0.0)
    xtol = check_real(xtol, "xtol", 0.0)
    args = tuple(args)
    n_errors = None  # M, known once the residual at x0 is

    def checked_residual(point: np.ndarray) -> np.ndarray:
        return _as_residual(residual(point, *args), n_errors)

    residual_at = _Counted(checked_residual)
    r = residual_at(x)
    check_finite(r, "residual(x0)")
    n_errors = r.size
    if not np.isfinite(_sum_of_squares(r)):
        raise ValueError(
            f"residual(x0) has a sum of squares beyond float64 (largest |r| = {np.max(np.abs(r)):.3g}): scale the "
            "data (for a network, train_lm's normalize='minmax') or start from smaller parameters x0"
        )
    return _solve(
        residual_at,
        _normal_at(jacobian, normal_equations, args, residual_at, x.size),
        x,
        r,
        epochs=epochs,
        goal=goal,
        mu=mu,
        mu_dec=mu_dec,
        mu_inc=mu_inc,
        mu_max=mu_max,
        min_grad=min_grad,
        ftol=ftol,
        xtol=xtol,
        max_fail=max_fail,
        val_residual=_with_args(val_residual, args),
        scaling=scaling,
        show=show,
        callback=callback,
    )


class _Counted:
    """A function that counts its calls: the solver's ``n_fev``."""

    def __init__(self, f: Residual) -> None:
        self.f, self.calls = f, 0

    def __call__(self, x: np.ndarray) -> np.ndarray:
        self.calls += 1
        return self.f(x)


def _solve(
    residual: _Counted,
    normal: NormalAt,
    x: np.ndarray,
    r: np.ndarray,
    *,
    epochs: int,
    goal: float,
    mu: float,
    mu_dec: float,
    mu_inc: float,
    mu_max: float,
    min_grad: float,
    ftol: float,
    xtol: float,
    max_fail: int,
    val_residual: Residual | None,
    scaling: str | None,
    show: int | None,
    callback: Callable[[int, np.ndarray, float, float], bool | None] | None,
) -> LMResult:
    """The loop of :func:`levenberg_marquardt`, on checked arguments and functions that return checked values.

    Parameters
    ----------
    residual : _Counted
        ``x -> r`` of shape ``(M,)``, already checked (its ``calls`` are ``n_fev``).
    normal : callable
        ``(x, r) -> (J_rᵀJ_r, J_rᵀr, J_r or None)`` at a point whose residual ``r`` has just been
        evaluated (``x0``, or a trial that lowered the error), already checked.
    x : ndarray, shape (P,)
        ``x0``, finite; ``residual`` has been called on it once.
    r : ndarray, shape (M,)
        ``residual(x0)``, finite, with a finite sum of squares.
    epochs, goal, mu, mu_dec, mu_inc, mu_max, min_grad, ftol, xtol, max_fail, scaling, show, callback
        As in :func:`levenberg_marquardt`, checked.
    val_residual : callable, optional
        ``x -> validation residuals`` (its ``args`` already bound).

    Returns
    -------
    LMResult
    """
    n_errors = r.size
    sse = _sum_of_squares(r)
    A, g, J = normal(x, r)
    check_finite(A, "J_rᵀJ_r at x0")
    check_finite(g, "J_rᵀr at x0")
    n_jev = 1

    def val_sse_at(point: np.ndarray) -> float:
        v = as_float_array(val_residual(point), "val_residual(x)")
        return _sum_of_squares(v) if np.all(np.isfinite(v)) else np.inf

    # One row (sse, mu, ‖g‖, validation sse) per completed epoch, appended in one step, and the
    # point of the last completed epoch: what a KeyboardInterrupt returns.
    history: list[tuple[float, float, float, float | None]] = []
    recorded = None
    best, best_val, best_epoch, val_fail = None, np.inf, 0, 0  # best finite validation epoch
    tolerance_met, accepted_any, last_ratio = None, False, np.nan
    epoch = 0
    try:
        while True:
            grad_norm = math.sqrt(g @ g)  # np.linalg.norm's own formula, without its Python wrapper
            v = val_sse_at(x) if val_residual is not None else None
            history.append((sse, mu, grad_norm, v))
            recorded = (epoch, x, A, J)
            if v is not None:
                if v < best_val:  # a NaN or infinite validation error (v = inf) is a failure
                    best, best_val, best_epoch, val_fail = (x, A, J), v, epoch, 0
                else:
                    val_fail += 1
            user_stop = _stop_requested(callback(epoch, x.copy(), sse, mu)) if callback is not None else False
            stop = _stop_reason(
                sse / n_errors <= goal,
                epoch >= epochs,
                grad_norm < min_grad,
                mu > mu_max,
                tolerance_met == "ftol",
                tolerance_met == "xtol",
                val_residual is not None and val_fail >= max_fail,
                user_stop,
            )
            if show is not None and (epoch % show == 0 or stop is not None):
                line = f"Epoch {epoch}/{epochs}, MSE {sse / n_errors:.3e}/{goal:.3g}, "
                print(line + f"Gradient {grad_norm:.3e}/{min_grad:.3g}, mu {mu:.1e}")
            if stop is not None:
                break

            d = damping_diagonal(A, scaling)
            while mu <= mu_max:
                step = damped_step(A, g, mu, d)
                if step is not None:
                    x_new = x + step
                    r_new = residual(x_new)
                    sse_new = _sum_of_squares(r_new)
                    if ftol > 0 or xtol > 0 or not accepted_any:  # else only the uphill hint would read it
                        tolerance_met, last_ratio = _converged(sse, sse_new, step, x, A, g, mu, d, ftol, xtol)
                    if np.isfinite(sse_new) and sse_new < sse:
                        A_new, g_new, J_new = normal(x_new, r_new)
                        n_jev += 1
                        if np.isfinite(A_new).all() and np.isfinite(g_new).all():
                            x, r, sse, A, g, J = x_new, r_new, sse_new, A_new, g_new, J_new
                            mu = max(mu * mu_dec, MU_MIN)
                            accepted_any = True
                            break
                    if tolerance_met is not None:
                        break
                mu *= mu_inc
            epoch += 1
    except KeyboardInterrupt:
        if recorded is None:  # interrupted before the first epoch was recorded: no result yet
            raise
        stop = "interrupted"
        del history[recorded[0] + 1 :]  # a row appended just before the interrupt, without its point
        warnings.warn(
            f"interrupted (KeyboardInterrupt) after epoch {recorded[0]}: returning the result so far with "
            "stop='interrupted'. The code after this call goes on running; to stop it too (a loop over seeds, "
            "say), test res.stop == 'interrupted' and break",
            stacklevel=3,  # the call of levenberg_marquardt or train_lm
        )
    if show is not None:
        print(f"Stopped: {stop}")

    epoch, *last = recorded
    message = STOP_MESSAGES[stop]
    if val_residual is None:
        best, best_epoch = last, epoch
    elif best is None:  # no epoch had a finite validation error: the last epoch's parameters
        best, best_epoch = last, epoch
        message += NO_FINITE_VALIDATION
    best_x, best_A, best_J = best
    if not accepted_any and stop in ("mu_max", "ftol", "xtol") and last_ratio < -0.5:
        message += UPHILL_HINT
    sse_hist, mu_hist, grad_hist, val_hist = zip(*history)
    return LMResult(
        w=best_x.copy(),
        sse=np.array(sse_hist),
        mu=np.array(mu_hist),
        gradient=np.array(grad_hist),
        val_sse=np.array(val_hist) if val_residual is not None else None,
        epochs=epoch,
        stop=stop,
        n_fev=residual.calls,
        n_jev=n_jev,
        n_errors=n_errors,
        best_epoch=best_epoch,
        message=message,
        jac=best_J,
        jtj=best_A,
    )


def _sum_of_squares(r: np.ndarray) -> float:
    """``‖r‖²``; ``inf`` (without a RuntimeWarning) when it overflows float64."""
    with np.errstate(over="ignore"):
        return float(r @ r)


def _stop_requested(value: object) -> bool:
    """What the callback returned, as a bool: ``None`` and ``False`` go on, ``True`` stops."""
    if value is None or isinstance(value, (bool, np.bool_)):
        return bool(value)
    raise ValueError(
        f"callback must return None or False (go on) or True (stop); it returned {value!r} "
        f"of type {type(value).__name__}"
    )


def max_trials(mu: float, mu_inc: float, mu_max: float) -> int:
    """A bound on the μ trials of an epoch that starts at ``mu``: ``2 + ⌊log(mu_max/mu)/log(mu_inc)⌋``.

    The trials use ``mu, mu·mu_inc, mu·mu_inc², …`` while ``<= mu_max``: ``1 + ⌊log(mu_max/mu)/
    log(mu_inc)⌋`` of them in exact arithmetic, and one more at most when the rounded products fall
    just below ``mu_max``. ``0`` when ``mu > mu_max``. With ``mu_inc >= MU_INC_MIN`` and trainlm's
    defaults (``mu = 1e-3``, ``mu_max = 1e10``) the bound is 3010; from ``mu = 1e-20`` it is 6944.
    """
    if mu > mu_max:
        return 0
    return 2 + int(np.floor(np.log(mu_max / mu) / np.log(mu_inc) + 1e-9))  # 1e-9: the logarithms' rounding


def _stop_reason(*flags: bool) -> str | None:
    """The first reason of :data:`STOP_REASONS` whose flag is set, or ``None``."""
    return next((reason for reason, flag in zip(STOP_REASONS, flags) if flag), None)


# ----- networks -----------------------------------------------------------------------------
@dataclass
class TrainedLM(TrainedNetwork, LMResult):
    """What :func:`train_lm` returns: the run's :class:`LMResult` and the trained network.

    Besides the attributes of :class:`LMResult` (all errors in the units of ``T``) and the
    methods of :class:`lmnotes.model.TrainedNetwork` (``predict``, ``layers``, ``save``):

    Attributes
    ----------
    net : Network
    x_scaling, t_scaling : Normalizer or None
        The scalings of ``normalize=``, fitted on the training data: MATLAB's ``xoffset``,
        ``gain`` and ``ymin`` are ``x_scaling.offset``, ``.gain`` and ``.ymin``.
    flat_targets : bool
        True when ``T`` was 1-D; ``predict`` then returns 1-D outputs.
    test_sse : ndarray of shape (epochs + 1,), or None
        Sum of squared test errors after each epoch, if test data were given (``inf`` where
        the outputs or the sum overflow float64).
    n_val_errors, n_test_errors : int
        ``N_val·K`` and ``N_test·K`` (0 without those data).
    """

    kind = "lm"
    net: Network
    x_scaling: Normalizer | None
    t_scaling: Normalizer | None
    flat_targets: bool
    test_sse: np.ndarray | None
    n_val_errors: int
    n_test_errors: int

    @property
    def val_mse(self) -> np.ndarray | None:
        """Validation mean squared error per epoch, shape ``(epochs + 1,)``; ``None`` without validation data."""
        return None if self.val_sse is None else self.val_sse / self.n_val_errors

    @property
    def test_mse(self) -> np.ndarray | None:
        """Test mean squared error per epoch, shape ``(epochs + 1,)``; ``None`` without test data."""
        return None if self.test_sse is None else self.test_sse / self.n_test_errors


def _check_pair(net: Network, X: object, T: object, name: str) -> tuple[np.ndarray, np.ndarray] | None:
    """Check ``X_name`` and ``T_name`` (given together or not at all); ``None`` if both are absent."""
    if X is None and T is None:
        return None
    if X is None or T is None:
        raise ValueError(f"X_{name} and T_{name} must be given together ({name} inputs and targets) or not at all")
    X = net.check_inputs(X, f"X_{name}")
    return X, net.check_targets(T, X.shape[0], f"T_{name}", rows_of=f"X_{name}")


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
    *,
    normalize: str | None = None,
    X_test: object = None,
    T_test: object = None,
) -> TrainedLM:
    """Train a network by Levenberg–Marquardt, as MATLAB's ``trainlm`` does.

    The error is ``e = t − y`` (all ``N·K`` entries stacked sample by sample), ``J = ∂y/∂w``,
    and each trial step is ``Δw = (JᵀJ + μI)⁻¹ Jᵀe``. ``JᵀJ`` and ``Jᵀe`` are accumulated over
    chunks of samples as :func:`lmnotes.gauss_newton` does, once per epoch, and reused by all the
    μ trials of the epoch. When the data fit in one chunk, their Jacobian comes from the forward
    pass that the accepted trial has just run for its error, so each trial costs one forward pass;
    with more samples than a chunk, each chunk runs its own forward pass, so that the epoch's
    memory stays bounded by ``chunk``. trainlm's stopping rules only:
    MINPACK's ``ftol`` and ``xtol`` are off.

    With ``normalize`` the network is ``y = reverse_T(f(w, apply_X(x)))`` (see
    :mod:`lmnotes.normalize`), the two scalings fitted on ``X`` and ``T`` only. ``e`` and ``J``
    are then in the units of ``T``: with ``y_k = (y_s,k − ymin)/gain_k + offset_k``, row
    ``nK + k`` of ``J`` is that of the scaled network divided by ``gain_k``. So ``goal``, the
    minimised error and every reported SSE and MSE mean the same with and without scaling.

    Parameters
    ----------
    net : Network
    X : array_like, shape (N, D)
        Training inputs, one sample a row (1-D of length ``N`` when ``D = 1``).
    T : array_like, shape (N, K)
        Training targets (1-D of length ``N`` when ``K = 1``: ``predict`` then returns 1-D).
    w0 : array_like of shape (P,), optional
        Initial weights (between the scalings); default ``net.init_weights(seed=0)``.
    epochs : int, default 1000
        Maximum number of epochs.
    goal : float, default 0
        Performance goal on the **mean** squared error ``Σe²/(N·K)`` (trainlm's ``mse``), not
        on the sum, in the units of ``T``.
    mu : float, default 1e-3
        Initial damping μ.
    mu_dec : float, default 0.1
        After a step that lowers the error, ``μ ← μ·mu_dec`` (never below 1e-20).
    mu_inc : float, default 10
        After a step that does not, ``μ ← μ·mu_inc`` and the step is tried again (at least
        1.01, so that an epoch tries a bounded number of steps).
    mu_max : float, default 1e10
        Training stops when μ exceeds this.
    min_grad : float, default 1e-7
        Training stops when ``‖Jᵀe‖``, the norm of the gradient of ``½Σe²``, is below this.
    max_fail : int, default 6
        Validation stop after this many epochs in a row without a new lowest validation error.
    X_val : array_like of shape (N_val, D), optional
    T_val : array_like of shape (N_val, K), optional
        Validation data for early stopping (give both or neither). With them, the returned
        weights are those of the epoch with the lowest finite validation error; a NaN or
        infinite validation error counts as a failed epoch, and if no epoch had a finite one
        the weights of the last epoch are returned and ``message`` says so.
    scaling : None or "marquardt"
        The damping: ``"marquardt"`` damps with ``μ diag(JᵀJ)`` instead of ``μI``. (To rescale
        the data, use ``normalize``.)
    show : int, optional
        Print a progress line (epoch, MSE, gradient, μ) every ``show`` epochs and at the end.
    callback : callable, optional
        ``callback(epoch, w, sse, mu)``, called at the start of every epoch with a copy of
        the weights; return ``None`` or ``False`` to go on, ``True`` to stop (reason
        ``"callback"``), nothing else.
    chunk : int, optional
        Samples per chunk in :func:`lmnotes.gauss_newton` (default: about 32 MiB of Jacobian).
    normalize : None, "minmax" or "std", keyword-only
        Scale inputs and targets as MATLAB's ``mapminmax`` (to ``[−1, 1]``) or ``mapstd``
        (zero mean, unit variance), fitted on the training data and applied to the validation
        and test data; ``None`` uses the data as given. (The damping is ``scaling``.)
    X_test : array_like of shape (N_test, D), optional, keyword-only
    T_test : array_like of shape (N_test, K), optional, keyword-only
        Test data: their error is recorded every epoch and never used for training.

    Returns
    -------
    TrainedLM
        ``w`` (P,), per-epoch ``sse``, ``mu``, ``gradient``, ``val_sse`` and ``test_sse``
        (epochs + 1,), the number of ``epochs``, the ``stop`` reason, ``n_fev`` forward passes
        on the training data (the errors at ``w0`` and at every trial) and ``n_jev`` Jacobian
        accumulations; ``res.mse``, ``res.val_mse``, ``res.test_mse``
        per epoch; ``res.predict(X)``, ``res.net``, ``res.layers``, ``res.save(path)``.
        A KeyboardInterrupt (Ctrl-C, Jupyter's stop button) returns the result so far with
        ``stop="interrupted"`` and a warning, as MATLAB's Stop button does; the code after the
        call then goes on, so a loop over seeds should test ``res.stop == "interrupted"`` and
        ``break`` (see :func:`levenberg_marquardt`).

    Raises
    ------
    ValueError
        For a bad argument, and when the outputs or the sum of squared errors at ``w0``
        overflow float64: scale the data (``normalize="minmax"``) or start from smaller weights.
    """
    flat_targets = np.ndim(T) == 1
    X = net.check_inputs(X)
    T = net.check_targets(T, X.shape[0])
    w0 = net.init_weights(seed=0) if w0 is None else net.check_weights(w0)
    val = _check_pair(net, X_val, T_val, "val")
    test = _check_pair(net, X_test, T_test, "test")
    if chunk is not None:
        check_count(chunk, "chunk", 1, "a positive integer number of samples or None")
    normalize = check_method(normalize)
    if callback is not None and not callable(callback):
        raise ValueError(f"callback must be callable as callback(epoch, w, sse, mu) or None; got {callback!r}")

    x_scaling = t_scaling = None
    if normalize is not None:
        x_scaling, t_scaling = fit_normalizer(X, normalize), fit_normalizer(T, normalize)

    X_in = X if x_scaling is None else x_scaling.apply(X)
    T_in = T if t_scaling is None else t_scaling.apply(T)
    out_scale = None if t_scaling is None else 1.0 / t_scaling.gain
    chunk = default_chunk(net) if chunk is None else chunk

    def forward(w: np.ndarray, inputs: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
        """The forward trace on scaled inputs, and the outputs in the units of T.

        An overflow gives non-finite outputs without a warning: refused at ``w0``, a rejected
        trial elsewhere, a failed epoch on the validation data, ``inf`` on the test data.
        """
        with np.errstate(over="ignore", invalid="ignore"):
            acts = forward_trace(net, w, inputs)
            return acts, acts[-1] if t_scaling is None else t_scaling.reverse(acts[-1])

    def network(w: np.ndarray, inputs: np.ndarray) -> np.ndarray:
        """Outputs in the units of T: the scalings applied and undone around the layers."""
        return forward(w, inputs if x_scaling is None else x_scaling.apply(inputs))[1]

    # The point of the latest residual and its forward trace. The solver evaluates the normal
    # equations only at the point whose residual it has just evaluated (x0, or a trial it
    # accepts), so they take the Jacobian from that trace: one forward pass fewer per epoch, which
    # saves 41 µs of 430 per epoch at N = 200 (the sine benchmark's 1-20-1 network). Only when the
    # data fit in one chunk: a trace of more samples, kept while JᵀJ is accumulated, would raise
    # the epoch's peak memory past what ``chunk`` promises (277 → 437 MB at N = 200000 on
    # [10, 50, 50, 1]); then each chunk runs its own forward pass, a small part of its cost there.
    latest: list = [None, None]
    keep_trace = X_in.shape[0] <= chunk

    def residual(w: np.ndarray) -> np.ndarray:
        acts, Y = forward(w, X_in)
        if keep_trace:
            latest[:] = [w, acts]
        return (T - Y).ravel()

    x0 = w0.copy()  # the solver's own copy, as levenberg_marquardt makes
    residual_at = _Counted(residual)
    e0 = residual_at(x0)
    if not np.all(np.isfinite(e0)):
        raise ValueError(
            "The network's outputs at w0 are beyond float64 (the forward pass overflows): scale the inputs X "
            "(normalize='minmax') or start from smaller initial weights w0"
        )
    if not np.isfinite(_sum_of_squares(e0)):
        raise ValueError(
            f"The sum of squared errors at w0 is beyond float64 (largest |T − Y| = {np.max(np.abs(e0)):.3g}): "
            "scale the data, e.g. normalize='minmax', or start from smaller initial weights w0"
        )
    epochs, goal, mu, mu_dec, mu_inc, mu_max, min_grad, max_fail = _check_options(
        epochs, goal, mu, mu_dec, mu_inc, mu_max, min_grad, max_fail, scaling, show, callback
    )
    started = False

    def normal_equations(w: np.ndarray, e: np.ndarray) -> tuple[np.ndarray, np.ndarray, None]:
        nonlocal started
        acts = latest[1] if latest[0] is w else None
        # w, X_in, T_in, chunk and out_scale are checked above: gauss_newton's checks of them would
        # cost 34 µs of 430 per epoch at N = 200.
        normal = _accumulate(net, w, X_in, T_in, chunk, out_scale, acts)
        if not (started or _is_finite(normal)):
            raise overflow_error("JᵀJ, Jᵀe or the sum of squared errors")  # at w0: refused
        started = True
        # After w0, an overflow leaves inf or NaN in JᵀJ or Jᵀe, and the solver rejects the trial;
        # testing them here as well cost 8 µs of 367 per epoch at N = 200.
        return normal.JtJ, -normal.Jte, None  # r = e has ∂r/∂w = −J, so g = −Jᵀe

    val_residual = None
    if val is not None:

        def val_residual(w: np.ndarray) -> np.ndarray:
            return (val[1] - network(w, val[0])).ravel()

    test_hist: list[float] = []
    last_w: list[np.ndarray] = []
    on_epoch = callback

    def test_sse(w: np.ndarray) -> float:
        return _sum_of_squares((test[1] - network(w, test[0])).ravel())

    if test is not None:

        def on_epoch(epoch: int, w: np.ndarray, sse: float, mu: float) -> bool | None:
            last_w[:] = [w]
            test_hist.append(test_sse(w))
            return callback(epoch, w, sse, mu) if callback is not None else None

    res = _solve(  # levenberg_marquardt's loop, without its checks of what the functions return
        residual_at,
        normal_equations,
        x0,
        e0,
        epochs=epochs,
        goal=goal,
        mu=mu,
        mu_dec=mu_dec,
        mu_inc=mu_inc,
        mu_max=mu_max,
        min_grad=min_grad,
        ftol=0.0,
        xtol=0.0,
        max_fail=max_fail,
        val_residual=val_residual,
        scaling=scaling,
        show=show,
        callback=on_epoch,
    )
    if test is not None and len(test_hist) == res.epochs:  # interrupted while computing the last one
        test_hist.append(test_sse(last_w[0]))
    return TrainedLM(
        **{f.name: getattr(res, f.name) for f in fields(LMResult)},
        net=net,
        x_scaling=x_scaling,
        t_scaling=t_scaling,
        flat_targets=flat_targets,
        test_sse=np.array(test_hist) if test is not None else None,
        n_val_errors=0 if val is None else val[1].size,
        n_test_errors=0 if test is None else test[1].size,
    )
