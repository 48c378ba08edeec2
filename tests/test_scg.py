"""Scaled conjugate gradient: Møller's algorithm, its behaviour on quadratics, stops and checks."""

import autograd.numpy as anp
import numpy as np
import pytest
from autograd import grad
from reference import random_architectures, ref_forward, rel_err

import lmnotes
from lmnotes import Network, train_scg


def random_problem(rng, sizes, hidden="tansig", output="purelin", n=12):
    net = Network(sizes, hidden, output)
    X = rng.normal(size=(n, sizes[0]))
    T = rng.normal(size=(n, sizes[-1]))
    return net, X, T, net.init_weights(seed=int(rng.integers(1 << 30)))


def moller(E, w, steps, sigma=5e-5, lam1=5e-7):
    """Møller (1993), section 4, steps 1 to 9, written out with autograd's gradient.

    Returns the weights and λ after each of ``steps`` iterations.
    """
    dE = grad(E)
    N = w.size
    lam, lam_bar = lam1, 0.0
    p = r = -dE(w)
    success = True
    out = []
    for k in range(1, steps + 1):
        if success:  # step 2
            sigma_k = sigma / np.linalg.norm(p)
            s = (dE(w + sigma_k * p) - dE(w)) / sigma_k
            delta = p @ s
        delta = delta + (lam - lam_bar) * (p @ p)  # step 3
        if delta <= 0:  # step 4
            lam_bar = 2 * (lam - delta / (p @ p))
            delta = -delta + lam * (p @ p)
            lam = lam_bar
        mu = p @ r  # step 5
        alpha = mu / delta
        Delta = 2 * delta * (E(w) - E(w + alpha * p)) / mu**2  # step 6
        p_old = p
        if Delta >= 0:  # step 7
            w = w + alpha * p
            r_new = -dE(w)
            lam_bar, success = 0.0, True
            if k % N == 0:
                p = r_new
            else:
                beta = (r_new @ r_new - r_new @ r) / mu
                p = r_new + beta * p
            r = r_new
            if Delta >= 0.75:
                lam = lam / 4
        else:
            lam_bar, success = lam, False
        if Delta < 0.25:  # step 8
            lam = lam + delta * (1 - Delta) / (p_old @ p_old)
        out.append((w, lam))
    return out


def test_matches_mollers_algorithm_step_by_step(rng):
    for sizes, hidden, output, n in random_architectures(rng, 8):
        net, X, T, w0 = random_problem(rng, sizes, hidden, output, n)

        def E(v):
            Y = ref_forward(v, X, sizes, hidden, output)
            return anp.sum((T - Y) ** 2) / T.size

        for epochs, (w_ref, lam_ref) in enumerate(moller(E, w0, 3), start=1):
            res = train_scg(net, X, T, w0, epochs=epochs, min_grad=0.0)
            assert res.epochs == epochs and res.stop == "epochs"
            assert rel_err(res.w, w_ref) < 1e-8, (sizes, epochs)
            assert abs(res.lambda_[-1] - lam_ref) <= 1e-6 * lam_ref, (sizes, epochs)


def test_error_never_increases(rng):
    for sizes, hidden, output, n in random_architectures(rng, 12):
        net, X, T, w0 = random_problem(rng, sizes, hidden, output, n)
        res = train_scg(net, X, T, w0, epochs=60, min_grad=0.0)
        assert np.all(np.diff(res.sse) <= 0), sizes
        assert res.sse.shape == res.gradient.shape == res.lambda_.shape == (res.epochs + 1,)
        np.testing.assert_allclose(res.sse[-1], np.sum((T - net.forward(res.w, X)) ** 2), rtol=1e-12)


@pytest.mark.parametrize("sizes", [[1, 1], [3, 2], [4, 3], [6, 1]])
def test_linear_least_squares_solved_in_at_most_P_steps(rng, sizes):
    # A purelin network without hidden layer: E is quadratic, so SCG is conjugate gradient and
    # reaches the least-squares solution within P iterations.
    net, X, T, w0 = random_problem(rng, sizes, n=20)
    coef = np.linalg.lstsq(np.hstack([X, np.ones((20, 1))]), T, rcond=None)[0]  # (D + 1, K)
    w_star = net.pack([(coef[:-1].T, coef[-1])])
    start = np.linalg.norm(w0 - w_star)
    res = train_scg(net, X, T, w0, epochs=net.n_params, min_grad=0.0)
    assert res.epochs <= net.n_params
    assert np.all(np.diff(res.sse) <= 0)
    # λ adds λ‖p‖² to each curvature: steps short by a relative 1e-7 or so, hence not exact
    assert np.linalg.norm(res.w - w_star) < 1e-5 * start, (res.stop, res.epochs)
    # without it, conjugate gradient's exact termination (up to round-off)
    exact = train_scg(net, X, T, w0, epochs=net.n_params, min_grad=0.0, lambda_=1e-16)
    assert np.linalg.norm(exact.w - w_star) < 1e-9 * start, (exact.stop, exact.epochs)
    # one step short of the dimension of the Krylov space, it is not there yet
    if net.n_params > 2:
        early = train_scg(net, X, T, w0, epochs=1, min_grad=0.0)
        assert rel_err(early.w, w_star) > 1e-3


def test_stops_at_the_boundaries(rng):
    net, X, T, w0 = random_problem(rng, [2, 5, 1], n=30)
    free = train_scg(net, X, T, w0, epochs=40, min_grad=0.0)
    assert free.stop == "epochs" and free.epochs == 40

    zero = train_scg(net, X, T, w0, epochs=0)
    assert zero.stop == "epochs" and zero.epochs == 0 and zero.sse.shape == (1,)
    np.testing.assert_array_equal(zero.w, w0)

    # goal: the first epoch whose MSE is at most goal, whether goal equals an MSE or lies just below
    for goal in (free.mse[10], np.nextafter(free.mse[10], 0.0), free.mse[25]):
        res = train_scg(net, X, T, w0, epochs=40, goal=goal, min_grad=0.0)
        first = int(np.argmax(free.mse <= goal))
        assert res.stop == "goal" and res.epochs == first, goal
        np.testing.assert_array_equal(res.sse, free.sse[: first + 1])

    # min_grad: the first epoch whose gradient norm is strictly below min_grad. At a new lowest
    # norm j, min_grad equal to it stops later than j, the next float above it stops at j.
    j = max(i for i in range(1, 39) if free.gradient[i] < free.gradient[:i].min())
    for min_grad in (free.gradient[j], np.nextafter(free.gradient[j], np.inf)):
        below = free.gradient < min_grad
        res = train_scg(net, X, T, w0, epochs=40, min_grad=min_grad)
        if below.any():
            assert res.stop == "min_grad" and res.epochs == int(np.argmax(below)), min_grad
        else:
            assert res.stop == "epochs"
    assert res.epochs == j


def test_zero_gradient_stops_at_once():
    # the least-squares line through (-1, 1), (0, 4), (1, 1) is y = 2: errors (-1, 2, -1), whose
    # sum and moment with x vanish exactly
    net = Network([1, 1])
    X, T = np.array([[-1.0], [0.0], [1.0]]), np.array([[1.0], [4.0], [1.0]])
    res = train_scg(net, X, T, np.array([0.0, 2.0]), min_grad=0.0)
    assert res.stop == "min_grad" and res.epochs == 0 and res.gradient[0] == 0.0 and res.mse[0] == 2.0


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"epochs": -1}, "epochs"),
        ({"epochs": 2.5}, "epochs"),
        ({"goal": -1.0}, "goal"),
        ({"min_grad": float("nan")}, "min_grad"),
        ({"sigma": 0.0}, "sigma"),
        ({"sigma": float("inf")}, "sigma"),
        ({"lambda_": 0.0}, "lambda_"),
        ({"lambda_": "small"}, "lambda_"),
    ],
)
def test_bad_options_are_refused(kwargs, match):
    net = Network([2, 3, 1])
    X, T = np.zeros((4, 2)), np.zeros((4, 1))
    with pytest.raises(ValueError, match=match):
        train_scg(net, X, T, **kwargs)


def test_bad_data_and_weights_are_refused():
    net = Network([2, 3, 1])
    X, T = np.zeros((4, 2)), np.zeros((4, 1))
    with pytest.raises(ValueError, match="X"):
        train_scg(net, np.zeros((4, 3)), T)
    with pytest.raises(ValueError, match="T"):
        train_scg(net, X, np.zeros((5, 1)))
    with pytest.raises(ValueError, match="w"):
        train_scg(net, X, T, np.zeros(net.n_params + 1))
    with pytest.raises(ValueError, match="not finite"):
        train_scg(Network([1, 1]), np.array([[1e200]]), np.array([[0.0]]), np.array([1e200, 0.0]))


def test_result_is_a_trained_network(rng, tmp_path):
    net, X, T, w0 = random_problem(rng, [2, 4, 2], n=10)
    res = train_scg(net, X, T, w0, epochs=5)
    np.testing.assert_array_equal(res.predict(X), net.forward(res.w, X))
    loaded = lmnotes.load(res.save(tmp_path / "scg"))
    assert type(loaded) is lmnotes.TrainedSCG
    np.testing.assert_array_equal(loaded.predict(X), res.predict(X))
    np.testing.assert_array_equal(loaded.lambda_, res.lambda_)
    assert loaded.n_fev == res.n_fev == res.n_gev
