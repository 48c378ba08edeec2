import numpy as np
import pytest
from autograd import jacobian
from reference import random_architectures, ref_forward, rel_err

import lmnotes
from lmnotes import Network
from lmnotes.lm import STOP_REASONS, damped_step, damping_diagonal


# ----- the generic solver on problems with a known minimum ----------------------------------
def rosenbrock(x):
    return np.array([10.0 * (x[1] - x[0] ** 2), 1.0 - x[0]])


def rosenbrock_jac(x):
    return np.array([[-20.0 * x[0], 10.0], [-1.0, 0.0]])


@pytest.mark.parametrize("scaling", [None, "marquardt"])
def test_rosenbrock_reaches_its_minimum(scaling):
    res = lmnotes.levenberg_marquardt(rosenbrock, rosenbrock_jac, [-1.2, 1.0], scaling=scaling, min_grad=1e-12)
    assert res.stop in ("goal", "min_grad")
    np.testing.assert_allclose(res.w, [1.0, 1.0], atol=1e-8)
    assert res.sse[-1] < 1e-16 and res.sse[0] > 1.0


def test_exponential_fit_recovers_the_parameters(rng):
    t = np.linspace(0.0, 2.0, 30)
    a, b = 2.5, -1.3
    y = a * np.exp(b * t)
    res = lmnotes.levenberg_marquardt(
        lambda p: p[0] * np.exp(p[1] * t) - y,
        lambda p: np.stack([np.exp(p[1] * t), p[0] * t * np.exp(p[1] * t)], axis=1),
        [1.0, 0.0],
        min_grad=1e-13,
    )
    np.testing.assert_allclose(res.w, [a, b], rtol=1e-9)

    # the same run through normal equations instead of the Jacobian
    def normal(p):
        J = np.stack([np.exp(p[1] * t), p[0] * t * np.exp(p[1] * t)], axis=1)
        r = p[0] * np.exp(p[1] * t) - y
        return J.T @ J, J.T @ r, r @ r

    res2 = lmnotes.levenberg_marquardt(
        lambda p: p[0] * np.exp(p[1] * t) - y, None, [1.0, 0.0], normal_equations=normal, min_grad=1e-13
    )
    np.testing.assert_allclose(res2.w, [a, b], rtol=1e-9)
    assert res2.epochs == res.epochs


def test_histories_are_consistent():
    res = lmnotes.levenberg_marquardt(rosenbrock, rosenbrock_jac, [-1.2, 1.0], epochs=15)
    assert res.sse.shape == res.mu.shape == res.gradient.shape == (res.epochs + 1,)
    assert np.all(np.diff(res.sse) <= 0)  # LM never accepts a step that raises the error
    assert res.n_fev >= res.epochs + 1 and res.n_jev <= res.n_fev
    np.testing.assert_allclose(res.mse, res.sse / 2)


# ----- the damped step ----------------------------------------------------------------------
def test_damped_step_solves_the_damped_system(rng):
    J = rng.normal(size=(9, 5))
    r = rng.normal(size=9)
    A, g = J.T @ J, J.T @ r
    for scaling in (None, "marquardt"):
        d = damping_diagonal(A, scaling)
        for mu in (1e-6, 1.0, 1e6):
            step = damped_step(A, g, mu, d)
            assert rel_err((A + mu * np.diag(d)) @ step, -g) < 1e-9


def test_damped_step_large_mu_is_scaled_gradient_descent(rng):
    J = rng.normal(size=(9, 5))
    A, g = J.T @ J, J.T @ rng.normal(size=9)
    mu = 1e8
    assert rel_err(mu * damped_step(A, g, mu, np.ones(5)), -g) < 1e-6


def test_damped_step_reports_a_failed_factorisation():
    A = np.array([[1.0, 0.0], [0.0, -1.0]])  # not positive semi-definite: A + 1e-3 I is indefinite
    assert damped_step(A, np.ones(2), 1e-3, np.ones(2)) is None


def test_one_epoch_takes_the_levenberg_marquardt_step(rng):
    """With r = e = t - y, the first accepted step is (JᵀJ + μI)⁻¹ Jᵀe, J from autograd."""
    checked = 0
    for sizes, hidden, output, n in random_architectures(rng, 8):
        net = Network(sizes, hidden, output)
        X = rng.normal(size=(n, sizes[0]))
        T = rng.normal(size=(n, sizes[-1]))
        w0 = net.init_weights(seed=int(rng.integers(1000)))
        mu = 10.0  # large enough that the first trial is accepted on these small problems
        res = lmnotes.train_lm(net, X, T, w0, epochs=1, mu=mu)
        if res.mu[1] != mu * 0.1:  # first trial rejected: not the case we test here
            continue
        J = jacobian(lambda v: ref_forward(v, X, sizes, hidden, output))(w0).reshape(n * sizes[-1], -1)
        e = (T - ref_forward(w0, X, sizes, hidden, output)).ravel()
        step = np.linalg.solve(J.T @ J + mu * np.eye(net.n_params), J.T @ e)
        assert rel_err(res.w - w0, step) < 1e-9
        checked += 1
    assert checked >= 4


# ----- networks -----------------------------------------------------------------------------
def test_train_lm_reaches_the_goal_on_the_sine():
    X, T = lmnotes.problems.sine(60)
    net = Network([1, 5, 1])
    res = lmnotes.train_lm(net, X, T, net.init_weights(seed=3), goal=1e-4, epochs=300)
    assert res.stop == "goal"
    assert res.mse[-1] <= 1e-4 < res.mse[0]
    assert rel_err(np.mean((T - net.forward(res.w, X)) ** 2), res.mse[-1]) < 1e-12


def test_chunks_do_not_change_the_run():
    X, T = lmnotes.problems.seed_example(7)
    net = Network([3, 4, 2])
    a = lmnotes.train_lm(net, X, T, epochs=5)
    b = lmnotes.train_lm(net, X, T, epochs=5, chunk=2)
    np.testing.assert_allclose(a.sse, b.sse, rtol=1e-9)
    np.testing.assert_allclose(a.w, b.w, rtol=1e-8, atol=1e-12)


def test_duplicate_hidden_units_singular_normal_matrix():
    """Two identical hidden units make JᵀJ singular; LM still trains and stays finite."""
    net = Network([1, 4, 1])
    (W1, b1), (W2, b2) = net.unpack(net.init_weights(seed=1))
    W1[1], b1[1] = W1[0], b1[0]
    w0 = net.pack([(W1, b1), (W2, b2)])
    X, T = lmnotes.problems.sine(40)
    JtJ = lmnotes.gauss_newton(net, w0, X, T).JtJ
    assert np.linalg.matrix_rank(JtJ) < net.n_params
    res = lmnotes.train_lm(net, X, T, w0, mu=1e-20, epochs=30)
    assert np.all(np.isfinite(res.w)) and np.all(np.isfinite(res.sse))
    assert res.sse[-1] < 0.5 * res.sse[0]


# ----- non-finite trials ---------------------------------------------------------------------
def test_nan_trials_are_rejected():
    calls = {"nan": 0}

    def residual(x):  # cube root problem whose Gauss–Newton step from 0.1 overshoots into NaN land
        if x[0] > 3.0:
            calls["nan"] += 1
            return np.array([np.nan])
        return np.array([x[0] ** 3 - 8.0])

    res = lmnotes.levenberg_marquardt(residual, lambda x: np.array([[3.0 * x[0] ** 2]]), [0.1], mu=1e-6)
    assert calls["nan"] > 0
    assert np.all(np.isfinite(res.w)) and np.all(np.isfinite(res.sse))
    assert abs(res.w[0] - 2.0) < 1e-6


def test_infinite_network_outputs_are_rejected():
    def residual(x):
        return np.array([np.inf if abs(x[0]) > 1.5 else x[0] - 1.0, x[1] - 2.0])

    res = lmnotes.levenberg_marquardt(residual, lambda x: np.eye(2), [0.0, 0.0], epochs=50)
    assert np.all(np.isfinite(res.w)) and np.all(np.isfinite(res.sse))
    assert res.sse[-1] < res.sse[0]


# ----- every stop reason ----------------------------------------------------------------------
def linear_problem():
    """An inconsistent overdetermined linear least-squares problem: minimum SSE > 0."""
    A = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    b = np.array([1.0, 1.0, 0.0])
    return (lambda x: A @ x - b), (lambda x: A)


def test_stop_goal():
    res = lmnotes.levenberg_marquardt(rosenbrock, rosenbrock_jac, [-1.2, 1.0], goal=1e-6)
    assert res.stop == "goal" and res.mse[-1] <= 1e-6 < res.mse[-2]


def test_stop_min_grad():
    r, J = linear_problem()
    res = lmnotes.levenberg_marquardt(r, J, [5.0, -3.0], min_grad=1e-6)
    assert res.stop == "min_grad" and res.gradient[-1] < 1e-6 <= res.gradient[-2]


def test_stop_mu_max():
    r, J = linear_problem()
    res = lmnotes.levenberg_marquardt(r, J, [5.0, -3.0], min_grad=0.0, mu_max=1e2, ftol=0.0, xtol=0.0)
    assert res.stop == "mu_max" and res.mu[-1] > 1e2
    np.testing.assert_allclose(res.w, [1 / 3, 1 / 3], atol=1e-9)


def test_stop_epochs():
    X, T = lmnotes.problems.sine(30)
    res = lmnotes.train_lm(Network([1, 3, 1]), X, T, epochs=3)
    assert res.stop == "epochs" and res.epochs == 3 and res.sse.shape == (4,)


def test_stop_validation_returns_the_best_weights():
    X, T = lmnotes.problems.sine(30)
    net = Network([1, 3, 1])
    w0 = net.init_weights(seed=2)
    # validation targets of opposite sign: the better the fit, the worse the validation error
    res = lmnotes.train_lm(net, X, T, w0, X_val=X, T_val=-T, max_fail=4)
    assert res.stop == "validation"
    assert res.val_sse.shape == res.sse.shape
    best = int(np.argmin(res.val_sse))
    assert res.best_epoch == best and res.epochs == best + 4
    assert rel_err(np.sum((-T - net.forward(res.w, X)) ** 2), res.val_sse[best]) < 1e-12


def test_stop_callback():
    seen = []

    def callback(epoch, w, sse, mu):
        seen.append((epoch, sse, mu))
        return epoch == 2

    X, T = lmnotes.problems.sine(30)
    res = lmnotes.train_lm(Network([1, 3, 1]), X, T, callback=callback)
    assert res.stop == "callback" and res.epochs == 2
    assert [s[0] for s in seen] == [0, 1, 2]
    np.testing.assert_array_equal([s[1] for s in seen], res.sse)


def test_every_stop_reason_is_tested():
    tested = {"goal", "epochs", "min_grad", "mu_max", "ftol", "xtol", "validation", "callback", "interrupted"}
    assert set(STOP_REASONS) == tested  # "interrupted": tests/test_lm_reliability.py


def test_show_prints_progress(capsys):
    X, T = lmnotes.problems.sine(30)
    lmnotes.train_lm(Network([1, 3, 1]), X, T, epochs=4, show=2)
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(",")[0] for line in lines[:-1]] == ["Epoch 0/4", "Epoch 2/4", "Epoch 4/4"]
    assert lines[-1] == "Stopped: epochs"


# ----- problems -----------------------------------------------------------------------------
def test_problems_shapes_and_seeds():
    X, T = lmnotes.problems.sine(200)
    assert X.shape == T.shape == (200, 1) and X[0, 0] == -1.0 and X[-1, 0] == 1.0
    np.testing.assert_allclose(T, np.sin(2 * np.pi * X))
    _, Tn = lmnotes.problems.sine(50, noise=0.1, seed=4)
    _, Tn2 = lmnotes.problems.sine(50, noise=0.1, seed=4)
    np.testing.assert_array_equal(Tn, Tn2)
    X, T = lmnotes.problems.seed_example()
    assert X.shape == (5, 3) and T.shape == (5, 2) and np.all(np.abs(X) <= 1)
    np.testing.assert_array_equal(T, lmnotes.problems.teacher(X))


# ----- bad input ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"mu": 0.0}, "mu must be a finite number in \\(0"),
        ({"mu": -1.0}, "mu must be"),
        ({"mu": np.nan}, "mu must be"),
        ({"mu_dec": 1.0}, "mu_dec must be in \\(0, 1\\)"),
        ({"mu_dec": 0.0}, "mu_dec must be"),
        ({"mu_inc": 1.0}, "mu_inc must be at least 1.01"),
        ({"mu_max": 1e-4}, "mu must not exceed mu_max"),
        ({"goal": -1.0}, "goal"),
        ({"min_grad": -1.0}, "min_grad"),
        ({"epochs": -1}, "epochs must be an integer >= 0"),
        ({"epochs": 2.5}, "epochs must be an integer"),
        ({"max_fail": 0}, "max_fail must be an integer >= 1"),
        ({"scaling": "levenberg"}, "scaling must be None"),
        ({"show": 0}, "show"),
        ({"callback": 3}, "callback must be callable"),
        ({"chunk": 0}, "chunk must be a positive integer"),
        ({"w0": np.zeros(5)}, "w must be a 1-D vector of length 10"),
        ({"w0": np.full(10, np.nan)}, "w must hold finite values"),
        ({"X_val": np.zeros((3, 1))}, "X_val and T_val must be given together"),
        ({"X_val": np.zeros((3, 2)), "T_val": np.zeros((3, 1))}, "X_val must have shape \\(N, 1\\)"),
    ],
)
def test_train_lm_bad_options(kwargs, match):
    X, T = lmnotes.problems.sine(10)
    with pytest.raises(ValueError, match=match):
        lmnotes.train_lm(Network([1, 3, 1]), X, T, **kwargs)


def test_train_lm_bad_data():
    net = Network([1, 3, 1])
    with pytest.raises(ValueError, match="X must have shape"):
        lmnotes.train_lm(net, np.zeros((4, 2)), np.zeros((4, 1)))
    with pytest.raises(ValueError, match=r"T must have shape \(4, 1\)"):
        lmnotes.train_lm(net, np.zeros((4, 1)), np.zeros((3, 1)))
    with pytest.raises(ValueError, match="T must hold finite values"):
        lmnotes.train_lm(net, np.zeros((4, 1)), np.full((4, 1), np.inf))


def test_levenberg_marquardt_bad_input():
    r, J = linear_problem()
    with pytest.raises(ValueError, match="x0 must be a 1-D vector"):
        lmnotes.levenberg_marquardt(r, J, [[1.0, 2.0]])
    with pytest.raises(ValueError, match="x0 must hold finite values"):
        lmnotes.levenberg_marquardt(r, J, [np.nan, 0.0])
    with pytest.raises(ValueError, match="give exactly one of jacobian"):
        lmnotes.levenberg_marquardt(r, None, [0.0, 0.0])
    with pytest.raises(ValueError, match="residual must be callable"):
        lmnotes.levenberg_marquardt(3, J, [0.0, 0.0])
    with pytest.raises(ValueError, match=r"jacobian\(x\) must return shape \(3, 2\)"):
        lmnotes.levenberg_marquardt(r, lambda x: np.zeros((2, 3)), [0.0, 0.0])
    with pytest.raises(ValueError, match=r"residual\(x\) must return a 1-D array"):
        lmnotes.levenberg_marquardt(lambda x: np.zeros((3, 1)), J, [0.0, 0.0])
    with pytest.raises(ValueError, match=r"residual\(x0\) must hold finite values"):
        lmnotes.levenberg_marquardt(lambda x: np.full(3, np.nan), J, [0.0, 0.0])
    with pytest.raises(ValueError, match=r"normal_equations\(x\) must return \(A, g, sse\)"):
        lmnotes.levenberg_marquardt(r, None, [0.0, 0.0], normal_equations=lambda x: (np.eye(3), np.zeros(3), 0.0))
