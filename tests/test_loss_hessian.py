import sys

import autograd.numpy as anp
import numpy as np
import pytest
from autograd import hessian, hessian_vector_product
from reference import random_architectures, ref_forward, rel_err

import lmnotes
from lmnotes import Network
from lmnotes.loss_hessian import DIRECTION_ENTRIES


def ref_loss(sizes, hidden, output, X, T):
    """``E(w) = ½ Σ (T − Y)²`` written with the independent autograd reference network."""
    return lambda w: 0.5 * anp.sum((T - ref_forward(w, X, sizes, hidden, output)) ** 2)


def random_problem(rng, sizes, n):
    X = rng.normal(size=(n, sizes[0]))
    T = rng.normal(size=(n, sizes[-1]))
    return X, T


def test_loss_hessian_and_hvp_match_autograd(rng):
    for i, (sizes, hidden, output, n) in enumerate(random_architectures(rng, 30)):
        net = Network(sizes, hidden, output)
        w = net.init_weights(seed=int(rng.integers(1 << 30)))
        X, T = random_problem(rng, sizes, n)
        loss = ref_loss(sizes, hidden, output, X, T)
        if i < 15:  # autograd's full Hessian is slow (W reverse passes of the per-sample graph)
            H = net.loss_hessian(w, X, T)
            assert H.shape == (net.n_params, net.n_params)
            assert rel_err(H, hessian(loss)(w)) < 1e-9
        v = rng.normal(size=net.n_params)
        assert rel_err(net.hvp(w, X, T, v), hessian_vector_product(loss)(w, v)) < 1e-9
        assert rel_err(lmnotes.loss_gradient(net, w, X, T), -lmnotes.gauss_newton(net, w, X, T).Jte) < 1e-9


def test_loss_hessian_is_symmetric_and_equals_hvps_of_the_unit_vectors(rng):
    for sizes, hidden, output, n in random_architectures(rng, 10):
        net = Network(sizes, hidden, output)
        w = net.init_weights(seed=int(rng.integers(1 << 30)))
        X, T = random_problem(rng, sizes, n)
        H = net.loss_hessian(w, X, T)
        assert np.array_equal(H, H.T)
        columns = np.stack([net.hvp(w, X, T, e) for e in np.eye(net.n_params)], axis=1)
        assert rel_err(H, columns) < 1e-12


def test_loss_hessian_chunks_over_directions(rng):
    # Enough samples that one chunk holds only a few directions, so chunks split every layer block.
    net = Network([3, 6, 5, 2], hidden="logsig", output="tansig")
    n = DIRECTION_ENTRIES // 6 // 3 + 1
    X, T = random_problem(rng, net.sizes, n)
    w = net.init_weights(seed=1)
    H = net.loss_hessian(w, X, T)
    v = rng.normal(size=net.n_params)
    assert rel_err(H @ v, net.hvp(w, X, T, v)) < 1e-10


def test_hvp_is_linear_in_v(rng):
    net = Network([2, 4, 3, 2])
    w = net.init_weights(seed=3)
    X, T = random_problem(rng, net.sizes, 5)
    u, v = rng.normal(size=(2, net.n_params))
    assert rel_err(net.hvp(w, X, T, 2.0 * u - 3.0 * v), 2.0 * net.hvp(w, X, T, u) - 3.0 * net.hvp(w, X, T, v)) < 1e-12
    assert np.array_equal(net.hvp(w, X, T, np.zeros(net.n_params)), np.zeros(net.n_params))


def test_dropped_term_is_minus_residual_weighted_output_hessians(rng):
    # H − JᵀJ = −Σ_i e_i ∇²y_i, with each ∇²y_i from autograd; e = T − Y stacked sample by sample.
    for sizes, hidden, output in [([2, 3, 2], "tansig", "purelin"), ([1, 2, 2, 1], "logsig", "tansig")]:
        net = Network(sizes, hidden, output)
        w = net.init_weights(seed=7)
        X, T = random_problem(rng, sizes, 3)
        e = (T - net.forward(w, X)).ravel()
        JtJ = lmnotes.gauss_newton(net, w, X, T).JtJ
        K = sizes[-1]
        output_hessians = [
            hessian(lambda u, i=i: ref_forward(u, X, sizes, hidden, output)[i // K, i % K])(w) for i in range(e.size)
        ]
        residual_term = -sum(e_i * H_i for e_i, H_i in zip(e, output_hessians))
        assert rel_err(net.loss_hessian(w, X, T) - JtJ, residual_term) < 1e-9
        # With T = Y the residuals vanish, and the exact Hessian is the Gauss–Newton matrix.
        assert rel_err(net.loss_hessian(w, X, net.forward(w, X)), JtJ) < 1e-12


def test_one_layer_linear_network_hessian_is_gauss_newton(rng):
    net = Network([3, 2])
    w = net.init_weights(seed=0)
    X, T = random_problem(rng, net.sizes, 6)
    J = net.jacobian(w, X)
    assert rel_err(net.loss_hessian(w, X, T), J.T @ J) < 1e-12


BAD_CALLS = [
    ("w", dict(w=np.zeros(5)), r"w must be a 1-D vector of length 17; got shape \(5,\)"),
    ("X", dict(X=np.zeros((4, 3))), r"X must have shape \(N, 2\); got shape \(4, 3\)"),
    ("T", dict(T=np.zeros((4, 2))), r"T must have shape \(4, 1\); got shape \(4, 2\)"),
    ("T", dict(T=np.zeros((3, 1))), r"T must have shape \(4, 1\); got shape \(3, 1\)"),
    ("T", dict(T=np.full((4, 1), np.nan)), "T must hold finite values only"),
    ("X", dict(X=np.zeros(2)), r"X must be 2-D"),
]


def entry_points(net, w, X, T):
    """Every public way to reach the loss Hessian code, as zero-argument calls."""
    v = np.zeros(net.n_params)
    return [
        lambda: net.loss_hessian(w, X, T),
        lambda: net.hvp(w, X, T, v),
        lambda: lmnotes.loss_hessian(net, w, X, T),
        lambda: lmnotes.hvp(net, w, X, T, v),
        lambda: lmnotes.loss_gradient(net, w, X, T),
    ]


@pytest.mark.parametrize("name, change, message", BAD_CALLS)
def test_entry_points_validate(name, change, message):
    net = Network([2, 4, 1])
    args = dict(w=net.init_weights(0), X=np.zeros((4, 2)), T=np.zeros((4, 1)))
    args.update(change)
    for call in entry_points(net, args["w"], args["X"], args["T"]):
        with pytest.raises(ValueError, match=message):
            call()


@pytest.mark.parametrize(
    "v, message",
    [
        (np.zeros(16), r"v must be a 1-D vector of length 17; got shape \(16,\)"),
        (np.zeros((17, 1)), r"v must be a 1-D vector of length 17; got shape \(17, 1\)"),
        (np.r_[np.inf, np.zeros(16)], "v must hold finite values only"),
        ("abc", "v must be an array of real numbers"),
    ],
)
def test_hvp_validates_v(v, message):
    net = Network([2, 4, 1])
    w, X, T = net.init_weights(0), np.zeros((4, 2)), np.zeros((4, 1))
    for call in (net.hvp, lambda *a: lmnotes.hvp(net, *a)):
        with pytest.raises(ValueError, match=message):
            call(w, X, T, v)


def test_loss_hessian_refuses_a_matrix_beyond_its_size_limit(monkeypatch):
    module = sys.modules["lmnotes.loss_hessian"]  # the package exports a function of the same name
    net = Network([3, 4, 2])  # P = 26: H takes 26 * 26 * 8 = 5408 bytes
    w, X, T = net.init_weights(seed=0), np.zeros((2, 3)), np.zeros((2, 2))
    monkeypatch.setattr(module, "MAX_HESSIAN_BYTES", 26 * 26 * 8)
    assert net.loss_hessian(w, X, T).shape == (26, 26)  # exactly at the limit: formed
    monkeypatch.setattr(module, "MAX_HESSIAN_BYTES", 26 * 26 * 8 - 1)
    with pytest.raises(ValueError, match=r"26 x 26 matrix .* use hvp\(w, X, T, v\)"):
        net.loss_hessian(w, X, T)


def test_loss_hessian_default_limit_is_256_mib():
    from lmnotes.loss_hessian import MAX_HESSIAN_BYTES

    assert MAX_HESSIAN_BYTES == 256 * 2**20
    net = Network([100, 58, 1])  # P = 5917: 267 MiB, just above; refused before any allocation
    with pytest.raises(ValueError, match=r"5917 x 5917 matrix of 267 MiB, more than MAX_HESSIAN_BYTES = 256 MiB"):
        net.loss_hessian(np.zeros(net.n_params), np.zeros((1, 100)), np.zeros((1, 1)))


def test_loss_hessian_peak_memory_is_about_one_matrix():
    import tracemalloc

    net = Network([20, 40, 2])  # P = 922: H takes 6.5 MiB
    w, X, T = net.init_weights(seed=0), np.ones((30, 20)), np.zeros((30, 2))
    tracemalloc.start()
    try:
        net.loss_hessian(w, X, T)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # H itself plus a few chunk-sized arrays and tiles (it was 4 x H: a list of rows, their
    # concatenation, H + Hᵀ and its half)
    assert peak < 8 * net.n_params**2 + 4 * 2**20, peak / (8 * net.n_params**2)


def test_symmetrise_in_tiles_equals_the_mean_with_the_transpose(rng):
    from lmnotes.loss_hessian import _symmetrise

    A = rng.normal(size=(7, 7))
    H = A.copy()
    assert _symmetrise(H, tile=3)
    assert np.array_equal(H, H.T) and np.allclose(H, 0.5 * (A + A.T), rtol=0, atol=1e-15)
    H = np.full((4, 4), 1.5e308)
    assert _symmetrise(H, tile=3) and np.all(H == 1.5e308)  # no overflow in (H + Hᵀ) / 2
    H[1, 2] = np.inf
    assert not _symmetrise(H, tile=3)
