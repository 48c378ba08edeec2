"""Exact matrix-product flop counts of the derivative kernels.

The backward sweeps start at ``f_L' ⊙ W_L`` (the rows of the output layer's weights scaled),
never at a product with the diagonal ``diag(f_L')`` or with an identity. An ndarray subclass
tallies ``2k`` flops per output entry of every matrix product (``@`` or ``np.dot``) with inner
dimension ``k`` that the package performs (the chapter "Cost and speed" counts the same way), and
each test compares the tally with the formula: a product with a ``K × K`` diagonal or identity
would add ``2 N K² n_{L-1}`` and fail it.
"""

import numpy as np
from reference import random_architectures

from lmnotes import Network
from lmnotes.forward import forward_trace
from lmnotes.input_hessian import input_hessian
from lmnotes.jacobian import input_jacobian, weight_jacobian
from lmnotes.loss_hessian import _backward, _hvp_one_hidden_layer, _r_products


class Counted(np.ndarray):
    """An ndarray that adds the matrix-product flops of every operation it is part of."""

    flops = 0

    def __array_ufunc__(self, ufunc, method, *inputs, out=None, **kwargs):
        plain = [x.view(np.ndarray) if isinstance(x, Counted) else x for x in inputs]
        if out is not None:
            kwargs["out"] = tuple(o.view(np.ndarray) if isinstance(o, Counted) else o for o in out)
        result = getattr(ufunc, method)(*plain, **kwargs)
        if ufunc is np.matmul:
            Counted.flops += 2 * plain[0].shape[-1] * np.size(result)
        if out is not None:
            return out[0]
        return result.view(Counted) if isinstance(result, np.ndarray) else result

    def __array_function__(self, func, types, args, kwargs):
        # np.dot is not a ufunc: the forward pass uses it for products with one input. Results of
        # other functions (np.concatenate, say) stay counted, so that products with them are tallied.
        result = super().__array_function__(func, types, args, kwargs)
        if func is np.dot:
            Counted.flops += 2 * np.shape(args[0])[-1] * np.size(result)
        return result.view(Counted) if type(result) is np.ndarray else result


def count(f, net, w, X):
    """Matrix-product flops of ``f(net, w, X)``, and its result."""
    Counted.flops = 0
    result = f(net, np.asarray(w).view(Counted), np.asarray(X).view(Counted))
    return Counted.flops, result


def products(sizes, first, last):
    """``Σ_{l=first}^{last} n_l n_{l-1}`` over the widths ``sizes = (n_0, ..., n_L)``."""
    return sum(sizes[l] * sizes[l - 1] for l in range(first, last + 1))


def random_cases(rng, count_):
    for sizes, hidden, output, n in random_architectures(rng, count_):
        net = Network(sizes, hidden, output)
        yield net, net.init_weights(seed=int(rng.integers(1 << 30))), rng.normal(size=(n, sizes[0]))


def test_the_tally_counts_a_known_product():
    Counted.flops = 0
    np.ones((3, 4)).view(Counted) @ np.ones((4, 5))
    assert Counted.flops == 2 * 3 * 4 * 5


def test_forward_pass_costs_2NP(rng):
    for net, w, X in random_cases(rng, 30):
        L = net.n_layers
        flops, _ = count(forward_trace, net, w, X)
        assert flops == 2 * X.shape[0] * products(net.sizes, 1, L)


def test_input_jacobian_sweep_starts_at_the_scaled_output_rows(rng):
    # 2NP for the forward pass, then one (NK × n_l)(n_l × n_{l-1}) product for l = L-1, ..., 1.
    for net, w, X in random_cases(rng, 40):
        sizes, L, (N, K) = net.sizes, net.n_layers, (X.shape[0], net.n_outputs)
        flops, Jx = count(input_jacobian, net, w, X)
        assert flops == 2 * N * products(sizes, 1, L) + 2 * N * K * products(sizes, 1, L - 1), sizes
        np.testing.assert_array_equal(np.asarray(Jx), input_jacobian(net, w, X))


def test_weight_jacobian_sensitivities_start_at_the_scaled_output_rows(rng):
    # 2NP for the forward pass; S_{L-1} = (f_L' ⊙ W_L) diag(f'_{L-1}) is free of products, and
    # S_l for l = L-2, ..., 1 takes one (NK × n_{l+1})(n_{l+1} × n_l) product each.
    for net, w, X in random_cases(rng, 40):
        sizes, L, (N, K) = net.sizes, net.n_layers, (X.shape[0], net.n_outputs)
        flops, J = count(weight_jacobian, net, w, X)
        assert flops == 2 * N * products(sizes, 1, L) + 2 * N * K * products(sizes, 2, L - 1), sizes
        np.testing.assert_array_equal(np.asarray(J), weight_jacobian(net, w, X))


def test_input_hessian_activation_sensitivities_start_without_a_product(rng):
    # Layers with a curvature term: the hidden ones, and the output layer unless it is linear.
    for net, w, X in random_cases(rng, 40):
        sizes, L, (N, K), D = net.sizes, net.n_layers, (X.shape[0], net.n_outputs), net.n_inputs
        used = L - 1 if net.transfers[-1].linear else L
        expected = 2 * N * products(sizes, 1, L)  # forward pass
        if used >= 1:
            expected += 2 * N * K * products(sizes, 2, L - 1)  # s_l = S_{l+1} W_{l+1}, l = L-2, ..., 1
            expected += 2 * N * D * products(sizes, 2, used)  # Z_l = W_l diag(f'_{l-1}) Z_{l-1}
            expected += 2 * N * K * D**2 * sum(sizes[1 : used + 1])  # Z_lᵀ diag(c_l) Z_l
        flops, H = count(lambda nt, v, x: input_hessian(nt, v, x, block=N), net, w, X)
        assert flops == expected, sizes
        np.testing.assert_allclose(np.asarray(H), input_hessian(net, w, X), rtol=1e-13, atol=1e-13)


def test_hessian_vector_product_costs_6NQ_plus_10NQ1(rng):
    # Forward 2NQ; gradient backward pass 2NQ' (no product through W_1); the R-operator's forward
    # pass 2NQ + 2NQ' (+ 2NQ' for Δ_lᵀ R{A_{l-1}}), its backward pass 2NQ + 2NQ' + 2NQ'.
    def hvp_arithmetic(net, w, X, T, v):
        acts = forward_trace(net, w, X)
        with np.errstate(over="ignore", invalid="ignore"):
            return _r_products(net, w, acts, _backward(net, w, acts, T, curvatures=True), v[None, :])[0]

    for net, w, X in random_cases(rng, 40):
        sizes, L, N = net.sizes, net.n_layers, X.shape[0]
        T, v = rng.normal(size=(N, net.n_outputs)), rng.normal(size=net.n_params)
        Counted.flops = 0
        Hv = hvp_arithmetic(net, *(np.asarray(a).view(Counted) for a in (w, X, T, v)))
        assert Counted.flops == 6 * N * products(sizes, 1, L) + 10 * N * products(sizes, 2, L), sizes
        np.testing.assert_allclose(np.asarray(Hv), net.hvp(w, X, T, v), rtol=1e-12, atol=1e-12)


def test_the_one_hidden_layer_hvp_costs_the_same_6NQ_plus_10NQ1(rng):
    for _ in range(30):
        sizes = (int(rng.integers(1, 9)), int(rng.integers(1, 9)), int(rng.integers(1, 4)))
        net = Network(sizes, str(rng.choice(["tansig", "logsig"])))
        N = int(rng.integers(1, 7))
        w, X = net.init_weights(seed=int(rng.integers(1000))), rng.normal(size=(N, sizes[0]))
        T, v = rng.normal(size=(N, sizes[-1])), rng.normal(size=net.n_params)
        Counted.flops = 0
        Hv = _hvp_one_hidden_layer(net, *(np.asarray(a).view(Counted) for a in (w, X, T, v)))
        assert Counted.flops == 6 * N * products(sizes, 1, 2) + 10 * N * products(sizes, 2, 2), sizes
        np.testing.assert_allclose(np.asarray(Hv), net.hvp(w, X, T, v), rtol=1e-12, atol=1e-12)
