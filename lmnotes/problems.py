"""The book's small training problems, reproducible from a seed.

Used in the chapters "Levenberg–Marquardt training" and "LM against other trainers".
"""

from __future__ import annotations

import numpy as np

from .validation import check_count


def sine(n: int = 200, noise: float = 0.0, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Samples of ``t = sin(2πx)`` on an even grid of ``[-1, 1]``.

    Parameters
    ----------
    n : int, default 200
        Number of samples, ``>= 2``; ``x`` runs from -1 to 1 in equal steps.
    noise : float, default 0
        Standard deviation of Gaussian noise added to the targets.
    seed : int, default 0
        Seed of ``numpy.random.default_rng`` for the noise.

    Returns
    -------
    X : ndarray, shape (n, 1)
        Inputs, sorted.
    T : ndarray, shape (n, 1)
        Targets ``sin(2πx)`` plus noise.
    """
    n = check_count(n, "n", 2, "an integer number of samples >= 2")
    if isinstance(noise, bool) or not isinstance(noise, (int, float)) or not (np.isfinite(noise) and noise >= 0):
        raise ValueError(f"noise must be a finite standard deviation >= 0; got {noise!r}")
    X = np.linspace(-1.0, 1.0, n)[:, None]
    T = np.sin(2.0 * np.pi * X)
    if noise > 0:
        T = T + noise * np.random.default_rng(seed).normal(size=T.shape)
    return X, T


def teacher(X: object) -> np.ndarray:
    """The fixed smooth function behind :func:`seed_example`'s targets.

    ``t_1 = sin(x_1 + 2 x_2) - x_3 / 2``, ``t_2 = x_1 x_3 + cos(x_2)``.

    Parameters
    ----------
    X : array_like, shape (N, 3)

    Returns
    -------
    T : ndarray, shape (N, 2)
    """
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] != 3:
        raise ValueError(f"X must have shape (N, 3); got shape {X.shape}")
    x1, x2, x3 = X.T
    return np.stack([np.sin(x1 + 2.0 * x2) - 0.5 * x3, x1 * x3 + np.cos(x2)], axis=1)


def seed_example(n: int = 5, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A small data set for the 3-4-2 network of the seeds' question (3 inputs, 2 outputs).

    Parameters
    ----------
    n : int, default 5
        Number of samples (the question has 5).
    seed : int, default 0
        Seed of ``numpy.random.default_rng`` for the inputs.

    Returns
    -------
    X : ndarray, shape (n, 3)
        Inputs drawn uniformly from ``[-1, 1]``.
    T : ndarray, shape (n, 2)
        Targets ``teacher(X)``.
    """
    n = check_count(n, "n", 1, "an integer number of samples >= 1")
    X = np.random.default_rng(seed).uniform(-1.0, 1.0, size=(n, 3))
    return X, teacher(X)
