"""An independent reference network written with autograd, for checking lmnotes.

It shares no code with the package: its own unpacking of the flat vector (layer by layer,
W row-major, then b), its own transfer functions written from MATLAB's definitions.
"""

from __future__ import annotations

import autograd.numpy as anp
import numpy as np

REF_TRANSFER = {
    "tansig": lambda n: 2.0 / (1.0 + anp.exp(-2.0 * n)) - 1.0,
    "logsig": lambda n: 1.0 / (1.0 + anp.exp(-n)),
    "purelin": lambda n: n,
}


def ref_forward_one(w, x, sizes, hidden="tansig", output="purelin"):
    """Output of one sample ``x`` (D,) as a (K,) array, differentiable by autograd in w and x.

    ``hidden`` is one name for every hidden layer or a list with one name per hidden layer.
    """
    a = x
    pos = 0
    n_layers = len(sizes) - 1
    for l in range(n_layers):
        n_in, n_out = sizes[l], sizes[l + 1]
        W = anp.reshape(w[pos : pos + n_out * n_in], (n_out, n_in))
        pos += n_out * n_in
        b = w[pos : pos + n_out]
        pos += n_out
        name = output if l == n_layers - 1 else (hidden if isinstance(hidden, str) else hidden[l])
        f = REF_TRANSFER[name]
        a = f(anp.dot(W, a) + b)
    return a


def ref_forward(w, X, sizes, hidden="tansig", output="purelin"):
    """Outputs (N, K) for a batch X (N, D), one sample at a time (slow but obviously right)."""
    return anp.stack([ref_forward_one(w, X[n], sizes, hidden, output) for n in range(X.shape[0])])


def random_architectures(rng: np.random.Generator, count: int):
    """Yield ``(sizes, hidden, output, N)`` for random small networks.

    Depth 1 to 4 weight layers, widths 1 to 8, 1 to 3 outputs, tansig or logsig hidden layers,
    N from 1 to 6 (N = 1 always included once).
    """
    for i in range(count):
        depth = int(rng.integers(1, 5))
        sizes = [int(rng.integers(1, 9)) for _ in range(depth)] + [int(rng.integers(1, 4))]
        hidden = str(rng.choice(["tansig", "logsig"]))
        output = str(rng.choice(["purelin", "purelin", "tansig", "logsig"]))
        n_samples = 1 if i == 0 else int(rng.integers(1, 7))
        yield sizes, hidden, output, n_samples


def rel_err(a, b) -> float:
    """Largest entrywise error relative to the largest entry of the reference ``b``."""
    a, b = np.asarray(a), np.asarray(b)
    assert a.shape == b.shape, f"shape {a.shape} != {b.shape}"
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-300)) if b.size else 0.0
