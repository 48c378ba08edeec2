"""Checks on user input that fail early with a message naming what was expected."""

from __future__ import annotations

import numpy as np


def as_float_array(value: object, name: str) -> np.ndarray:
    """Convert ``value`` to a float64 array, with a clear error if that is impossible.

    Booleans, integers and floats of any precision are converted; complex numbers, strings and
    other objects are refused rather than cast (a cast would drop the imaginary part or parse text).
    """
    try:
        arr = np.asarray(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be an array of real numbers; got {type(value).__name__}: {exc}") from None
    if arr.dtype.kind == "c":
        raise ValueError(
            f"{name} must be an array of real numbers; got complex values (dtype {arr.dtype}): "
            f"pass np.real({name}) if the imaginary part is meant to be dropped"
        )
    if arr.dtype.kind not in "biuf":
        raise ValueError(f"{name} must be an array of real numbers; got {type(value).__name__} of dtype {arr.dtype}")
    return arr.astype(np.float64, copy=False)


def check_finite(arr: np.ndarray, name: str) -> None:
    """Raise ``ValueError`` if ``arr`` holds NaN or infinity."""
    if not np.all(np.isfinite(arr)):
        bad = int(np.size(arr) - np.count_nonzero(np.isfinite(arr)))
        raise ValueError(f"{name} must hold finite values only; got {bad} NaN or infinite entries")


def check_vector(value: object, length: int, name: str) -> np.ndarray:
    """Return ``value`` as a finite float64 vector of the given length.

    Parameters
    ----------
    value : array_like
        Candidate vector.
    length : int
        Required length.
    name : str
        Name used in error messages.

    Returns
    -------
    ndarray, shape (length,)
    """
    arr = as_float_array(value, name)
    if arr.ndim != 1 or arr.shape[0] != length:
        raise ValueError(f"{name} must be a 1-D vector of length {length}; got shape {arr.shape}")
    check_finite(arr, name)
    return arr


def check_matrix(value: object, n_cols: int, name: str, n_rows: int | None = None) -> np.ndarray:
    """Return ``value`` as a finite float64 2-D array with ``n_cols`` columns.

    Parameters
    ----------
    value : array_like
        Candidate matrix, one sample a row.
    n_cols : int
        Required number of columns.
    name : str
        Name used in error messages.
    n_rows : int, optional
        Required number of rows, if any.

    Returns
    -------
    ndarray, shape (n_rows, n_cols)
    """
    arr = as_float_array(value, name)
    want_rows = "N" if n_rows is None else str(n_rows)
    if arr.ndim != 2:
        hint = f" (for one sample use {name}.reshape(1, -1))" if arr.ndim == 1 else ""
        raise ValueError(f"{name} must be 2-D with shape ({want_rows}, {n_cols}); got shape {arr.shape}{hint}")
    if arr.shape[1] != n_cols or (n_rows is not None and arr.shape[0] != n_rows):
        raise ValueError(f"{name} must have shape ({want_rows}, {n_cols}); got shape {arr.shape}")
    if arr.shape[0] == 0:
        raise ValueError(f"{name} must hold at least one sample (row); got shape {arr.shape}")
    check_finite(arr, name)
    return arr


def check_real(value: object, name: str, low: float, high: float = np.inf, *, open_low: bool = False) -> float:
    """Return ``value`` as a float in ``[low, high]`` (``(low, high]`` if ``open_low``) or raise."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ValueError(f"{name} must be a real number; got {value!r}")
    value = float(value)
    bad_low = value <= low if open_low else value < low
    if not np.isfinite(value) or bad_low or value > high:
        bracket = "(" if open_low else "["
        upper = "inf)" if high == np.inf else f"{high:g}]"
        raise ValueError(f"{name} must be a finite number in {bracket}{low:g}, {upper}; got {value!r}")
    return value


def check_count(value: object, name: str, low: int, what: str | None = None) -> int:
    """Return ``value`` as an int ``>= low`` or raise ``ValueError``.

    The message reads "``name`` must be ``what``; got ...", with ``what`` defaulting to
    "an integer >= ``low``".
    """
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise ValueError(f"{name} must be {what or f'an integer >= {low}'}; got {value!r}")
    return int(value)
