"""Boundaries of Levenberg–Marquardt and of the default sizes, each pinned where it switches.

Every stopping rule at its exact threshold, the floor of μ, both floors of Marquardt's damping
diagonal, non-finite values at trial points, validation ties and consecutive failures, the
callback's copy of the iterate, a residual that changes length, the default block and chunk sizes
on wide and multi-output networks, and the scale of the initial weights. The tests state the
documented behaviour; a change of any one boundary by one step fails at least one of them.
"""

import math
import sys

import numpy as np
import pytest

import lmnotes
from lmnotes import Network
from lmnotes.gauss_newton import CHUNK_ENTRIES, default_chunk
from lmnotes.input_hessian import BLOCK_ENTRIES, default_block
from lmnotes.lm import damping_diagonal

pytestmark = pytest.mark.filterwarnings("ignore:Output seems independent of input")


def stuck(value: float = 1.0):
    """A residual that no step improves: ``r(x) = [value]`` with a non-zero Jacobian, so every trial fails."""
    return (lambda x: np.array([value])), (lambda x: np.array([[1.0]]))


def linear(A, b):
    """``r(x) = A x - b``: one Gauss–Newton step reaches the minimum, so every first trial succeeds."""
    A, b = np.asarray(A, dtype=float), np.asarray(b, dtype=float)
    return (lambda x: A @ x - b), (lambda x: A)


# ----- stopping rules at their exact thresholds -------------------------------------------------
def test_mu_equal_to_mu_max_is_still_tried_and_stops_only_beyond():
    r, J = stuck()
    res = lmnotes.levenberg_marquardt(r, J, [0.0], mu=1.0, mu_inc=10.0, mu_max=100.0, epochs=5)
    # trials at mu = 1, 10 and 100 (= mu_max, still allowed), then mu = 1000 > mu_max stops
    assert res.n_fev == 1 + 3
    assert res.stop == "mu_max" and res.epochs == 1
    np.testing.assert_array_equal(res.mu, [1.0, 1000.0])


def test_starting_at_mu_max_is_allowed():
    r, J = linear([[1.0, 0.0], [0.0, 2.0]], [1.0, 1.0])
    res = lmnotes.levenberg_marquardt(r, J, [0.0, 0.0], mu=100.0, mu_max=100.0, epochs=1)
    assert res.stop == "epochs" and res.epochs == 1 and res.sse[1] < res.sse[0]


def test_goal_is_reached_when_the_mean_square_equals_it():
    r, J = linear(np.eye(2), [1.0, -1.0])  # at x = 0: sse = 2, M = 2, mse = 1
    res = lmnotes.levenberg_marquardt(r, J, [0.0, 0.0], goal=1.0)
    assert res.stop == "goal" and res.epochs == 0
    res = lmnotes.levenberg_marquardt(r, J, [0.0, 0.0], goal=math.nextafter(1.0, 0.0), epochs=1)
    assert res.epochs == 1 and res.mse[0] == 1.0  # goal is on the mean square, not the sum (2)


def test_min_grad_stops_only_strictly_below():
    r, J = linear(np.eye(2), [-3.0, -4.0])  # at x = 0: g = Jᵀr = (3, 4), ‖g‖ = 5 exactly
    res = lmnotes.levenberg_marquardt(r, J, [0.0, 0.0], min_grad=5.0, epochs=1)
    assert res.epochs == 1 and res.gradient[0] == 5.0
    res = lmnotes.levenberg_marquardt(r, J, [0.0, 0.0], min_grad=math.nextafter(5.0, 6.0), epochs=1)
    assert res.stop == "min_grad" and res.epochs == 0


@pytest.mark.parametrize("epochs", [0, 1, 4])
def test_epochs_runs_exactly_that_many(epochs):
    X, T = lmnotes.problems.sine(20)
    res = lmnotes.train_lm(Network([1, 3, 1]), X, T, epochs=epochs, min_grad=0.0)
    assert res.stop == "epochs" and res.epochs == epochs and res.sse.shape == (epochs + 1,)


# ----- the floor of μ ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("mu", "mu_dec", "after"),
    [(1e-20, 0.1, 1e-20), (2e-20, 0.1, 1e-20), (1e-19, 0.5, 5e-20), (1e-3, 0.1, 1e-4)],
)
def test_mu_after_a_success_is_never_below_1e_minus_20(mu, mu_dec, after):
    r, J = linear([[2.0, 0.0], [0.0, 1.0], [1.0, 1.0]], [1.0, 2.0, 0.0])
    res = lmnotes.levenberg_marquardt(r, J, [5.0, 5.0], mu=mu, mu_dec=mu_dec, epochs=1, min_grad=0.0)
    assert res.sse[1] < res.sse[0]  # the first trial succeeded
    assert res.mu[1] == after


# ----- Marquardt's damping diagonal: a relative floor, and 1 for A = 0 --------------------------
def test_damping_diagonal_floors():
    np.testing.assert_array_equal(damping_diagonal(np.diag([4.0, 0.0, 1.0]), "marquardt"), [4.0, 4e-12, 1.0])
    np.testing.assert_array_equal(damping_diagonal(np.diag([1.0, 1e-15, 2e-12]), "marquardt"), [1.0, 1e-12, 2e-12])
    np.testing.assert_array_equal(damping_diagonal(np.zeros((3, 3)), "marquardt"), np.ones(3))
    np.testing.assert_array_equal(damping_diagonal(np.diag([4.0, 0.0]), None), np.ones(2))


def test_marquardt_scaling_trains_with_a_parameter_that_does_not_matter():
    """A zero column of J makes diag(JᵀJ) zero there; the relative floor keeps the damped matrix
    positive definite, so the steps are taken (without it every factorisation fails)."""
    A = np.array([[1.0, 0.0], [2.0, 0.0], [1.0, 0.0]])
    r, J = linear(A, [1.0, 1.0, 1.0])
    res = lmnotes.levenberg_marquardt(r, J, [5.0, 3.0], scaling="marquardt", epochs=1, min_grad=0.0)
    assert res.mu[1] == res.mu[0] * 0.1  # the first trial was accepted: (A + μ diag(6, 6e-12)) is definite
    # the step solves (AᵀA + μ diag(d)) Δ = −g: only the first coordinate moves
    x1 = 5.0 - (A.T @ r(np.array([5.0, 3.0])))[0] / (6.0 * (1.0 + res.mu[0]))
    np.testing.assert_allclose(res.w, [x1, 3.0], rtol=1e-12)


# ----- non-finite values at trial points ------------------------------------------------------
def test_a_non_finite_jacobian_at_a_trial_point_rejects_it():
    r, _ = linear([[1.0]], [1.0])

    def jacobian(x):  # finite only where x <= 0.5, though the error keeps falling beyond
        return np.array([[np.nan if x[0] > 0.5 else 1.0]])

    seen = []
    res = lmnotes.levenberg_marquardt(
        r, jacobian, [0.0], mu=1e-3, epochs=6, min_grad=0.0, callback=lambda e, x, s, m: seen.append(x[0])
    )
    assert all(x <= 0.5 for x in seen) and res.w[0] <= 0.5 and res.w[0] > 0.0
    assert np.all(np.isfinite(res.sse)) and np.all(np.isfinite(res.gradient))


@pytest.mark.parametrize("bad", ["A", "g"])
@pytest.mark.parametrize("value", [np.nan, np.inf])
def test_non_finite_normal_equations_at_a_trial_point_reject_it(bad, value):
    r, J = linear([[1.0]], [1.0])

    def normal(x):
        A, g = np.array([[1.0]]), np.array([x[0] - 1.0])
        if x[0] > 0.5:
            A, g = (A * value, g) if bad == "A" else (A, g * value)
        return A, g, 0.0

    res = lmnotes.levenberg_marquardt(r, None, [0.0], normal_equations=normal, mu=1e-3, epochs=6, min_grad=0.0)
    assert 0.0 < res.w[0] <= 0.5 and np.all(np.isfinite(res.gradient))


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
def test_a_non_finite_residual_at_a_trial_point_rejects_it(value):
    def residual(x):
        return np.array([value if x[0] > 0.5 else x[0] - 1.0])

    res = lmnotes.levenberg_marquardt(residual, lambda x: np.array([[1.0]]), [0.0], mu=1e-3, epochs=6, min_grad=0.0)
    assert 0.0 < res.w[0] <= 0.5 and np.all(np.isfinite(res.sse))
    assert np.all(np.diff(res.sse) <= 0)


@pytest.mark.parametrize("value", [np.nan, np.inf])
def test_a_non_finite_residual_is_rejected_even_where_the_normal_equations_are_finite(value):
    def residual(x):
        return np.array([value if x[0] > 0.5 else x[0] - 1.0])

    def normal(x):  # finite everywhere: only the residual tells that the trial point is bad
        return np.array([[1.0]]), np.array([min(x[0], 0.5) - 1.0]), 0.0

    res = lmnotes.levenberg_marquardt(residual, None, [0.0], normal_equations=normal, mu=1e-3, epochs=6, min_grad=0.0)
    assert 0.0 < res.w[0] <= 0.5 and np.all(np.isfinite(res.sse))


# ----- validation: ties and consecutive failures ------------------------------------------------
def scripted_validation(values):
    """A validation residual whose squared norm is ``values[k]`` at its k-th call (once per epoch)."""
    calls = []

    def val_residual(x):
        calls.append(x.copy())
        return np.array([math.sqrt(values[min(len(calls) - 1, len(values) - 1)])])

    return val_residual, calls


def slow_problem():
    """Rosenbrock from (-1.2, 1): a dozen or more accepted epochs before it converges."""
    return (
        lambda x: np.array([10.0 * (x[1] - x[0] ** 2), 1.0 - x[0]]),
        lambda x: np.array([[-20.0 * x[0], 10.0], [-1.0, 0.0]]),
    )


def run_with_validation(values, max_fail):
    r, J = slow_problem()
    val, calls = scripted_validation(values)
    seen = []

    def callback(epoch, x, sse, mu):
        seen.append(x.copy())

    res = lmnotes.levenberg_marquardt(
        r, J, [-1.2, 1.0], val_residual=val, max_fail=max_fail, epochs=30, min_grad=0.0, callback=callback
    )
    return res, seen


def test_a_tie_with_the_best_validation_error_is_a_failure():
    res, seen = run_with_validation([25.0, 25.0, 25.0, 25.0, 25.0], max_fail=3)
    assert res.stop == "validation" and res.epochs == 3 and res.best_epoch == 0
    np.testing.assert_array_equal(res.w, seen[0])


def test_validation_failures_must_be_consecutive():
    # new best at 1, ties at 2 and 3 (failures 1, 2), new best at 4 (count reset), then 5, 6, 7 fail
    values = [25.0, 16.0, 16.0, 16.0, 9.0, 49.0, 49.0, 49.0, 49.0]
    res, seen = run_with_validation(values, max_fail=3)
    assert res.stop == "validation" and res.epochs == 7 and res.best_epoch == 4
    np.testing.assert_array_equal(res.val_sse, values[:8])
    np.testing.assert_array_equal(res.w, seen[4])


def test_max_fail_one_stops_at_the_first_failure():
    res, seen = run_with_validation([25.0, 16.0, 16.0], max_fail=1)
    assert res.stop == "validation" and res.epochs == 2 and res.best_epoch == 1
    np.testing.assert_array_equal(res.w, seen[1])


# ----- the callback gets a copy ----------------------------------------------------------------
def test_the_callback_gets_a_copy_and_cannot_change_training():
    X, T = lmnotes.problems.sine(20)
    net = Network([1, 3, 1])
    plain = lmnotes.train_lm(net, X, T, epochs=4)
    kept = []

    def vandal(epoch, w, sse, mu):
        kept.append(w)
        w[:] = 1e3  # editing what it was given must not touch the iterate

    res = lmnotes.train_lm(net, X, T, epochs=4, callback=vandal)
    np.testing.assert_array_equal(res.w, plain.w)
    np.testing.assert_array_equal(res.sse, plain.sse)
    assert len({id(w) for w in kept}) == len(kept)  # a fresh array every epoch

    stored = []
    lmnotes.train_lm(net, X, T, epochs=3, callback=lambda e, w, s, m: stored.append(w))
    np.testing.assert_array_equal(stored[0], net.init_weights(seed=0))  # not overwritten by later epochs
    assert not np.array_equal(stored[0], stored[-1])


# ----- a residual that changes length ---------------------------------------------------------
def test_a_residual_that_changes_length_is_an_error():
    calls = []

    def residual(x):
        calls.append(1)
        return np.array([x[0] - 1.0, x[0] - 2.0, 2.0 * x[0]]) if len(calls) == 1 else np.array([x[0] - 1.0])

    jacobian = lambda x: np.array([[1.0], [1.0], [2.0]])  # noqa: E731
    with pytest.raises(ValueError, match=r"residual\(x\) must return a 1-D array of length 3; got shape \(1,\)"):
        lmnotes.levenberg_marquardt(residual, jacobian, [0.0], epochs=3)


def test_a_jacobian_that_changes_rows_is_an_error():
    calls = []

    def jacobian(x):
        calls.append(1)
        return np.ones((2, 1)) if len(calls) == 1 else np.ones((3, 1))

    with pytest.raises(ValueError, match=r"jacobian\(x\) must return shape \(2, 1\)"):
        lmnotes.levenberg_marquardt(lambda x: np.array([x[0] - 1.0, x[0] + 1.0]) * 0.5, jacobian, [3.0], epochs=3)


# ----- default sizes: the block of input_hessian, the chunk of gauss_newton ---------------------
@pytest.mark.parametrize(
    "sizes", [[3, 8, 2], [2, 3, 50, 2], [64, 64, 17], [16, 300, 1], [5, 4, 9, 3], [1, 1, 1]]
)
def test_default_block_is_the_largest_within_block_entries(sizes):
    net = Network(sizes)
    per_sample = net.n_outputs * net.n_inputs * max(net.sizes[1:])
    block = default_block(net)
    if per_sample > BLOCK_ENTRIES:  # a wide network: one sample per block
        assert block == 1
    else:
        assert block * per_sample <= BLOCK_ENTRIES < (block + 1) * per_sample


def test_input_hessian_of_a_wide_network_with_the_default_block(rng):
    net = Network([64, 64, 17])  # K·D·n_1 = 69 632 > 65 536: the default block is 1 sample
    w = net.init_weights(seed=3)
    X = rng.normal(size=(3, 64))
    H = net.input_hessian(w, X)
    from lmnotes.input_hessian import input_hessian

    np.testing.assert_allclose(H, input_hessian(net, w, X, block=3), rtol=1e-12, atol=1e-15)
    # the single-hidden-layer closed form: H[n, k] = W1ᵀ diag(W2[k] ⊙ f''(z_n)) W1
    (W1, b1), (W2, _) = net.unpack(w)
    a = np.tanh(X @ W1.T + b1)
    ref = np.einsum("id,nki,ie->nkde", W1, W2[None] * (-2.0 * a * (1.0 - a * a))[:, None, :], W1)
    np.testing.assert_allclose(H, ref, rtol=1e-9, atol=1e-12 * np.max(np.abs(ref)))


@pytest.mark.parametrize("sizes", [[3, 4, 2], [10, 50, 50, 3], [2, 3, 1], [1000, 2000, 3], [40, 45, 7]])
def test_default_chunk_is_the_largest_within_chunk_entries(sizes):
    net = Network(sizes)
    per_sample = net.n_outputs * net.n_params  # one sample's rows of J: K × P
    chunk = default_chunk(net)
    if per_sample > CHUNK_ENTRIES:
        assert chunk == 1
    else:
        assert chunk * per_sample <= CHUNK_ENTRIES < (chunk + 1) * per_sample


def test_gauss_newton_with_the_default_chunk_splits_a_multi_output_batch(rng, monkeypatch):
    net = Network([4, 6, 3])  # K·P = 3 · 51: with room for 2 samples a chunk, 7 samples take 4 chunks
    monkeypatch.setattr(sys.modules["lmnotes.gauss_newton"], "CHUNK_ENTRIES", 2 * 3 * 51 + 152)
    assert default_chunk(net) == 2
    w = net.init_weights(seed=1)
    X, T = rng.normal(size=(7, 4)), rng.normal(size=(7, 3))
    got = lmnotes.gauss_newton(net, w, X, T)
    J = net.jacobian(w, X)
    e = (T - net.forward(w, X)).ravel()
    np.testing.assert_allclose(got.Jte, J.T @ e, rtol=1e-12, atol=1e-12 * np.max(np.abs(J.T @ e)))
    np.testing.assert_allclose(got.JtJ, J.T @ J, rtol=1e-12, atol=1e-12 * np.max(np.abs(J.T @ J)))
    assert got.sse == pytest.approx(e @ e, rel=1e-12)


# ----- the initialisation scale ---------------------------------------------------------------
def test_initial_weights_have_standard_deviation_one_over_root_fan_in():
    net = Network([400, 300, 100])
    layers = net.unpack(net.init_weights(seed=0))
    for (W, b), n_in in zip(layers, net.sizes[:-1]):
        values = np.concatenate([W.ravel(), b])
        std = 1.0 / math.sqrt(n_in)
        # n >= 30 000 draws: the sample standard deviation is within 2% of the true one (> 5 sigma)
        assert abs(values.std() / std - 1.0) < 0.02, (n_in, values.std(), std)
        assert abs(values.mean()) < 0.03 * std
        assert abs(b.std() / std - 1.0) < 0.25  # the biases share the scale (only n_out of them)


# ----- the μ trials, the callback's answer, an SSE that overflows at the start -------------------
def test_every_valid_mu_inc_terminates():
    from test_properties import time_limit

    from lmnotes.lm import MU_INC_MIN

    r, J = stuck()
    with time_limit(2.0):
        res = lmnotes.levenberg_marquardt(r, J, [0.0], mu_inc=MU_INC_MIN, epochs=2, ftol=0.0, xtol=0.0)
    assert res.stop == "mu_max"


def test_a_callback_returning_neither_none_nor_a_bool_is_an_error():
    X, T = lmnotes.problems.sine(10)
    with pytest.raises(ValueError, match="callback"):
        lmnotes.train_lm(Network([1, 2, 1]), X, T, epochs=2, callback=lambda e, w, s, m: "no")


def test_an_sse_that_overflows_at_the_start_is_an_error():
    with pytest.raises(ValueError, match="scale"):
        lmnotes.levenberg_marquardt(lambda x: np.array([1e200, x[0]]), lambda x: np.array([[0.0], [1.0]]), [1.0])
