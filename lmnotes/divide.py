"""Random division of the samples into training, validation and test sets, as MATLAB's ``dividerand``."""

from __future__ import annotations

import numpy as np

from .validation import check_count, check_real


def divide_rand(
    n: int, train: float = 0.7, val: float = 0.15, test: float = 0.15, seed: int | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Split ``range(n)`` at random into training, validation and test indices.

    The sizes follow MATLAB's ``dividerand``: the ratios are first divided by their sum, then
    ``n_val = round(n · val)`` and ``n_test = round(n · test)`` (halves rounded away from zero,
    as MATLAB's ``round``), and the training set takes the rest, ``n − n_val − n_test``. With the
    defaults and ``n = 30`` the sizes are 20, 5 and 5. A random permutation of ``range(n)``
    gives the first ``n_val`` indices to validation, the next ``n_test`` to testing and the
    rest to training; each set is returned sorted.

    Parameters
    ----------
    n : int
        Number of samples, ``>= 1``.
    train, val, test : float
        Non-negative ratios with a positive sum (they need not add up to 1).
    seed : int, optional
        Seed of ``numpy.random.default_rng``, for a reproducible division.

    Returns
    -------
    i_train, i_val, i_test : ndarray of int
        Disjoint sorted index arrays whose union is ``range(n)``; use them as ``X[i_train]``.

    Examples
    --------
    >>> i_train, i_val, i_test = divide_rand(30, seed=0)
    >>> len(i_train), len(i_val), len(i_test)
    (20, 5, 5)
    """
    n = check_count(n, "n (number of samples)", 1)
    ratios = [check_real(r, name, 0.0) for r, name in ((train, "train"), (val, "val"), (test, "test"))]
    total = sum(ratios)
    if total <= 0:
        raise ValueError(f"train, val and test must not all be 0; got {train!r}, {val!r}, {test!r}")
    if seed is not None:
        check_count(seed, "seed", 0, "None or a non-negative integer")
    n_val, n_test = (int(np.floor(n * r / total + 0.5)) for r in ratios[1:])
    if n_val + n_test > n:  # both rounded up past n: give the excess back from the test set
        n_test = n - n_val
    order = np.random.default_rng(seed).permutation(n)
    i_val = np.sort(order[:n_val])
    i_test = np.sort(order[n_val : n_val + n_test])
    i_train = np.sort(order[n_val + n_test :])
    return i_train, i_val, i_test
