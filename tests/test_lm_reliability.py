"""Levenberg–Marquardt never returns a silently wrong result, always returns, and keeps its work.

Each test pins one rule at its boundary: the bound on the μ trials of an epoch, a NaN or infinite
validation error, a sum of squares that overflows at the start, what the callback may return, the
contract of ``normal_equations``, a ``JᵀJ`` that overflows at a trial point, and a
KeyboardInterrupt anywhere in a run (it returns the result up to the last completed epoch).
"""

import math
from contextlib import contextmanager

import numpy as np
import pytest
from test_lm_boundaries import linear, scripted_validation, slow_problem, stuck
from test_properties import time_limit

import lmnotes
import lmnotes.lm
from lmnotes import Network
from lmnotes.lm import MU_INC_MIN, NO_FINITE_VALIDATION, max_trials

pytestmark = pytest.mark.filterwarnings("ignore:Output seems independent of input")


# ----- a bounded number of μ trials -------------------------------------------------------------
def trials_from(mu: float, mu_inc: float, mu_max: float) -> int:
    """The μ values an epoch tries when every trial fails, counted by running the schedule."""
    count = 0
    while mu <= mu_max:
        count, mu = count + 1, mu * mu_inc
    return count


@pytest.mark.parametrize(("mu", "mu_max"), [(1e-3, 1e10), (1e-20, 1e10), (1.0, 1.0), (3.0, 1e3)])
def test_a_never_improving_epoch_tries_a_bounded_number_of_steps(mu, mu_max):
    mu_inc = math.nextafter(MU_INC_MIN, 2.0)  # just above the smallest mu_inc allowed
    r, J = stuck()
    with time_limit(10.0):
        res = lmnotes.levenberg_marquardt(r, J, [0.0], mu=mu, mu_inc=mu_inc, mu_max=mu_max, ftol=0.0, xtol=0.0)
    assert res.stop == "mu_max" and res.epochs == 1
    trials = res.n_fev - 1  # one residual call at x0, then one a trial
    assert trials == trials_from(mu, mu_inc, mu_max)
    assert max_trials(mu, mu_inc, mu_max) - 1 <= trials <= max_trials(mu, mu_inc, mu_max)


def test_max_trials_of_the_defaults():
    assert max_trials(1e-3, MU_INC_MIN, 1e10) == 3010 and trials_from(1e-3, MU_INC_MIN, 1e10) <= 3010
    assert max_trials(1e-3, 10.0, 1e10) == 15 and trials_from(1e-3, 10.0, 1e10) == 14  # 1e-3, …, 1e10
    assert max_trials(2.0, 10.0, 1.0) == 0


def test_mu_inc_below_its_minimum_is_refused():
    r, J = stuck()
    for mu_inc in [math.nextafter(MU_INC_MIN, 0.0), 1.0 + 1e-12, 1.0]:
        with pytest.raises(ValueError, match=r"mu_inc must be at least 1\.01 .*; got 1\.0"):
            lmnotes.levenberg_marquardt(r, J, [0.0], mu_inc=mu_inc)
    X, T = lmnotes.problems.sine(10)
    with pytest.raises(ValueError, match="mu_inc must be at least"):
        lmnotes.train_lm(Network([1, 2, 1]), X, T, mu_inc=1.005)


# ----- a NaN or infinite validation error ------------------------------------------------------
def run_slow(values, max_fail, **kwargs):
    """The slow problem with a validation residual ``[values[k]]`` at epoch ``k`` (its square is the error)."""
    r, J = slow_problem()
    calls = []

    def val(x):
        calls.append(1)
        return np.array([values[min(len(calls), len(values)) - 1]])

    seen = []
    res = lmnotes.levenberg_marquardt(
        r, J, [-1.2, 1.0], val_residual=val, max_fail=max_fail, epochs=30, min_grad=0.0,
        callback=lambda e, x, s, m: seen.append(x), **kwargs,
    )
    return res, seen


def test_non_finite_validation_errors_are_consecutive_failures():
    # NaN at 0 (failure 1), new best at 1, NaN at 2 (1), new best at 3, then inf, a finite residual
    # whose square overflows, and NaN: three failures in a row
    res, seen = run_slow([math.nan, 5.0, math.nan, 4.0, math.inf, 1e200, -math.inf, 1.0], max_fail=3)
    assert res.stop == "validation" and res.epochs == 6 and res.best_epoch == 3
    np.testing.assert_array_equal(res.w, seen[3])
    np.testing.assert_array_equal(res.val_sse, [np.inf, 25.0, np.inf, 16.0, np.inf, np.inf, np.inf])
    assert NO_FINITE_VALIDATION not in res.message


def test_a_finite_validation_error_beats_none_at_the_first_epoch():
    res, seen = run_slow([math.nan, 1e150, math.inf, math.inf], max_fail=2)
    assert res.stop == "validation" and res.epochs == 3 and res.best_epoch == 1
    np.testing.assert_array_equal(res.w, seen[1])


def test_never_a_finite_validation_error_returns_the_last_epoch_and_says_so():
    res, seen = run_slow([math.nan], max_fail=4)
    assert res.stop == "validation" and res.epochs == 3 and res.best_epoch == 3
    np.testing.assert_array_equal(res.w, seen[3])
    assert not np.array_equal(res.w, seen[0])
    assert res.message.endswith(NO_FINITE_VALIDATION)
    assert np.all(np.isinf(res.val_sse))


def test_train_lm_with_validation_targets_beyond_float64():
    X, T = lmnotes.problems.sine(20)
    net = Network([1, 3, 1])
    res = lmnotes.train_lm(net, X, T, X_val=X, T_val=T * 1e160, max_fail=3)
    assert res.stop == "validation" and res.epochs == 2 and res.best_epoch == 2
    np.testing.assert_array_equal(res.w, lmnotes.train_lm(net, X, T, epochs=2).w)
    assert "no epoch had a finite validation error" in res.message


# ----- a sum of squares that overflows at the start -------------------------------------------
def test_the_largest_representable_sum_of_squares_is_accepted_and_the_next_refused():
    big = math.sqrt(np.finfo(float).max)  # big² is just representable
    J = lambda x: np.array([[0.0], [1.0]])  # noqa: E731
    res = lmnotes.levenberg_marquardt(lambda x: np.array([big * (1 - 1e-15), x[0]]), J, [1.0], epochs=1)
    assert np.isfinite(res.sse[0])
    with pytest.raises(ValueError, match=r"^residual\(x0\) has a sum of squares beyond float64.*scale the data"):
        lmnotes.levenberg_marquardt(lambda x: np.array([big * (1 + 1e-15), x[0]]), J, [1.0], epochs=1)


@pytest.mark.parametrize("case", ["targets", "weights"])
def test_train_lm_refuses_an_sse_beyond_float64_and_names_the_cure(case):
    X, T = lmnotes.problems.sine(20)
    net = Network([1, 3, 1])
    kwargs = {"T": T * 1e160} if case == "targets" else {"T": T, "w0": np.full(net.n_params, 1e200)}
    with pytest.raises(ValueError, match=r"^The sum of squared errors at w0 is beyond float64.*normalize='minmax'"):
        lmnotes.train_lm(net, X, **kwargs)


def test_train_lm_refuses_outputs_beyond_float64():
    net = Network([1, 4, 1], hidden="purelin", output="purelin")
    X, T = np.array([[1e150], [-1e150]]), np.zeros((2, 1))
    with pytest.raises(ValueError, match=r"^The network's outputs at w0 are beyond float64"):
        lmnotes.train_lm(net, X, T, np.full(net.n_params, 1e150), epochs=1)


# ----- the callback: a copy of x, and None or a bool ------------------------------------------
@pytest.mark.parametrize("value", [None, False, np.False_])
def test_a_callback_returning_none_or_false_goes_on(value):
    r, J = slow_problem()
    res = lmnotes.levenberg_marquardt(r, J, [-1.2, 1.0], epochs=3, callback=lambda e, x, s, m: value)
    assert res.stop == "epochs" and res.epochs == 3


@pytest.mark.parametrize("value", [True, np.True_])
def test_a_callback_returning_true_stops(value):
    r, J = slow_problem()
    res = lmnotes.levenberg_marquardt(r, J, [-1.2, 1.0], epochs=3, callback=lambda e, x, s, m: value)
    assert res.stop == "callback" and res.epochs == 0


@pytest.mark.parametrize("value", ["no", 1, 0, 1.0, np.array(True), np.array([True, False]), [], "True"])
def test_a_callback_returning_anything_else_is_an_error(value):
    r, J = slow_problem()
    with pytest.raises(ValueError, match=r"^callback must return None or False \(go on\) or True \(stop\); it "):
        lmnotes.levenberg_marquardt(r, J, [-1.2, 1.0], epochs=3, callback=lambda e, x, s, m: value)


def test_the_generic_solver_hands_the_callback_a_copy():
    r, J = slow_problem()
    plain = lmnotes.levenberg_marquardt(r, J, [-1.2, 1.0], epochs=5)
    kept = []

    def vandal(epoch, x, sse, mu):
        kept.append(x)
        x[:] = 7.0

    res = lmnotes.levenberg_marquardt(r, J, [-1.2, 1.0], epochs=5, callback=vandal)
    np.testing.assert_array_equal(res.w, plain.w)
    np.testing.assert_array_equal(res.sse, plain.sse)
    assert len({id(x) for x in kept}) == len(kept) == 6


# ----- the normal_equations contract -----------------------------------------------------------
def normal_of(returned):
    r, _ = linear(np.eye(2), [1.0, 2.0])
    return lambda: lmnotes.levenberg_marquardt(r, None, [0.0, 0.0], normal_equations=lambda x: returned(x))


@pytest.mark.parametrize(
    ("returned", "match"),
    [
        (lambda x: (np.eye(2), x), r"normal_equations\(x\) must return a tuple \(A, g, sse\) .*; got 2 items"),
        (lambda x: None, r"normal_equations\(x\) must return a tuple \(A, g, sse\) .*; got 'NoneType'"),
        (lambda x: (np.eye(2), x, 0.0, 0.0), r"; got 4 items"),
        (lambda x: np.zeros((3, 2)), r"; got 'ndarray'"),
        (lambda x: (np.eye(2), x, np.zeros(2)), r"^normal_equations\(x\)\[2\] must be the sum of squares"),
        (lambda x: (np.eye(2), x, "1.0"), r"^normal_equations\(x\)\[2\] must be an array of real numbers"),
        (lambda x: (np.eye(3), x, 1.0), r"A of shape \(2, 2\)"),
    ],
)
def test_normal_equations_that_break_the_contract_are_named(returned, match):
    with pytest.raises(ValueError, match=match):
        normal_of(returned)()


def test_normal_equations_may_return_a_list():
    res = normal_of(lambda x: [np.eye(2), x - np.array([1.0, 2.0]), 0.0])()
    np.testing.assert_allclose(res.w, [1.0, 2.0])


# ----- JᵀJ beyond float64 at a trial point of train_lm: the trial is rejected ------------------
def overflowed(normal: lmnotes.GaussNewton) -> lmnotes.GaussNewton:
    """``normal`` with an infinite entry in ``JᵀJ``, as when its sum overflows float64."""
    JtJ = normal.JtJ.copy()
    JtJ[0, 0] = np.inf
    return normal._replace(JtJ=JtJ)


def test_train_lm_rejects_a_trial_whose_normal_equations_overflow(monkeypatch):
    X, T = lmnotes.problems.sine(20)
    net = Network([1, 3, 1])
    plain = lmnotes.train_lm(net, X, T, epochs=2)
    accumulate = lmnotes.lm._accumulate
    calls = []

    def overflowing_once(*args):
        calls.append(1)
        normal = accumulate(*args)
        return overflowed(normal) if len(calls) == 2 else normal  # 2: the first trial of epoch 0

    monkeypatch.setattr(lmnotes.lm, "_accumulate", overflowing_once)
    res = lmnotes.train_lm(net, X, T, epochs=2)
    assert res.stop == "epochs" and res.epochs == 2
    assert res.mu[1] == pytest.approx(10.0 * plain.mu[1])  # the step accepted in plain was rejected: one more trial
    assert res.sse[1] < res.sse[0]


def test_train_lm_refuses_normal_equations_that_overflow_at_w0(monkeypatch):
    accumulate = lmnotes.lm._accumulate
    monkeypatch.setattr(lmnotes.lm, "_accumulate", lambda *args: overflowed(accumulate(*args)))
    X, T = lmnotes.problems.sine(20)
    with pytest.raises(ValueError, match="beyond the range of float64"):
        lmnotes.train_lm(Network([1, 3, 1]), X, T, epochs=2)


# ----- KeyboardInterrupt: the result up to the last completed epoch ---------------------------
@contextmanager
def returned():
    """Fail the test, rather than end the whole test session, if a KeyboardInterrupt escapes."""
    try:
        yield
    except KeyboardInterrupt:
        pytest.fail("the KeyboardInterrupt escaped instead of returning the result so far")


def interrupting(f, at: int):
    """``f`` that raises KeyboardInterrupt at its ``at``-th call (1-based)."""
    calls = []

    def wrapped(*args):
        calls.append(1)
        if len(calls) == at:
            raise KeyboardInterrupt
        return f(*args)

    return wrapped


def assert_same_run(res, reference):
    """``res`` (interrupted) holds exactly the first ``res.epochs`` epochs of ``reference``."""
    assert res.stop == "interrupted" and res.message.startswith("interrupted (KeyboardInterrupt)")
    n = res.epochs + 1
    for name in ("sse", "mu", "gradient"):
        np.testing.assert_array_equal(getattr(res, name), getattr(reference, name)[:n])


@pytest.mark.parametrize("where", ["residual", "jacobian", "normal_equations", "callback"])
@pytest.mark.parametrize("at", [2, 5, 9])
def test_an_interrupt_anywhere_returns_the_run_so_far(where, at):
    r, J = slow_problem()
    normal = lambda x: (J(x).T @ J(x), J(x).T @ r(x), 0.0)  # noqa: E731
    funcs = {"residual": r, "jacobian": J, "normal_equations": normal, "callback": lambda e, x, s, m: None}
    funcs[where] = interrupting(funcs[where], at)
    seen = []
    callback = funcs["callback"]

    def recording(e, x, s, m):
        seen.append(x)
        return callback(e, x, s, m)

    derivative = {"normal_equations": funcs["normal_equations"]} if where == "normal_equations" else {}
    with returned(), pytest.warns(UserWarning, match=r"interrupted .*res\.stop == 'interrupted' and break"):
        res = lmnotes.levenberg_marquardt(
            funcs["residual"], None if derivative else funcs["jacobian"], [-1.2, 1.0], callback=recording,
            epochs=50, **derivative,
        )
    full = lmnotes.levenberg_marquardt(r, J, [-1.2, 1.0], epochs=50)
    assert_same_run(res, full)
    assert 0 <= res.epochs < full.epochs and res.best_epoch == res.epochs
    np.testing.assert_array_equal(res.w, seen[res.epochs])
    np.testing.assert_array_equal(res.w, lmnotes.levenberg_marquardt(r, J, [-1.2, 1.0], epochs=res.epochs).w)
    if where == "callback":
        assert res.epochs == at - 1  # the epoch whose callback was interrupted is complete


def test_an_interrupt_while_evaluating_x0_propagates():
    r, J = slow_problem()
    with pytest.raises(KeyboardInterrupt):
        lmnotes.levenberg_marquardt(interrupting(r, 1), J, [-1.2, 1.0])


def test_an_interrupt_returns_the_best_validation_epoch():
    r, J = slow_problem()
    val, _ = scripted_validation([25.0, 9.0, 16.0, 16.0, 16.0])
    seen = []
    with returned(), pytest.warns(UserWarning, match="interrupted"):
        res = lmnotes.levenberg_marquardt(
            r, J, [-1.2, 1.0], val_residual=interrupting(val, 4), max_fail=6, epochs=30,
            callback=lambda e, x, s, m: seen.append(x),
        )
    # the validation of epoch 3 was interrupted: epochs 0 to 2 are complete, the best is epoch 1
    assert res.stop == "interrupted" and res.epochs == 2 and res.best_epoch == 1
    np.testing.assert_array_equal(res.val_sse, [25.0, 9.0, 16.0])
    np.testing.assert_array_equal(res.w, seen[1])


def test_an_interrupt_without_a_finite_validation_error_returns_the_last_completed_epoch():
    r, J = slow_problem()
    seen = []
    with returned(), pytest.warns(UserWarning, match="interrupted"):
        res = lmnotes.levenberg_marquardt(
            r, J, [-1.2, 1.0], val_residual=interrupting(lambda x: np.array([np.nan]), 4), max_fail=6, epochs=30,
            callback=lambda e, x, s, m: seen.append(x),
        )
    # epoch 3's step was accepted, its validation interrupted: the parameters are those of epoch 2
    assert res.stop == "interrupted" and res.epochs == 2 and res.best_epoch == 2
    np.testing.assert_array_equal(res.w, seen[2])
    assert res.message.endswith(NO_FINITE_VALIDATION)


def test_train_lm_interrupted_keeps_its_test_errors(monkeypatch):
    X, T = lmnotes.problems.sine(20)
    X_test, T_test = lmnotes.problems.sine(7, noise=0.1, seed=1)
    net = Network([1, 3, 1])
    full = lmnotes.train_lm(net, X, T, epochs=6, X_test=X_test, T_test=T_test)
    forward_trace = lmnotes.lm.forward_trace
    test_calls = []

    def interrupted_on_the_test_data(net, w, inputs):
        if inputs.shape[0] == 7:
            test_calls.append(1)
            if len(test_calls) == 4:  # the test error of epoch 3
                raise KeyboardInterrupt
        return forward_trace(net, w, inputs)

    monkeypatch.setattr(lmnotes.lm, "forward_trace", interrupted_on_the_test_data)
    with returned(), pytest.warns(UserWarning, match="after epoch 3"):
        res = lmnotes.train_lm(net, X, T, epochs=6, X_test=X_test, T_test=T_test, show=2)
    assert_same_run(res, full)
    assert res.epochs == 3
    np.testing.assert_allclose(res.test_sse, full.test_sse[:4], rtol=1e-15)
    np.testing.assert_array_equal(res.predict(X), lmnotes.train_lm(net, X, T, epochs=3).predict(X))


def test_show_reports_an_interrupt(capsys):
    X, T = lmnotes.problems.sine(20)
    with returned(), pytest.warns(UserWarning, match="interrupted"):
        lmnotes.train_lm(Network([1, 3, 1]), X, T, show=5, callback=interrupting(lambda *a: None, 3))
    lines = capsys.readouterr().out.splitlines()
    assert lines == [lines[0], "Stopped: interrupted"] and lines[0].startswith("Epoch 0/1000")


def test_a_loop_over_seeds_stops_on_an_interrupted_run():
    X, T = lmnotes.problems.sine(20)
    net = Network([1, 3, 1])
    results = []
    stop_at_seed_1 = {1: interrupting(lambda *a: None, 2)}
    with returned(), pytest.warns(UserWarning, match="interrupted"):
        for seed in range(4):  # the documented pattern
            res = lmnotes.train_lm(net, X, T, net.init_weights(seed), epochs=3, callback=stop_at_seed_1.get(seed))
            results.append(res)
            if res.stop == "interrupted":
                break
    assert [r.stop for r in results] == ["epochs", "interrupted"] and results[1].epochs == 1
