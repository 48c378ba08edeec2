"""The kernels' shortcuts give what the plain formulas give, and the overflow bound is sound.

Each shortcut (the input Jacobian's joined first product, the one-hidden-layer input Hessian in
one product, the column-by-column Jacobian blocks, the lean R-operator, the bound that skips the
overflow check) is compared with the
plain computation it replaces, over random architectures (depth 1–4, widths 1–8, 1–3 outputs),
and the memory the Hessian-vector product holds at its peak is bounded.
"""

import importlib
import tracemalloc

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from reference import random_architectures, rel_err

from lmnotes import Network
from lmnotes.forward import forward_trace

jacobian = importlib.import_module("lmnotes.jacobian")
loss_hessian = importlib.import_module("lmnotes.loss_hessian")
input_hessian = importlib.import_module("lmnotes.input_hessian")


def cases(seed, count=40):
    rng = np.random.default_rng(seed)
    for sizes, hidden, output, n in random_architectures(rng, count):
        net = Network(sizes, hidden, output)
        w = net.init_weights(seed=int(rng.integers(1 << 30)))
        yield net, w, rng.normal(size=(n, sizes[0])), rng


def chain_product(net, w, x):
    """J_x of one sample as the plain chain product W_L F'_{L-1} W_{L-1} ... F'_1 W_1 (F'_L first)."""
    acts = forward_trace(net, w, x[None, :])
    M = np.eye(net.n_inputs)
    for (W, _), transfer, A in zip(net.layer_views(w), net.transfers, acts[1:]):
        M = np.diag(transfer.d1(A[0])) @ W @ M
    return M


def test_input_jacobian_equals_the_chain_product():
    for net, w, X, _ in cases(1):
        Jx = net.input_jacobian(w, X)
        for n, x in enumerate(X):
            assert rel_err(Jx[n], chain_product(net, w, x)) < 1e-12


def test_the_joined_first_product_equals_the_unjoined_sweep(monkeypatch):
    for net, w, X, _ in cases(2):
        joined = net.input_jacobian(w, X)
        with monkeypatch.context() as m:
            m.setattr(jacobian, "_sweep_top", lambda net, layers, acts: (
                jacobian.output_rows(net, layers[-1][0], acts[-1]), net.n_layers - 1))
            plain = net.input_jacobian(w, X)
        assert rel_err(joined, plain) < 1e-12


def test_one_hidden_layer_input_hessian_equals_the_general_path(monkeypatch):
    rng = np.random.default_rng(5)
    for _ in range(30):
        sizes = [int(rng.integers(1, 9)), int(rng.integers(1, 9)), int(rng.integers(1, 4))]
        net = Network(sizes, str(rng.choice(["tansig", "logsig"])))
        w, X = net.init_weights(seed=int(rng.integers(1000))), rng.normal(size=(int(rng.integers(1, 7)), sizes[0]))
        fused = net.input_hessian(w, X)
        with monkeypatch.context() as m:
            m.setattr(input_hessian, "_one_hidden_layer", lambda *args: None)
            general = net.input_hessian(w, X)
        assert rel_err(fused, general) < 1e-12


def test_jacobian_blocks_are_the_outer_products_of_sensitivities_and_activations():
    for net, w, X, _ in cases(3):
        J = net.jacobian(w, X).reshape(X.shape[0], net.n_outputs, net.n_params)
        acts = forward_trace(net, w, X)
        sens = jacobian.sensitivities(net, w, acts)
        for (start, mid, stop), S, A in zip(net._offsets, sens, acts[:-1]):
            block = np.einsum("nki,nj->nkij", S, A).reshape(J.shape[0], J.shape[1], -1)
            assert np.array_equal(J[:, :, start:mid], block)
            assert np.array_equal(J[:, :, mid:stop], S)


@given(seed=st.integers(0, 2**32 - 1), log_scale=st.floats(0, 160), log_x=st.floats(0, 160))
def test_the_overflow_bound_is_sound(seed, log_scale, log_x):
    # Whenever the bound says nothing can overflow, the trace, the sensitivities and J are finite.
    rng = np.random.default_rng(seed)
    sizes, hidden, output, n = next(random_architectures(rng, 2))
    net = Network(sizes, str(rng.choice(["tansig", "logsig", "purelin"])), output)
    w = net.init_weights(seed=seed % 1000) * 10.0**log_scale
    X = rng.normal(size=(n, sizes[0])) * 10.0**log_x
    if jacobian.cannot_overflow(net, w, X):
        with np.errstate(over="ignore", invalid="ignore"):
            acts = forward_trace(net, w, X)
            sens = jacobian.sensitivities(net, w, acts)
            J = jacobian._assemble(net, sens, acts)
        assert all(np.all(np.isfinite(a)) for a in acts + sens)
        assert np.all(np.isfinite(J))


def test_the_overflow_bound_is_not_vacuous():
    net = Network([3, 8, 8, 2])
    X = np.random.default_rng(0).normal(size=(5, 3))
    assert jacobian.cannot_overflow(net, net.init_weights(seed=0), X)
    assert not jacobian.cannot_overflow(net, net.init_weights(seed=0) * 1e200, X)


def test_one_direction_equals_a_row_of_the_hessian():
    for net, w, X, rng in cases(4, count=25):
        T = rng.normal(size=(X.shape[0], net.n_outputs))
        H = net.loss_hessian(w, X, T)
        v = rng.normal(size=net.n_params)
        assert rel_err(net.hvp(w, X, T, v), H @ v) < 1e-10


@pytest.mark.parametrize("sizes, n, most", [([1, 20, 1], 1000, 4.5), ([4, 16, 16, 2], 500, 6.5)])
def test_hvp_holds_few_arrays_at_its_peak(sizes, n, most):
    # Fresh memory costs page faults: the R-operator drops each R{A_l} once used and keeps R{Z_l}
    # only as R{Z_l} ⊙ f'' ⊙ G_l, the backward pass keeps f'' ⊙ G_l instead of G_l and skips Δ_1;
    # one hidden layer has its own kernel. The peak stays below 4.5 and 6.5 arrays of N K max(n_l)
    # entries (the trace, the backward pass and the R-arrays together): 4.2 and 6.2; it was 10.3
    # and 7.9.
    net = Network(sizes)
    rng = np.random.default_rng(0)
    w, X = net.init_weights(seed=0), rng.normal(size=(n, sizes[0]))
    T, v = rng.normal(size=(n, sizes[-1])), rng.normal(size=net.n_params)
    net.hvp(w, X, T, v)
    tracemalloc.start()
    net.hvp(w, X, T, v)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    layer = 8 * n * max(sizes) * net.n_outputs
    assert peak < most * layer, peak / layer


def test_one_hidden_layer_hvp_equals_the_general_r_operator():
    rng = np.random.default_rng(6)
    for _ in range(40):
        sizes = [int(rng.integers(1, 9)), int(rng.integers(1, 9)), int(rng.integers(1, 4))]
        net = Network(sizes, str(rng.choice(["tansig", "logsig"])))
        n = int(rng.integers(1, 7))
        w, X = net.init_weights(seed=int(rng.integers(1000))), rng.normal(size=(n, sizes[0]))
        T, v = rng.normal(size=(n, sizes[-1])), rng.normal(size=net.n_params)
        with np.errstate(over="ignore", invalid="ignore"):
            fast = loss_hessian._hvp_one_hidden_layer(net, w, X, T, v)
            acts = forward_trace(net, w, X)
            back = loss_hessian._backward(net, w, acts, T, curvatures=True)
            general = loss_hessian._r_products(net, w, acts, back, v[None, :])[0]
        assert rel_err(fast, general) < 1e-12
        assert rel_err(net.hvp(w, X, T, v), general) < 1e-12
