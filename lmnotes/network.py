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


def _check_sizes(sizes: object) -> tuple[int, ...]:
    """Return the layer widths as a tuple of ints, or raise ``ValueError``."""
    if isinstance(sizes, np.ndarray):
        if sizes.ndim != 1 or not np.issubdtype(sizes.dtype, np.integer):
            raise ValueError(f"sizes must be a 1-D sequence of integer layer widths such as [3, 4, 2]; got {sizes!r}")
        sizes = sizes.tolist()
    if isinstance(sizes, (str, bytes)) or not isinstance(sizes, Sequence):
        raise ValueError(f"sizes must be a sequence of layer widths such as [3, 4, 2]; got {sizes!r}")
    if len(sizes) < 2:
        raise ValueError(f"sizes must list at least two layers (inputs and outputs); got {list(sizes)}")
    for s in sizes:
        if isinstance(s, bool) or not isinstance(s, (int, np.integer)) or s < 1:
            raise ValueError(f"sizes must be positive integers; got {list(sizes)}")
    return tuple(int(s) for s in sizes)


class Network:
    """A fully connected feed-forward network with MATLAB-style transfer functions.

    Parameters
    ----------
    sizes : sequence of int, or 1-D integer array
        Layer widths ``(D, n_1, ..., K)``: inputs, hidden layers, outputs. At least two
        entries, all positive.
    hidden : str or sequence of str, default "tansig"
        Transfer function of the hidden layers: ``"tansig"``, ``"logsig"`` or ``"purelin"``
        (or an alias: ``"tanh"``, ``"sigmoid"``, ``"linear"``), one name for all of them or a
        sequence with one name per hidden layer (``len(sizes) - 2`` of them).
    output : str, default "purelin"
        Transfer function of the output layer.

    Attributes
    ----------
    sizes : tuple of int
    hidden : str or tuple of str
        MATLAB's name of the hidden layers' transfer function when they all share one, else a
        tuple with one name per hidden layer.
    output : str
    transfers : tuple of Transfer
        One per weight layer, the output layer's last.
    n_params : int
        ``P``, the number of weights and biases.

    Examples
    --------
    >>> net = Network([3, 4, 2])
    >>> net.n_params
    26
    >>> Network([2, 8, 6, 1], hidden=["tanh", "logsig"])
    Network([2, 8, 6, 1], hidden=['tansig', 'logsig'], output='purelin')
    """

    def __init__(
        self, sizes: Sequence[int] | np.ndarray, hidden: str | Sequence[str] = "tansig", output: str = "purelin"
    ) -> None:
        self.sizes: tuple[int, ...] = _check_sizes(sizes)
        n_layers = len(self.sizes) - 1
        if isinstance(hidden, str):
            names = [get_transfer(hidden).name] * (n_layers - 1)
            self.hidden: str | tuple[str, ...] = get_transfer(hidden).name
        else:
            if not isinstance(hidden, (Sequence, np.ndarray)) or len(hidden) != n_layers - 1:
                raise ValueError(
                    f"hidden must be one transfer function name or a list of {n_layers - 1} "
                    f"(one per hidden layer of sizes {list(self.sizes)}); got {hidden!r}"
                )
            names = [get_transfer(h).name for h in hidden]
            self.hidden = tuple(names) if len(set(names)) > 1 else (names[0] if names else "tansig")
        self.output: str = get_transfer(output).name
        self.transfers: tuple[Transfer, ...] = tuple(get_transfer(n) for n in [*names, self.output])
        # (start, stop) of each layer's weights and biases in the flat vector.
        self._offsets: list[tuple[int, int, int]] = []
        start = 0
        for n_in, n_out in zip(self.sizes[:-1], self.sizes[1:]):
            mid = start + n_out * n_in
            self._offsets.append((start, mid, mid + n_out))
            start = mid + n_out
        self.n_params: int = start

    def __repr__(self) -> str:
        hidden = self.hidden if isinstance(self.hidden, str) else list(self.hidden)
        return f"Network({list(self.sizes)}, hidden={hidden!r}, output={self.output!r})"

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

    def check_inputs(self, X: object, name: str = "X") -> np.ndarray:
        """Return ``X`` as a finite float64 array of shape ``(N, D)``, or raise ``ValueError``.

        With ``D = 1`` a 1-D array of length ``N`` is read as ``N`` samples. ``name`` is the
        argument's name in the messages (``"X_val"`` for validation inputs, say).
        """
        return check_matrix(X, self.n_inputs, name)

    def check_targets(self, T: object, n_samples: int, name: str = "T", rows_of: str = "X") -> np.ndarray:
        """Return ``T`` as a finite float64 array of shape ``(N, K)``, or raise ``ValueError``.

        With ``K = 1`` a 1-D array of length ``N`` is read as one target per sample. ``name``
        is the argument's name and ``rows_of`` the inputs' name in the messages.
        """
        return check_matrix(T, self.n_outputs, name, n_rows=n_samples, rows_of=rows_of)

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

    def to_getwb(self, w: object) -> np.ndarray:
        """Reorder a flat vector from the lmnotes order into MATLAB's ``getwb`` order.

        For each layer in turn, ``getwb`` holds the bias ``b_l`` and then ``W_l`` read column
        by column (MATLAB's ``W(:)``): ``(b_1, vec_c(W_1), ..., b_L, vec_c(W_L))``, as the
        chapter "The tansig network" derives.

        Parameters
        ----------
        w : array_like, shape (P,)
            Parameters in the lmnotes order (``W_l`` row by row, then ``b_l``).

        Returns
        -------
        ndarray, shape (P,)
            The same numbers in ``getwb`` order (MATLAB's ``wb(i + 1)`` is entry ``i``).
        """
        parts = []
        for W, b in self.layer_views(self.check_weights(w)):
            parts += [b, W.ravel(order="F")]
        return np.concatenate(parts)

    def from_getwb(self, wb: object) -> np.ndarray:
        """Reorder a vector from MATLAB's ``getwb`` order into the lmnotes order.

        The inverse of :meth:`to_getwb`.

        Parameters
        ----------
        wb : array_like, shape (P,)
            Parameters as MATLAB's ``getwb(net)`` returns them.

        Returns
        -------
        ndarray, shape (P,)
        """
        wb = check_vector(wb, self.n_params, "wb")
        layers, pos = [], 0
        for n_in, n_out in zip(self.sizes[:-1], self.sizes[1:]):
            b = wb[pos : pos + n_out]
            W = wb[pos + n_out : pos + n_out * (n_in + 1)].reshape((n_out, n_in), order="F")
            layers.append((W, b))
            pos += n_out * (n_in + 1)
        return self.pack(layers)

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

        Raises
        ------
        ValueError
            If an argument is malformed, or if an output overflows float64 (only possible with
            purelin hidden layers and huge weights or inputs): scale the data.
        """
        w = self.check_weights(w)
        X = self.check_inputs(X)
        with np.errstate(over="ignore", invalid="ignore"):  # an overflow is reported below
            Y = forward_trace(self, w, X)[-1]
        return _jacobian.check_representable(Y, "The network's output")

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
