"""Transfer functions and their first two derivatives, written from the output.

The forward pass already holds each layer's output ``a = f(n)``, so every derivative here
takes ``a`` rather than the net input ``n``. The names follow MATLAB's Deep Learning Toolbox.
Derived in the chapter "tansig and its derivatives".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

Array = np.ndarray


def tansig(n: Array) -> Array:
    """Hyperbolic tangent sigmoid, ``2 / (1 + exp(-2 n)) - 1``, which equals ``tanh(n)``.

    Parameters
    ----------
    n : ndarray, any shape
        Net input.

    Returns
    -------
    ndarray, same shape as ``n``
        Values in (-1, 1).
    """
    return np.tanh(n)


def tansig_(n: Array) -> Array:
    """tansig computed in place: overwrites the float64 array ``n`` with ``tanh(n)`` and returns it."""
    return np.tanh(n, out=n)


def tansig_d1(a: Array) -> Array:
    """First derivative of tansig written from its output: ``1 - a**2``."""
    return 1.0 - a * a


def tansig_d1_(a: Array) -> Array:
    """``1 - a**2`` computed in place: overwrites the float64 array ``a`` and returns it."""
    np.multiply(a, a, out=a)
    return np.subtract(1.0, a, out=a)


def tansig_d2(a: Array) -> Array:
    """Second derivative of tansig written from its output: ``-2 a (1 - a**2)``."""
    d = tansig_d1(a)
    d *= a
    d *= -2.0  # in place: two new arrays, not four
    return d


def logsig(n: Array) -> Array:
    """Logistic sigmoid, ``1 / (1 + exp(-n))``, computed without overflow.

    Parameters
    ----------
    n : ndarray, any shape
        Net input.

    Returns
    -------
    ndarray, same shape as ``n``
        Values in (0, 1).
    """
    # 0.5 * (1 + tanh(n / 2)) is the same function and never overflows exp.
    return 0.5 * (1.0 + np.tanh(0.5 * n))


def logsig_(n: Array) -> Array:
    """logsig computed in place: overwrites the float64 array ``n`` and returns it."""
    n *= 0.5
    np.tanh(n, out=n)
    n += 1.0
    n *= 0.5
    return n


def logsig_d1(a: Array) -> Array:
    """First derivative of logsig written from its output: ``a (1 - a)``."""
    d = 1.0 - a
    d *= a  # in place: one new array, not two (works on scalars too, rebinding d)
    return d


def logsig_d1_(a: Array) -> Array:
    """``a (1 - a)`` computed in place: overwrites the float64 array ``a`` and returns it."""
    a *= 1.0 - a
    return a


def logsig_d2(a: Array) -> Array:
    """Second derivative of logsig written from its output: ``a (1 - a) (1 - 2 a)``."""
    d = logsig_d1(a)
    d *= 1.0 - 2.0 * a
    return d


def purelin(n: Array) -> Array:
    """Linear transfer function, ``n`` itself (a copy)."""
    return np.array(n, dtype=float, copy=True)


def purelin_(n: Array) -> Array:
    """purelin in place: returns ``n`` unchanged."""
    return n


def purelin_d1(a: Array) -> Array:
    """First derivative of purelin: ones, shaped like ``a``."""
    return np.ones_like(a)


def purelin_d1_(a: Array) -> Array:
    """Ones, written in place into the float64 array ``a``, which is returned."""
    a.fill(1.0)
    return a


def purelin_d2(a: Array) -> Array:
    """Second derivative of purelin: zeros, shaped like ``a``."""
    return np.zeros_like(a)


@dataclass(frozen=True)
class Transfer:
    """A transfer function with its derivatives.

    Attributes
    ----------
    name : str
        MATLAB's name: ``"tansig"``, ``"logsig"`` or ``"purelin"``.
    f : callable
        ``a = f(n)``, elementwise.
    d1, d2 : callable
        ``f'(n)`` and ``f''(n)``, both as functions of the output ``a``.
    f_, d1_ : callable
        ``f`` and ``d1`` computed in place on a float64 array (the forward pass and the input
        Jacobian use them to avoid temporaries, which cost more than the arithmetic at these
        sizes).
    linear : bool
        True for purelin (its derivative is the identity, which callers may skip).
    """

    name: str
    f: Callable[[Array], Array]
    d1: Callable[[Array], Array]
    d2: Callable[[Array], Array]
    f_: Callable[[Array], Array]
    d1_: Callable[[Array], Array]
    linear: bool = False


TRANSFER_FUNCTIONS: dict[str, Transfer] = {
    "tansig": Transfer("tansig", tansig, tansig_d1, tansig_d2, tansig_, tansig_d1_),
    "logsig": Transfer("logsig", logsig, logsig_d1, logsig_d2, logsig_, logsig_d1_),
    "purelin": Transfer("purelin", purelin, purelin_d1, purelin_d2, purelin_, purelin_d1_, linear=True),
}


#: Common names of the same functions, mapped to MATLAB's.
ALIASES: dict[str, str] = {
    "tanh": "tansig",
    "sigmoid": "logsig",
    "logistic": "logsig",
    "linear": "purelin",
    "identity": "purelin",
}


def get_transfer(name: str) -> Transfer:
    """Look up a transfer function by name.

    Parameters
    ----------
    name : str
        One of ``"tansig"``, ``"logsig"``, ``"purelin"``, or an alias of :data:`ALIASES`
        (``"tanh"``, ``"sigmoid"``, ``"logistic"``, ``"linear"``, ``"identity"``).

    Returns
    -------
    Transfer
        Named with MATLAB's name, whichever alias was given.

    Raises
    ------
    ValueError
        If ``name`` is neither a known name nor an alias.
    """
    key = ALIASES.get(name, name) if isinstance(name, str) else name
    if not isinstance(key, str) or key not in TRANSFER_FUNCTIONS:
        known = ", ".join(repr(k) for k in TRANSFER_FUNCTIONS)
        aliases = ", ".join(f"{a!r}" for a in ALIASES)
        raise ValueError(f"unknown transfer function {name!r}: expected one of {known} (or an alias: {aliases})")
    return TRANSFER_FUNCTIONS[key]
