"""The layered feed-forward network: sizes, the flat parameter vector, the forward pass.

A network with sizes ``(n_0, n_1, ..., n_L)`` maps an input ``x`` of length ``D = n_0`` to an
output of length ``K = n_L`` through ``a_l = f_l(W_l a_{l-1} + b_l)``, ``W_l`` of shape
``(n_l, n_{l-1})``. Hidden layers share one transfer function, the output layer has its own.
Data are row-major: ``X`` has shape ``(N, D)``, one sample a row, so the batched forward pass
is ``A_l = f_l(A_{l-1} W_lᵀ + b_l)``. Derived in the chapter "The tansig network".

Parameter order (the columns of the Jacobian): layer by layer, ``W_l`` row-major, then ``b_l``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from . import jacobian as _jacobian
from .activations import Transfer, get_transfer
from .forward import forward_trace
from .input_hessian import input_hessian as _input_hessian
from .loss_hessian import hvp as _hvp
from .loss_hessian import loss_hessian as _loss_hessian
from .validation import as_float_array, check_count, check_matrix, check_vector

Layers = list[tuple[np.ndarray, np.ndarray]]


class Network:
    """A fully connected feed-forward network with MATLAB-style transfer functions.

    Parameters
    ----------
    sizes : sequence of int
        Layer widths ``(D, n_1, ..., K)``: inputs, hidden layers, outputs. At least two
        entries, all positive.
    hidden : str, default "tansig"
        Transfer function of every hidden layer: ``"tansig"``, ``"logsig"`` or ``"purelin"``.
    output : str, default "purelin"
        Transfer function of the output layer.

    Examples
    --------
    >>> net = Network([3, 4, 2])
    >>> net.n_params
    26
    """

    def __init__(self, sizes: Sequence[int], hidden: str = "tansig", output: str = "purelin") -> None:
        if isinstance(sizes, (str, bytes)) or not isinstance(sizes, Sequence):
            raise ValueError(f"sizes must be a sequence of layer widths such as [3, 4, 2]; got {sizes!r}")
        if len(sizes) < 2:
            raise ValueError(f"sizes must list at least two layers (inputs and outputs); got {list(sizes)}")
        for s in sizes:
            if isinstance(s, bool) or not isinstance(s, (int, np.integer)) or s < 1:
                raise ValueError(f"sizes must be positive integers; got {list(sizes)}")
        self.sizes: tuple[int, ...] = tuple(int(s) for s in sizes)
        self.hidden: str = get_transfer(hidden).name
        self.output: str = get_transfer(output).name
        n_layers = len(self.sizes) - 1
        self.transfers: tuple[Transfer, ...] = tuple(
            get_transfer(self.output if i == n_layers - 1 else self.hidden) for i in range(n_layers)
        )
        # (start, stop) of each layer's weights and biases in the flat vector.
        self._offsets: list[tuple[int, int, int]] = []
        start = 0
        for n_in, n_out in zip(self.sizes[:-1], self.sizes[1:]):
            mid = start + n_out * n_in
            self._offsets.append((start, mid, mid + n_out))
            start = mid + n_out
        self.n_params: int = start

    def __repr__(self) -> str:
        return f"Network({list(self.sizes)}, hidden={self.hidden!r}, output={self.output!r})"

    @property
    def n_layers(self) -> int:
        """Number of weight layers ``L`` (hidden layers plus the output layer)."""
        return len(self.sizes) - 1

    @property
    def n_inputs(self) -> int:
        """Input dimension ``D = sizes[0]``."""
        return self.sizes[0]

    @property
    def n_outputs(self) -> int:
        """Output dimension ``K = sizes[-1]``."""
        return self.sizes[-1]

    # ----- checks on user input -------------------------------------------------------------
    def check_weights(self, w: object) -> np.ndarray:
        """Return ``w`` as a finite float64 vector of length ``n_params``, or raise ``ValueError``."""
        return check_vector(w, self.n_params, "w")

    def check_inputs(self, X: object) -> np.ndarray:
        """Return ``X`` as a finite float64 array of shape ``(N, D)``, or raise ``ValueError``."""
        return check_matrix(X, self.n_inputs, "X")

    def check_targets(self, T: object, n_samples: int) -> np.ndarray:
        """Return ``T`` as a finite float64 array of shape ``(N, K)``, or raise ``ValueError``."""
        return check_matrix(T, self.n_outputs, "T", n_rows=n_samples)

    # ----- parameters -----------------------------------------------------------------------
    def init_weights(self, seed: int | None = None) -> np.ndarray:
        """Random initial weights, reproducible from ``seed``.

        Every weight and bias of layer ``l`` is drawn from a normal distribution with standard
        deviation ``1 / sqrt(n_{l-1})``, so each net input starts with unit-order variance.

        Parameters
        ----------
        seed : int, optional
            Seed of ``numpy.random.default_rng``.

        Returns
        -------
        ndarray, shape (n_params,)
        """
        if seed is not None:
            check_count(seed, "seed", 0, "None or a non-negative integer")
        rng = np.random.default_rng(seed)
        parts = []
        for n_in, n_out in zip(self.sizes[:-1], self.sizes[1:]):
            parts.append(rng.normal(scale=1.0 / np.sqrt(n_in), size=n_out * n_in + n_out))
        return np.concatenate(parts)

    def layer_views(self, w: np.ndarray) -> Layers:
        """Views ``[(W_1, b_1), ..., (W_L, b_L)]`` into a checked flat vector ``w`` (no copy)."""
        out = []
        for (start, mid, stop), n_in, n_out in zip(self._offsets, self.sizes[:-1], self.sizes[1:]):
            out.append((w[start:mid].reshape(n_out, n_in), w[mid:stop]))
        return out

    def unpack(self, w: object) -> Layers:
        """Split the flat vector into per-layer weights and biases.

        Parameters
        ----------
        w : array_like, shape (n_params,)

        Returns
        -------
        list of (W_l, b_l)
            ``W_l`` of shape ``(n_l, n_{l-1})``, ``b_l`` of shape ``(n_l,)``; copies, so editing
            them leaves ``w`` unchanged.
        """
        w = self.check_weights(w)
        return [(W.copy(), b.copy()) for W, b in self.layer_views(w)]

    def pack(self, layers: Sequence[tuple[object, object]]) -> np.ndarray:
        """Join per-layer ``(W_l, b_l)`` into the flat vector; the inverse of :meth:`unpack`.

        Parameters
        ----------
        layers : sequence of (W_l, b_l)
            ``W_l`` of shape ``(n_l, n_{l-1})``, ``b_l`` of shape ``(n_l,)``.

        Returns
        -------
        ndarray, shape (n_params,)
        """
        if len(layers) != self.n_layers:
            raise ValueError(f"layers must hold {self.n_layers} (W, b) pairs; got {len(layers)}")
        parts = []
        for i, ((W, b), n_in, n_out) in enumerate(zip(layers, self.sizes[:-1], self.sizes[1:]), start=1):
            W = as_float_array(W, f"W{i}")
            b = as_float_array(b, f"b{i}")
            if W.shape != (n_out, n_in):
                raise ValueError(f"W{i} must have shape ({n_out}, {n_in}); got {W.shape}")
            if b.shape != (n_out,):
                raise ValueError(f"b{i} must have shape ({n_out},); got {b.shape}")
            parts += [W.ravel(), b]
        return self.check_weights(np.concatenate(parts))

    # ----- forward pass ---------------------------------------------------------------------
    def activations(self, w: object, X: object) -> list[np.ndarray]:
        """Every layer's output for a batch: ``[A_0 = X, A_1, ..., A_L = Y]``.

        Parameters
        ----------
        w : array_like, shape (n_params,)
        X : array_like, shape (N, D)

        Returns
        -------
        list of ndarray
            ``A_l`` of shape ``(N, n_l)``.
        """
        w = self.check_weights(w)
        X = self.check_inputs(X)
        return forward_trace(self, w, X)

    def forward(self, w: object, X: object) -> np.ndarray:
        """Network outputs for a batch of inputs.

        Parameters
        ----------
        w : array_like, shape (n_params,)
        X : array_like, shape (N, D)

        Returns
        -------
        Y : ndarray, shape (N, K)
        """
        return self.activations(w, X)[-1]

    # ----- derivatives ----------------------------------------------------------------------
    def jacobian(self, w: object, X: object) -> np.ndarray:
        """Jacobian of all outputs with respect to all parameters (for Levenberg–Marquardt).

        Parameters
        ----------
        w : array_like, shape (n_params,)
        X : array_like, shape (N, D)

        Returns
        -------
        J : ndarray, shape (N*K, n_params)
            Row ``n*K + k`` is ``∂Y[n, k] / ∂w``. See :func:`lmnotes.jacobian.weight_jacobian`.
        """
        w = self.check_weights(w)
        X = self.check_inputs(X)
        return _jacobian.weight_jacobian(self, w, X)

    def input_jacobian(self, w: object, X: object) -> np.ndarray:
        """Jacobian of the outputs with respect to the inputs, one per sample.

        Parameters
        ----------
        w : array_like, shape (n_params,)
        X : array_like, shape (N, D)

        Returns
        -------
        Jx : ndarray, shape (N, K, D)
            ``Jx[n, k, d] = ∂Y[n, k] / ∂X[n, d]``. See :func:`lmnotes.jacobian.input_jacobian`.
        """
        w = self.check_weights(w)
        X = self.check_inputs(X)
        return _jacobian.input_jacobian(self, w, X)

    def jvp(self, w: object, X: object, V: object) -> np.ndarray:
        """Input-Jacobian-vector products by forward accumulation, without forming ``J_x``.

        Parameters
        ----------
        w : array_like, shape (n_params,)
        X : array_like, shape (N, D)
        V : array_like, shape (N, D)
            One input direction per sample.

        Returns
        -------
        ndarray, shape (N, K)
            Row ``n`` is ``J_x[n] @ V[n]``. See :func:`lmnotes.jacobian.input_jvp`.
        """
        w = self.check_weights(w)
        X = self.check_inputs(X)
        V = check_matrix(V, self.n_inputs, "V", n_rows=X.shape[0])
        return _jacobian.input_jvp(self, w, X, V)

    def vjp(self, w: object, X: object, U: object) -> np.ndarray:
        """Vector-input-Jacobian products by reverse accumulation, without forming ``J_x``.

        Parameters
        ----------
        w : array_like, shape (n_params,)
        X : array_like, shape (N, D)
        U : array_like, shape (N, K)
            One output weighting per sample.

        Returns
        -------
        ndarray, shape (N, D)
            Row ``n`` is ``U[n] @ J_x[n]``. See :func:`lmnotes.jacobian.input_vjp`.
        """
        w = self.check_weights(w)
        X = self.check_inputs(X)
        U = check_matrix(U, self.n_outputs, "U", n_rows=X.shape[0])
        return _jacobian.input_vjp(self, w, X, U)

    def input_hessian(self, w: object, X: object) -> np.ndarray:
        """Hessian of every output with respect to the input, one per sample and output.

        Parameters
        ----------
        w : array_like, shape (n_params,)
        X : array_like, shape (N, D)

        Returns
        -------
        H : ndarray, shape (N, K, D, D)
            ``H[n, k, d, e] = ∂²Y[n, k] / ∂X[n, d] ∂X[n, e]``, symmetric in ``d, e``. See
            :func:`lmnotes.input_hessian.input_hessian`.
        """
        w = self.check_weights(w)
        X = self.check_inputs(X)
        return _input_hessian(self, w, X)

    def loss_hessian(self, w: object, X: object, T: object) -> np.ndarray:
        """Exact Hessian of the loss ``E(w) = ½ Σ (T − Y)²`` with respect to all parameters.

        Parameters
        ----------
        w : array_like, shape (n_params,)
        X : array_like, shape (N, D)
        T : array_like, shape (N, K)

        Returns
        -------
        H : ndarray, shape (n_params, n_params)
            Symmetric; equal to ``JᵀJ − Σ_i e_i ∇²y_i`` with ``e = T − Y``. See
            :func:`lmnotes.loss_hessian.loss_hessian`, which validates the arguments.
        """
        return _loss_hessian(self, w, X, T)

    def hvp(self, w: object, X: object, T: object, v: object) -> np.ndarray:
        """Exact Hessian-vector product ``H v`` of the loss ``E(w) = ½ Σ (T − Y)²``, without forming ``H``.

        Parameters
        ----------
        w : array_like, shape (n_params,)
        X : array_like, shape (N, D)
        T : array_like, shape (N, K)
        v : array_like, shape (n_params,)

        Returns
        -------
        ndarray, shape (n_params,)
            ``H @ v``, by Pearlmutter's R-operator. See :func:`lmnotes.loss_hessian.hvp`, which
            validates the arguments.
        """
        return _hvp(self, w, X, T, v)
