"""Checks on user input that fail early with a message naming what was expected."""

from __future__ import annotations

import numpy as np


def as_float_array(value: object, name: str) -> np.ndarray:
    """Convert ``value`` to a float64 array, with a clear error if that is impossible.

    Booleans, integers and floats of any precision are converted; complex numbers, strings and
    other objects are refused rather than cast (a cast would drop the imaginary part or parse text).
    A float64 array is returned as it is, without a copy.
    """
    if type(value) is np.ndarray and value.dtype == np.float64:  # the common case: nothing to convert
        return value
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
    """Raise ``ValueError`` if ``arr`` holds NaN or infinity.

    ``np.isfinite(arr).all()``, the method rather than ``np.all``'s Python wrapper: about 2 µs for
    a small array, where a finite sum under ``np.errstate`` (which silences ``inf - inf``) takes 4.
    """
    if not np.isfinite(arr).all():
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


def check_matrix(
    value: object, n_cols: int, name: str, n_rows: int | None = None, rows_of: str = "X"
) -> np.ndarray:
    """Return ``value`` as a finite float64 2-D array with ``n_cols`` columns.

    A 1-D array is a column when ``n_cols == 1`` (``N`` samples of one feature, as
    scikit-learn reads a 1-D target). Any other shape is refused with the reshape that fixes
    it: ``name.reshape(1, -1)`` for one sample given as a 1-D array, ``name.reshape(-1, 1)``
    for a column, ``name.T`` for MATLAB's layout (one sample per column).

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
    rows_of : str, default "X"
        Name of the array whose samples the rows must match (for the message).

    Returns
    -------
    ndarray, shape (n_rows, n_cols)
    """
    arr = as_float_array(value, name)
    if arr.ndim == 1 and n_cols == 1:
        arr = arr.reshape(-1, 1)
    if arr.ndim != 2:
        hint = _hint_not_2d(arr, n_cols, name)
        raise ValueError(f"{name} must be 2-D with shape {_wanted(n_rows, n_cols)}; got shape {arr.shape}{hint}")
    if arr.shape[1] != n_cols or (n_rows is not None and arr.shape[0] != n_rows):
        hint = _hint_2d(arr, n_cols, name, n_rows, rows_of)
        raise ValueError(f"{name} must have shape {_wanted(n_rows, n_cols)}; got shape {arr.shape}{hint}")
    if arr.shape[0] == 0:
        raise ValueError(f"{name} must hold at least one sample (row); got shape {arr.shape}")
    check_finite(arr, name)
    return arr


def _wanted(n_rows: int | None, n_cols: int) -> str:
    """The wanted shape as the messages write it: ``(N, 3)`` or ``(200, 3)``."""
    return f"({'N' if n_rows is None else n_rows}, {n_cols})"


def _hint_not_2d(arr: np.ndarray, n_cols: int, name: str) -> str:
    """The reshape that turns a 1-D (or other) array into the wanted matrix, as a message tail."""
    if arr.ndim == 1 and arr.size == n_cols:
        return f" (for one sample use {name}.reshape(1, -1))"
    if arr.ndim == 1:
        return f" (a 1-D array is one sample, so it needs {n_cols} entries; one row per sample)"
    if arr.ndim > 2 and arr.shape[-1] == n_cols:
        return f" (to stack the samples use {name}.reshape(-1, {n_cols}))"
    return ""


def _hint_2d(arr: np.ndarray, n_cols: int, name: str, n_rows: int | None, rows_of: str) -> str:
    """Why a 2-D array has the wrong shape and how to fix it, as a message tail."""
    rows, cols = arr.shape
    if rows == n_cols and (cols == n_rows or (n_rows is None and cols != n_cols)):
        return f" (one sample per column, as in MATLAB? use {name}.T: lmnotes wants one sample per row)"
    if cols == n_cols and n_rows is not None:
        return f" (one row per sample of {rows_of})"
    return ""


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
