import warnings

import numpy as np
import pytest
from autograd import grad
from autograd import numpy as anp
from reference import random_architectures, ref_forward, rel_err

import lmnotes
from lmnotes import Network
from lmnotes.gd import GD_STOP_REASONS, sse_and_gradient


def ref_loss(sizes, hidden, output, X, T):
    return lambda v: 0.5 * anp.sum((T - ref_forward(v, X, sizes, hidden, output)) ** 2)


def random_problem(rng, sizes, n):
    return rng.normal(size=(n, sizes[0])), rng.normal(size=(n, sizes[-1]))


def test_sse_and_gradient_match_autograd(rng):
    for sizes, hidden, output, n in random_architectures(rng, 12):
        net = Network(sizes, hidden, output)
        X, T = random_problem(rng, sizes, n)
        w = net.init_weights(seed=int(rng.integers(1000)))
        sse, g = sse_and_gradient(net, w, X, T)
        loss = ref_loss(sizes, hidden, output, X, T)
        assert abs(sse - 2.0 * loss(w)) <= 1e-12 * max(1.0, sse)
        assert rel_err(g, grad(loss)(w)) < 1e-9


def test_first_two_steps_are_heavy_ball_steps(rng):
    """w1 = w0 − lr ∇E(w0); w2 = w1 + β (w1 − w0) − lr ∇E(w1), gradients from autograd."""
    for sizes, hidden, output, n in random_architectures(rng, 6):
        net = Network(sizes, hidden, output)
        X, T = random_problem(rng, sizes, n)
        w0 = net.init_weights(seed=int(rng.integers(1000)))
        g = grad(ref_loss(sizes, hidden, output, X, T))
        lr, beta = 1e-2, 0.7
        w1 = w0 - lr * g(w0)
        w2 = w1 + beta * (w1 - w0) - lr * g(w1)
        res1 = lmnotes.train_gd(net, X, T, w0, epochs=1, lr=lr, momentum=beta)
        res2 = lmnotes.train_gd(net, X, T, w0, epochs=2, lr=lr, momentum=beta)
        assert rel_err(res1.w, w1) < 1e-12
        assert rel_err(res2.w, w2) < 1e-12
        assert res2.stop == "epochs" and res2.epochs == 2 and res2.sse.shape == (3,)


def test_converges_on_a_tiny_problem():
    X, T = lmnotes.problems.sine(20)
    T = 0.5 * X  # a line, which a 1-2-1 network fits closely
    net = Network([1, 2, 1])
    for momentum, lr in ((0.0, 0.05), (0.9, 0.01)):
        res = lmnotes.train_gd(net, X, T, net.init_weights(seed=1), epochs=20000, lr=lr, momentum=momentum, goal=1e-6)
        assert res.stop == "goal" and res.mse[-1] <= 1e-6 < res.mse[0]
        assert res.n_fev == res.n_gev == res.epochs + 1
    plain = lmnotes.train_gd(net, X, T, net.init_weights(seed=1), epochs=200, lr=0.005)
    assert np.all(np.diff(plain.sse) < 0)  # a small fixed step on a smooth loss: monotone descent


def test_stop_goal_at_the_start_takes_no_step():
    X, T = lmnotes.problems.sine(10)
    net = Network([1, 3, 1])
    w0 = net.init_weights(seed=0)
    res = lmnotes.train_gd(net, X, T, w0, goal=1e3)
    assert res.stop == "goal" and res.epochs == 0 and np.array_equal(res.w, w0)


def test_stop_epochs():
    X, T = lmnotes.problems.sine(10)
    res = lmnotes.train_gd(Network([1, 3, 1]), X, T, epochs=7, lr=1e-3)
    assert res.stop == "epochs" and res.epochs == 7 and res.sse.shape == (8,) and res.mse.shape == (8,)


def test_stop_diverged_returns_finite_weights():
    X, T = lmnotes.problems.sine(50)
    net = Network([1, 5, 1])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # divergence must not spill overflow warnings
        res = lmnotes.train_gd(net, X, T, net.init_weights(seed=0), epochs=5000, lr=10.0)
    assert res.stop == "diverged" and res.epochs < 5000
    assert np.all(np.isfinite(res.w)) and np.all(np.isfinite(res.sse))
    assert np.isclose(np.sum((T - net.forward(res.w, X)) ** 2), res.sse[-1], rtol=1e-12)
    assert res.n_fev == res.epochs + 2  # the diverged evaluation counts too


def test_every_stop_reason_is_tested():
    assert set(GD_STOP_REASONS) == {"goal", "epochs", "diverged"}


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"lr": 0.0}, "lr \\(learning rate\\) must be a finite number in \\(0"),
        ({"lr": np.inf}, "lr"),
        ({"lr": "fast"}, "lr \\(learning rate\\) must be a real number"),
        ({"momentum": 1.0}, "momentum must be in \\[0, 1\\)"),
        ({"momentum": -0.1}, "momentum must be a finite number in \\[0"),
        ({"goal": -1.0}, "goal"),
        ({"epochs": -1}, "epochs must be an integer >= 0"),
        ({"epochs": 2.5}, "epochs must be an integer"),
        ({"w0": np.zeros(5)}, "w must be a 1-D vector of length 10"),
        ({"w0": np.full(10, np.nan)}, "w must hold finite values"),
        ({"w0": np.full(10, 1e200)}, "loss or its gradient at w0 is not finite"),
    ],
)
def test_train_gd_bad_options(kwargs, match):
    X, T = lmnotes.problems.sine(10)
    with np.errstate(over="ignore", invalid="ignore"), pytest.raises(ValueError, match=match):
        lmnotes.train_gd(Network([1, 3, 1]), X, T, **kwargs)


def test_train_gd_bad_data():
    net = Network([1, 3, 1])
    with pytest.raises(ValueError, match="X must have shape"):
        lmnotes.train_gd(net, np.zeros((4, 2)), np.zeros((4, 1)))
    with pytest.raises(ValueError, match=r"T must have shape \(4, 1\)"):
        lmnotes.train_gd(net, np.zeros((4, 1)), np.zeros((3, 1)))
    with pytest.raises(ValueError, match="T must hold finite values"):
        lmnotes.train_gd(net, np.zeros((4, 1)), np.full((4, 1), np.inf))
