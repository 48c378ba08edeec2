"""normalize=: mapminmax / mapstd fitted on the training data, part of the network, errors in original units."""

import numpy as np
import pytest
from autograd import jacobian
from reference import random_architectures, ref_forward, rel_err

import lmnotes
from lmnotes import Network
from lmnotes.normalize import fit_normalizer


# ----- the scalings themselves ----------------------------------------------------------------
def test_minmax_maps_training_columns_to_minus_one_one(rng):
    data = rng.normal(size=(40, 3)) * [1.0, 100.0, 1e-3] + [0.0, 5.0, -2.0]
    s = fit_normalizer(data, "minmax")
    scaled = s.apply(data)
    np.testing.assert_allclose(scaled.min(axis=0), -1.0, atol=1e-14)
    np.testing.assert_allclose(scaled.max(axis=0), 1.0, atol=1e-14)
    np.testing.assert_array_equal(s.offset, data.min(axis=0))  # MATLAB's xoffset
    np.testing.assert_allclose(s.gain, 2.0 / (data.max(axis=0) - data.min(axis=0)))
    assert s.ymin == -1.0
    assert rel_err(s.reverse(scaled), data) < 1e-14


def test_std_gives_zero_mean_unit_sample_variance(rng):
    data = rng.normal(size=(25, 2)) * [3.0, 0.01] + [1.0, -7.0]
    s = fit_normalizer(data, "std")
    scaled = s.apply(data)
    np.testing.assert_allclose(scaled.mean(axis=0), 0.0, atol=1e-11)
    np.testing.assert_allclose(scaled.std(axis=0, ddof=1), 1.0, rtol=1e-13)
    np.testing.assert_allclose(s.mean, data.mean(axis=0))
    np.testing.assert_allclose(s.std, data.std(axis=0, ddof=1))
    assert rel_err(s.reverse(scaled), data) < 1e-14
    with pytest.raises(AttributeError, match="normalize='std'"):
        fit_normalizer(data, "minmax").mean  # noqa: B018


@pytest.mark.parametrize("method", ["minmax", "std"])
def test_constant_columns_pass_unchanged(method):
    """As MATLAB documents: a row (our column) with max == min passes through unchanged."""
    data = np.array([[1.0, 3.0, 0.0], [2.0, 3.0, 0.0], [4.0, 3.0, 0.0]])
    s = fit_normalizer(data, method)
    scaled = s.apply(data)
    np.testing.assert_array_equal(scaled[:, 1:], data[:, 1:])
    assert np.all(np.isfinite(scaled)) and np.all(np.isfinite(s.reverse(scaled)))
    one = fit_normalizer(data[:1], method)  # a single sample: every column is constant
    np.testing.assert_array_equal(one.apply(data), data)


# ----- the network with its scalings ----------------------------------------------------------
def ref_scaled(w, X, sizes, hidden, output, method, X_fit, T_fit):
    """Outputs in original units, with scalings computed here independently of lmnotes."""
    if method == "minmax":
        xlo, xhi, tlo, thi = X_fit.min(0), X_fit.max(0), T_fit.min(0), T_fit.max(0)
        Xs = 2.0 * (X - xlo) / (xhi - xlo) - 1.0
        return (ref_forward(w, Xs, sizes, hidden, output) + 1.0) * (thi - tlo) / 2.0 + tlo
    Xs = (X - X_fit.mean(0)) / X_fit.std(0, ddof=1)
    return ref_forward(w, Xs, sizes, hidden, output) * T_fit.std(0, ddof=1) + T_fit.mean(0)


@pytest.mark.parametrize("method", ["minmax", "std"])
def test_first_step_is_the_lm_step_in_original_units(rng, method):
    """One epoch of train_lm equals (JᵀJ + μI)⁻¹Jᵀe with J and e of the whole scaled network, by autograd."""
    checked = 0
    for sizes, hidden, output, n in random_architectures(rng, 10):
        n = max(n, 3)
        net = Network(sizes, hidden, output)
        X = rng.normal(size=(n, sizes[0])) * 50.0 + 10.0
        T = rng.normal(size=(n, sizes[-1])) * 300.0 - 40.0
        w0 = net.init_weights(seed=int(rng.integers(1000)))
        mu = 10.0
        res = lmnotes.train_lm(net, X, T, w0, epochs=1, mu=mu, normalize=method)
        Y0 = ref_scaled(w0, X, sizes, hidden, output, method, X, T)
        assert rel_err(np.array([np.sum((T - Y0) ** 2)]), res.sse[:1]) < 1e-12
        if res.mu[1] != mu * 0.1:  # first trial rejected: not the case tested here
            continue
        J = jacobian(lambda v: ref_scaled(v, X, sizes, hidden, output, method, X, T))(w0)
        J = J.reshape(T.size, -1)
        e = (T - Y0).ravel()
        step = np.linalg.solve(J.T @ J + mu * np.eye(net.n_params), J.T @ e)
        assert rel_err(res.w - w0, step) < 1e-8, (sizes, hidden, output, n)
        checked += 1
    assert checked >= 4


def test_gauss_newton_output_scale_matches_autograd(rng):
    for sizes, hidden, output, n in random_architectures(rng, 15):
        net = Network(sizes, hidden, output)
        w = net.init_weights(seed=int(rng.integers(1000)))
        X = rng.normal(size=(n, sizes[0]))
        T = rng.normal(size=(n, sizes[-1]))
        s = rng.uniform(0.1, 10.0, size=sizes[-1])
        J = jacobian(lambda v: ref_forward(v, X, sizes, hidden, output) * s)(w).reshape(T.size, -1)
        e = ((T - ref_forward(w, X, sizes, hidden, output)) * s).ravel()
        JtJ, Jte, sse = lmnotes.gauss_newton(net, w, X, T, chunk=2, output_scale=s)
        assert rel_err(JtJ, J.T @ J) < 1e-10 and rel_err(Jte, J.T @ e) < 1e-10
        assert abs(sse - e @ e) <= 1e-12 * max(e @ e, 1.0)


def two_input_problem(n=120, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, size=(n, 2))
    T = np.sin(2 * X[:, :1]) * np.cos(X[:, 1:]) + 0.5 * X[:, 1:] ** 2
    return X, T


@pytest.mark.parametrize("method", ["minmax", "std"])
def test_scaled_training_is_unit_free(method):
    """With normalize, multiplying X by 100 and T by 1000 changes the SSE by exactly 1000² and nothing else."""
    X, T = two_input_problem()
    net = Network([2, 10, 1])
    a = lmnotes.train_lm(net, X, T, epochs=30, normalize=method)
    b = lmnotes.train_lm(net, X * 100.0, T * 1000.0, epochs=30, normalize=method)
    assert a.epochs == b.epochs
    np.testing.assert_allclose(b.sse, a.sse * 1e6, rtol=1e-6)
    np.testing.assert_allclose(b.w, a.w, rtol=1e-6, atol=1e-9)


def test_goal_and_errors_are_in_original_units():
    X, T = two_input_problem()
    X, T = X * 100.0, T * 1000.0
    net = Network([2, 10, 1])
    res = lmnotes.train_lm(net, X, T, goal=1.0, epochs=200, normalize="minmax")
    assert res.stop == "goal" and res.mse[-1] <= 1.0 < res.mse[0]
    assert rel_err(np.array([np.mean((T - res.predict(X)) ** 2)]), res.mse[-1:]) < 1e-10
    # the same network evaluated by hand from the exposed MATLAB settings
    xs, ts = res.x_scaling, res.t_scaling
    Y = (net.forward(res.w, (X - xs.offset) * xs.gain + xs.ymin) - ts.ymin) / ts.gain + ts.offset
    assert rel_err(res.predict(X), Y) < 1e-14


def test_validation_and_test_data_use_the_training_scaling():
    X, T = two_input_problem(160)
    Xv, Tv = X[120:] * 100.0, T[120:] * 1000.0
    X, T = X[:120] * 100.0, T[:120] * 1000.0
    net = Network([2, 10, 1])
    res = lmnotes.train_lm(net, X, T, epochs=8, normalize="std", X_val=Xv, T_val=Tv, X_test=Xv, T_test=Tv)
    assert np.array_equal(res.x_scaling.offset, X.mean(axis=0))  # fitted on training data only
    np.testing.assert_allclose(res.val_sse, res.test_sse, rtol=1e-13)
    best = res.best_epoch
    assert rel_err(np.array([np.mean((Tv - res.predict(Xv)) ** 2)]), res.val_mse[best : best + 1]) < 1e-10


def test_normalize_and_scaling_name_each_other():
    X, T = two_input_problem(20)
    net = Network([2, 3, 1])
    with pytest.raises(ValueError, match=r"normalize must be None.*'minmax'.*'std'.*got 'marquardt'.*scaling="):
        lmnotes.train_lm(net, X, T, normalize="marquardt")
    with pytest.raises(ValueError, match=r"scaling must be None.*got 'minmax'.*normalize="):
        lmnotes.train_lm(net, X, T, scaling="minmax")


def test_train_lm_without_normalize_has_no_scalings():
    X, T = two_input_problem(20)
    res = lmnotes.train_lm(Network([2, 3, 1]), X, T, epochs=2)
    assert res.x_scaling is None and res.t_scaling is None
