"""train_lm's fast path changes nothing but speed.

``train_lm`` calls the solver's loop directly with its own residual and normal equations: the
normal equations take the Jacobian from the forward trace of the residual just evaluated, and
skip ``gauss_newton``'s checks of arguments that ``train_lm`` checked once. These tests compare
it with the generic path, ``levenberg_marquardt`` driven by the public ``gauss_newton``, and
count its forward passes.
"""

import sys

import numpy as np
import pytest
from reference import rel_err

import lmnotes
import lmnotes.lm
from lmnotes import Network
from lmnotes.gauss_newton import _accumulate as accumulate
from lmnotes.normalize import fit_normalizer


def generic_train(net, X, T, w0, X_val=None, T_val=None, normalize=None, chunk=None, **options):
    """What train_lm computes, through the public checked functions: ``levenberg_marquardt`` on
    ``e = t − y`` with ``lmnotes.gauss_newton`` for the normal equations."""
    x_scaling = t_scaling = None
    if normalize is not None:
        x_scaling, t_scaling = fit_normalizer(X, normalize), fit_normalizer(T, normalize)

    def outputs(w, inputs):
        if x_scaling is not None:
            inputs = x_scaling.apply(inputs)
        Y = net.forward(w, inputs)
        return Y if t_scaling is None else t_scaling.reverse(Y)

    X_in = X if x_scaling is None else x_scaling.apply(X)
    T_in = T if t_scaling is None else t_scaling.apply(T)
    scale = None if t_scaling is None else 1.0 / t_scaling.gain

    def normal_equations(w):
        JtJ, Jte, sse = lmnotes.gauss_newton(net, w, X_in, T_in, chunk=chunk, output_scale=scale)
        return JtJ, -Jte, sse

    val_residual = None if X_val is None else (lambda w: (T_val - outputs(w, X_val)).ravel())
    return lmnotes.levenberg_marquardt(
        lambda w: (T - outputs(w, X)).ravel(),
        None,
        w0,
        normal_equations=normal_equations,
        ftol=0.0,
        xtol=0.0,
        val_residual=val_residual,
        **options,
    )


def problem(rng, sizes, n_samples):
    """Smooth targets of ``sizes[-1]`` outputs at ``n_samples`` random inputs of ``sizes[0]`` dimensions."""
    X = rng.uniform(-1.0, 1.0, (n_samples, sizes[0]))
    mix = rng.standard_normal((sizes[0], sizes[-1]))
    return X, 3.0 * np.sin(2.0 * X @ mix) + 1.0


ARCHITECTURES = [
    ([1, 6, 1], "tansig", "purelin"),
    ([2, 5, 3], "logsig", "purelin"),
    ([3, 4, 4, 2], "tansig", "tansig"),
    ([2, 3, 5, 4, 3], "tansig", "purelin"),
]


@pytest.mark.parametrize("sizes, hidden, output", ARCHITECTURES)
@pytest.mark.parametrize(
    "options",
    [
        {},
        {"normalize": "minmax"},
        {"normalize": "std", "validation": True, "max_fail": 3},
        {"scaling": "marquardt", "chunk": 7, "validation": True},
    ],
    ids=["plain", "minmax", "std+validation", "marquardt+chunks+validation"],
)
def test_train_lm_equals_the_generic_path(rng, sizes, hidden, output, options):
    net = Network(sizes, hidden=hidden, output=output)
    X, T = problem(rng, sizes, 30)
    options = dict(options, epochs=25, goal=1e-12)
    if options.pop("validation", False):
        options["X_val"], options["T_val"] = problem(rng, sizes, 11)
    w0 = net.init_weights(seed=int(rng.integers(100)))
    fast = lmnotes.train_lm(net, X, T, w0, **options)
    slow = generic_train(net, X, T, w0, **options)
    for name in ("epochs", "stop", "n_fev", "n_jev", "n_errors", "best_epoch", "message"):
        assert getattr(fast, name) == getattr(slow, name), name
    for name in ("w", "sse", "mu", "gradient", "val_sse", "jtj"):
        if getattr(slow, name) is None:
            assert getattr(fast, name) is None, name
        else:
            np.testing.assert_allclose(getattr(fast, name), getattr(slow, name), rtol=1e-12, atol=1e-300, err_msg=name)


@pytest.fixture
def forward_passes(monkeypatch):
    """Count the forward passes on inputs of ``N`` rows, wherever the package runs them."""
    counts = {"N": None, "calls": 0}
    modules = [lmnotes.lm, sys.modules["lmnotes.gauss_newton"], lmnotes.jacobian]
    for module in (m for m in modules if hasattr(m, "forward_trace")):
        forward_trace = module.forward_trace

        def counted(net, w, inputs, forward_trace=forward_trace):
            if inputs.shape[0] == counts["N"]:
                counts["calls"] += 1
            return forward_trace(net, w, inputs)

        monkeypatch.setattr(module, "forward_trace", counted)
    return counts


@pytest.mark.parametrize(
    "options",
    [{}, {"normalize": "minmax", "chunk": 4}, {"X_val": "val", "X_test": "test"}],
    ids=["plain", "normalize+chunks", "validation+test"],
)
def test_train_lm_runs_one_forward_pass_per_residual(rng, forward_passes, options):
    """n_fev forward passes on the training data and no more: the normal equations reuse the
    trace of the accepted trial's residual (before, each of the n_jev of them ran its own)."""
    net = Network([2, 5, 2])
    X, T = problem(rng, net.sizes, 13)
    for name in ("val", "test"):
        if options.get(f"X_{name}") == name:
            options[f"X_{name}"], options[f"T_{name}"] = problem(rng, net.sizes, 5)
    forward_passes["N"] = 13
    res = lmnotes.train_lm(net, X, T, epochs=8, **options)
    assert res.n_jev > 5  # several accepted trials, whose normal equations ran no forward pass
    assert forward_passes["calls"] == res.n_fev


@pytest.mark.parametrize("chunk", [1, 4, 9, 50])
@pytest.mark.parametrize("scaled", [False, True])
def test_normal_equations_from_a_trace_equal_gauss_newton(rng, chunk, scaled):
    """The unchecked accumulation over chunks of a trace the caller holds is gauss_newton's."""
    net = Network([2, 4, 3])
    X, T = problem(rng, net.sizes, 9)
    w = net.init_weights(seed=3)
    scale = rng.uniform(0.5, 2.0, 3) if scaled else None
    got = accumulate(net, w, X, T, chunk, scale, lmnotes.lm.forward_trace(net, w, X))
    want = lmnotes.gauss_newton(net, w, X, T, chunk=chunk, output_scale=scale)
    for a, b in zip(got, want):  # a chunk's forward pass may round otherwise than its rows of the whole one
        assert rel_err(a, b) < 1e-13


@pytest.mark.parametrize("chunk, passes_per_jev", [(4, 3), (13, 0), (50, 0)])
def test_train_lm_keeps_the_trace_only_when_the_data_fit_in_one_chunk(rng, forward_passes, chunk, passes_per_jev):
    """With more samples than a chunk, the trace of all of them is not kept while JᵀJ is
    accumulated (it would raise the epoch's peak memory past what chunk bounds): each chunk of the
    normal equations runs its own forward pass (13 samples in chunks of 4: three of 4 rows, one of 1)."""
    net = Network([2, 5, 2])
    X, T = problem(rng, net.sizes, 13)
    forward_passes["N"] = 4
    res = lmnotes.train_lm(net, X, T, epochs=6, chunk=chunk)
    assert res.n_jev > 3
    assert forward_passes["calls"] == passes_per_jev * res.n_jev
