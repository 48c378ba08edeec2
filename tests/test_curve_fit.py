"""The generic solver as a curve fitter: args, "fd", ftol/xtol, message, jac, cov and stderr."""

import warnings

import numpy as np
import pytest
from scipy.optimize import curve_fit

import lmnotes
from lmnotes.lm import DEFAULT_TOL


def model(x, a, b, c):
    return a * np.exp(-b * x) + c


def residual(p, x, y):  # r = model − data
    return model(x, *p) - y


def jac(p, x, y):  # ∂r/∂p
    e = np.exp(-p[1] * x)
    return np.stack([e, -p[0] * x * e, np.ones_like(x)], axis=1)


def data(seed=1, n=50, noise=0.02):
    rng = np.random.default_rng(seed)
    x = np.linspace(0.0, 4.0, n)
    return x, model(x, 2.5, 1.3, 0.5) + noise * rng.normal(size=n)


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("jacobian", [jac, "fd"])
def test_stderr_matches_scipy_curve_fit(seed, jacobian):
    x, y = data(seed)
    fit = lmnotes.levenberg_marquardt(residual, jacobian, [1.0, 1.0, 0.0], args=(x, y), min_grad=0.0, ftol=1e-13)
    p, pcov = curve_fit(model, x, y, p0=[1.0, 1.0, 0.0], ftol=1e-15, xtol=1e-15, gtol=1e-15)
    np.testing.assert_allclose(fit.w, p, rtol=1e-8)
    np.testing.assert_allclose(fit.cov, pcov, rtol=1e-6)
    np.testing.assert_allclose(fit.stderr, np.sqrt(np.diag(pcov)), rtol=1e-6)


def test_statistics_are_the_documented_formulas():
    x, y = data()
    fit = lmnotes.levenberg_marquardt(residual, jac, [1.0, 1.0, 0.0], args=(x, y))
    J = jac(fit.w, x, y)
    np.testing.assert_array_equal(fit.jac, J)  # J_r at the returned parameters
    r = residual(fit.w, x, y)
    sigma2 = (r @ r) / (x.size - 3)
    np.testing.assert_allclose(fit.cov, sigma2 * np.linalg.inv(J.T @ J), rtol=1e-12)
    np.testing.assert_allclose(fit.stderr, np.sqrt(np.diag(fit.cov)), rtol=1e-15)


def test_normal_equations_path_has_no_jac_but_has_statistics():
    x, y = data()

    def normal(p, x, y):
        J, r = jac(p, x, y), residual(p, x, y)
        return J.T @ J, J.T @ r, r @ r

    a = lmnotes.levenberg_marquardt(residual, jac, [1.0, 1.0, 0.0], args=(x, y))
    b = lmnotes.levenberg_marquardt(residual, None, [1.0, 1.0, 0.0], args=(x, y), normal_equations=normal)
    assert b.jac is None and a.jac is not None
    np.testing.assert_allclose(b.stderr, a.stderr, rtol=1e-10)


def test_fd_jacobian_has_relative_steps():
    """Parameters of very different sizes: a fixed absolute step would lose the small one's derivative."""
    x = np.linspace(0.0, 1.0, 20)
    y = 3e5 * x + 2e-4 * np.sin(x)

    def r(p):
        return p[0] * x + p[1] * np.sin(x) - y

    exact = lmnotes.levenberg_marquardt(r, lambda p: np.stack([x, np.sin(x)], axis=1), [1e5, 1e-3], epochs=1)
    fd = lmnotes.levenberg_marquardt(r, "fd", [1e5, 1e-3], epochs=1)
    np.testing.assert_allclose(fd.jac, exact.jac, rtol=1e-9)
    assert fd.n_fev == exact.n_fev + 2 * 2 * fd.n_jev  # 2P residual calls per Jacobian


def test_args_reach_every_callable():
    x, y = data()
    seen = set()

    def r(p, x_, y_):
        seen.add("residual")
        return residual(p, x_, y_)

    def j(p, x_, y_):
        seen.add("jacobian")
        return jac(p, x_, y_)

    def v(p, x_, y_):
        seen.add("val_residual")
        return residual(p, x_, y_)

    lmnotes.levenberg_marquardt(r, j, [1.0, 1.0, 0.0], args=(x, y), val_residual=v, epochs=3)
    assert seen == {"residual", "jacobian", "val_residual"}
    with pytest.raises(ValueError, match="args must be a tuple"):
        lmnotes.levenberg_marquardt(r, j, [1.0, 1.0, 0.0], args=x)


def test_ftol_stop_follows_minpack():
    """At a noisy minimum the relative reduction falls below ftol: stop "ftol", not mu_max."""
    x, y = data()
    fit = lmnotes.levenberg_marquardt(residual, jac, [1.0, 1.0, 0.0], args=(x, y), min_grad=0.0)
    assert fit.stop == "ftol" and fit.message.startswith("the relative reduction")
    assert (fit.sse[-2] - fit.sse[-1]) / fit.sse[-2] <= DEFAULT_TOL
    assert (fit.sse[-3] - fit.sse[-2]) / fit.sse[-3] > DEFAULT_TOL
    off = lmnotes.levenberg_marquardt(residual, jac, [1.0, 1.0, 0.0], args=(x, y), min_grad=0.0, ftol=0.0)
    assert off.stop != "ftol" and off.epochs > fit.epochs


def test_xtol_stop_on_a_zero_residual_problem():
    """Exact data: the SSE keeps falling fast (ftol never holds), but the steps become tiny."""
    x = np.linspace(0.0, 4.0, 30)
    y = model(x, 2.5, 1.3, 0.5)
    fit = lmnotes.levenberg_marquardt(residual, jac, [1.0, 1.0, 0.0], args=(x, y), min_grad=0.0, xtol=1e-6)
    assert fit.stop == "xtol" and "xtol" in fit.message
    np.testing.assert_allclose(fit.w, [2.5, 1.3, 0.5], rtol=1e-9)
    off = lmnotes.levenberg_marquardt(residual, jac, [1.0, 1.0, 0.0], args=(x, y), min_grad=0.0, xtol=0.0)
    assert off.stop != "xtol"


def test_train_lm_keeps_trainlm_rules():
    X, T = lmnotes.problems.sine(40, noise=0.1, seed=0)
    res = lmnotes.train_lm(lmnotes.Network([1, 2, 1]), X, T, epochs=300)
    assert res.stop not in ("ftol", "xtol")


def test_sign_mistake_gets_a_hint():
    """Residual data − model with the Jacobian of model − data: every step goes uphill."""
    x, y = data()
    fit = lmnotes.levenberg_marquardt(lambda p, x, y: -residual(p, x, y), jac, [1.0, 1.0, 0.0], args=(x, y))
    np.testing.assert_array_equal(fit.w, [1.0, 1.0, 0.0])
    assert "the Jacobian's sign probably does not match the residual's" in fit.message
    good = lmnotes.levenberg_marquardt(residual, jac, [1.0, 1.0, 0.0], args=(x, y))
    assert "sign" not in good.message


def test_no_statistics_without_more_residuals_than_parameters():
    fit = lmnotes.levenberg_marquardt(lambda p: p - [1.0, 2.0], lambda p: np.eye(2), [0.0, 0.0])
    assert fit.cov is None and fit.stderr is None


def test_singular_jtj_warns_and_uses_the_pseudo_inverse():
    x = np.linspace(0.0, 1.0, 10)
    y = 2.0 * x + 0.01 * np.cos(7 * x)

    def r(p):  # only p[0] + p[1] is determined
        return (p[0] + p[1]) * x - y

    fit = lmnotes.levenberg_marquardt(r, lambda p: np.stack([x, x], axis=1), [0.0, 0.0])
    with pytest.warns(RuntimeWarning, match="singular"):
        cov = fit.cov
    J = np.stack([x, x], axis=1)
    sigma2 = fit.sse[-1] / (10 - 2)
    np.testing.assert_allclose(cov, sigma2 * np.linalg.pinv(J.T @ J), rtol=1e-10)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.all(np.isfinite(fit.stderr))  # cached: no second warning


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"ftol": -1.0}, r"ftol must be a finite number in \[0"),
        ({"xtol": np.inf}, "xtol must be a finite number"),
        ({"jacobian": "cs"}, 'jacobian must be callable, "fd"'),
    ],
)
def test_bad_options(kwargs, match):
    x, y = data()
    kwargs = {"jacobian": jac, **kwargs}
    with pytest.raises(ValueError, match=match):
        lmnotes.levenberg_marquardt(residual, kwargs.pop("jacobian"), [1.0, 1.0, 0.0], args=(x, y), **kwargs)
