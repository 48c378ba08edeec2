"""Data scaling as MATLAB's ``mapminmax`` and ``mapstd`` do it, fitted on the training data only.

Both are one affine map per column (feature) of ``X`` or ``T``, stored as MATLAB stores it:

    ``apply``:    ``y = (x − offset) · gain + ymin``
    ``reverse``:  ``x = (y − ymin) / gain + offset``

``"minmax"`` (``mapminmax``): ``offset = min``, ``gain = 2 / (max − min)``, ``ymin = −1``, so the
training data span ``[−1, 1]``. ``"std"`` (``mapstd``): ``offset = mean``, ``gain = 1 / std``
(the sample standard deviation, with ``N − 1``), ``ymin = 0``, so the training data have zero
mean and unit variance. As in MATLAB, a constant column (or, for ``"std"``, a single sample)
has ``gain = 1`` and ``offset = ymin``: it passes through unchanged.

With ``train_lm(..., normalize=...)`` the two maps are part of the network: the inputs are
applied, the outputs reversed, so that ``y = reverse_T(f(w, apply_X(x)))`` is in the units of
``T``. The reversal multiplies output ``k`` by ``1/gain_k``, and so does each row of the
Jacobian that belongs to output ``k``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: The scalings ``normalize=`` accepts (``None`` leaves the data as given).
METHODS = ("minmax", "std")


@dataclass(frozen=True)
class Normalizer:
    """One affine map per column, with MATLAB's settings.

    Attributes
    ----------
    method : str
        ``"minmax"`` or ``"std"``.
    offset : ndarray, shape (n,)
        MATLAB's ``xoffset``: the column minima (``"minmax"``) or means (``"std"``).
    gain : ndarray, shape (n,)
        MATLAB's ``gain``: ``2/(max − min)`` or ``1/std``.
    ymin : float
        MATLAB's ``ymin`` (``−1`` for ``"minmax"``) or ``ymean`` (``0`` for ``"std"``).
    """

    method: str
    offset: np.ndarray
    gain: np.ndarray
    ymin: float

    @property
    def mean(self) -> np.ndarray:
        """For ``"std"``: the training means, shape ``(n,)`` (``offset``)."""
        return self._only_std("mean", self.offset)

    @property
    def std(self) -> np.ndarray:
        """For ``"std"``: the training standard deviations, shape ``(n,)`` (``1/gain``)."""
        return self._only_std("std", 1.0 / self.gain)

    def _only_std(self, what: str, value: np.ndarray) -> np.ndarray:
        if self.method != "std":
            raise AttributeError(f"{what} belongs to normalize='std'; this scaling is {self.method!r}")
        return value

    def apply(self, X: np.ndarray) -> np.ndarray:
        """Scale the data: ``(X − offset) · gain + ymin``, shape ``(N, n)`` to ``(N, n)``."""
        return (X - self.offset) * self.gain + self.ymin

    def reverse(self, Y: np.ndarray) -> np.ndarray:
        """Undo :meth:`apply`: ``(Y − ymin) / gain + offset``, shape ``(N, n)`` to ``(N, n)``."""
        return (Y - self.ymin) / self.gain + self.offset


def check_method(normalize: object) -> str | None:
    """Return ``normalize`` if it is ``None``, ``"minmax"`` or ``"std"``; else raise ``ValueError``."""
    if normalize is None or (isinstance(normalize, str) and normalize in METHODS):
        return normalize
    raise ValueError(
        "normalize must be None (data as given), 'minmax' (mapminmax, to [-1, 1]) or 'std' "
        f"(mapstd, zero mean and unit variance); got {normalize!r} (the damping is chosen by scaling=)"
    )


def fit_normalizer(data: np.ndarray, method: str) -> Normalizer:
    """Fit a ``"minmax"`` or ``"std"`` scaling to the columns of ``data``.

    Parameters
    ----------
    data : ndarray, shape (N, n)
        Training inputs or targets, finite, one sample a row.
    method : {"minmax", "std"}

    Returns
    -------
    Normalizer
        With ``offset`` and ``gain`` of shape ``(n,)``; constant columns pass unchanged.
    """
    if method == "minmax":
        low, high = data.min(axis=0), data.max(axis=0)
        spread, ymin, target = high - low, -1.0, 2.0
        offset = low
    else:
        offset = data.mean(axis=0)
        spread = data.std(axis=0, ddof=1) if data.shape[0] > 1 else np.zeros(data.shape[1])
        ymin, target = 0.0, 1.0
    with np.errstate(divide="ignore", over="ignore"):
        gain = target / spread
    fixed = ~np.isfinite(gain) | (spread == 0) | (np.abs(gain) > 1e14)
    return Normalizer(
        method=method,
        offset=np.where(fixed, ymin, offset),
        gain=np.where(fixed, 1.0, gain),
        ymin=ymin,
    )
