import numpy as np
from autograd import jacobian as ag_jacobian
from reference import random_architectures, ref_forward, ref_forward_one, rel_err

import lmnotes
from lmnotes import Network


def test_seed_example_sizes_and_jacobian_shape():
    net = Network([3, 4, 2])
    assert net.sizes == (3, 4, 2)
    assert net.n_params == 3 * 4 + 4 + 4 * 2 + 2 == 26
    w = net.init_weights(seed=0)
    X = np.random.default_rng(0).normal(size=(5, 3))
    assert net.forward(w, X).shape == (5, 2)
    assert net.jacobian(w, X).shape == (10, 26)
    assert net.input_jacobian(w, X).shape == (5, 2, 3)


def test_parameter_order_first_and_last_columns():
    net = Network([3, 4, 2])
    w = np.arange(26.0)
    (W1, b1), (W2, b2) = net.unpack(w)
    assert W1[0, 0] == w[0] and W1[0, 1] == w[1] and W1[1, 0] == w[3]
    assert b1[0] == w[12] and W2[0, 0] == w[16] and b2[1] == w[25]


def test_pack_unpack_round_trip(rng):
    for sizes, hidden, output, _ in random_architectures(rng, 30):
        net = Network(sizes, hidden, output)
        w = net.init_weights(seed=int(rng.integers(1 << 30)))
        layers = net.unpack(w)
        assert [W.shape for W, _ in layers] == list(zip(sizes[1:], sizes[:-1]))
        assert np.array_equal(net.pack(layers), w)
        layers[0][0][...] = 7.0  # unpack returns copies
        assert not np.any(w == 7.0)


def test_init_weights_is_reproducible():
    net = Network([2, 5, 1])
    assert np.array_equal(net.init_weights(seed=3), net.init_weights(seed=3))
    assert not np.array_equal(net.init_weights(seed=3), net.init_weights(seed=4))


def test_forward_matches_reference(rng):
    for sizes, hidden, output, n in random_architectures(rng, 40):
        net = Network(sizes, hidden, output)
        w = net.init_weights(seed=int(rng.integers(1 << 30)))
        X = rng.normal(size=(n, sizes[0]))
        assert rel_err(net.forward(w, X), ref_forward(w, X, sizes, hidden, output)) < 1e-12


def test_weight_jacobian_matches_autograd(rng):
    for sizes, hidden, output, n in random_architectures(rng, 60):
        net = Network(sizes, hidden, output)
        w = net.init_weights(seed=int(rng.integers(1 << 30)))
        X = rng.normal(size=(n, sizes[0]))
        J_ref = ag_jacobian(lambda v: ref_forward(v, X, sizes, hidden, output))(w)
        J_ref = J_ref.reshape(n * sizes[-1], net.n_params)
        assert rel_err(net.jacobian(w, X), J_ref) < 1e-9, (sizes, hidden, output, n)


def test_input_jacobian_matches_autograd(rng):
    for sizes, hidden, output, n in random_architectures(rng, 60):
        net = Network(sizes, hidden, output)
        w = net.init_weights(seed=int(rng.integers(1 << 30)))
        X = rng.normal(size=(n, sizes[0]))
        ref = np.stack([ag_jacobian(lambda x: ref_forward_one(w, x, sizes, hidden, output))(X[i]) for i in range(n)])
        assert rel_err(net.input_jacobian(w, X), ref) < 1e-9, (sizes, hidden, output, n)


def test_fd_jacobian_agrees_with_backprop(rng):
    net = Network([3, 4, 2])
    w = net.init_weights(seed=1)
    X = rng.normal(size=(5, 3))
    J_fd = lmnotes.fd_jacobian(lambda v: net.forward(v, X), w, eps=1e-6)
    J_fwd = lmnotes.fd_jacobian(lambda v: net.forward(v, X), w, eps=1e-7, method="forward")
    J = net.jacobian(w, X)
    assert J_fd.shape == (10, 26)
    assert rel_err(J_fd, J) < 1e-8
    assert rel_err(J_fwd, J) < 1e-5
    assert rel_err(J_fwd, J) > rel_err(J_fd, J)  # forward differences are the less accurate


def test_fd_jacobian_of_a_known_function():
    J = lmnotes.fd_jacobian(lambda v: np.array([v[0] ** 2, v[0] * v[1]]), [3.0, 2.0])
    assert np.allclose(J, [[6.0, 0.0], [2.0, 3.0]], atol=1e-8)
