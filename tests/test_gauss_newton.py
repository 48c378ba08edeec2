import numpy as np
import pytest
from autograd import grad, jacobian
from reference import random_architectures, ref_forward, rel_err

import lmnotes
from lmnotes import Network
from lmnotes.gauss_newton import CHUNK_ENTRIES, default_chunk


def test_chunked_equals_whole_product_and_autograd(rng):
    for sizes, hidden, output, n in random_architectures(rng, 30):
        n = n + int(rng.integers(0, 12))  # a few more samples so that chunks matter
        net = Network(sizes, hidden, output)
        w = net.init_weights(seed=int(rng.integers(1 << 30)))
        X = rng.normal(size=(n, sizes[0]))
        T = rng.normal(size=(n, sizes[-1]))
        J = jacobian(lambda v: ref_forward(v, X, sizes, hidden, output))(w).reshape(n * sizes[-1], -1)
        e = (T - ref_forward(w, X, sizes, hidden, output)).ravel()
        for chunk in (None, 1, 3, n):
            JtJ, Jte, sse = lmnotes.gauss_newton(net, w, X, T, chunk=chunk)
            assert rel_err(JtJ, J.T @ J) < 1e-9
            assert rel_err(Jte, J.T @ e) < 1e-9
            assert abs(sse - e @ e) <= 1e-12 * max(1.0, e @ e)


def test_minus_Jte_is_the_gradient_of_half_the_sse(rng):
    sizes = [2, 5, 3, 2]
    net = Network(sizes)
    w = net.init_weights(seed=5)
    X = rng.normal(size=(7, 2))
    T = rng.normal(size=(7, 2))
    loss = lambda v: 0.5 * np.sum((T - ref_forward(v, X, sizes)) ** 2)  # noqa: E731
    assert rel_err(-lmnotes.gauss_newton(net, w, X, T, chunk=2).Jte, grad(loss)(w)) < 1e-10


def test_default_chunk_bounds_the_chunk_jacobian():
    net = Network([10, 50, 50, 1])
    chunk = default_chunk(net)
    assert 1 <= chunk and chunk * net.n_outputs * net.n_params <= CHUNK_ENTRIES


@pytest.mark.parametrize("chunk", [0, -3, 2.5, True])
def test_bad_chunk(chunk):
    net = Network([2, 3, 1])
    with pytest.raises(ValueError, match="chunk must be a positive integer"):
        lmnotes.gauss_newton(net, net.init_weights(0), np.zeros((4, 2)), np.zeros((4, 1)), chunk=chunk)


def test_bad_targets():
    net = Network([2, 3, 1])
    with pytest.raises(ValueError, match=r"T must have shape \(4, 1\); got shape \(4, 2\)"):
        lmnotes.gauss_newton(net, net.init_weights(0), np.zeros((4, 2)), np.zeros((4, 2)))
