"""Property-based tests of the public API (Hypothesis).

The rule, for every public function and any arguments a careless or unlucky user may pass
(random architectures, shapes, dtypes, NaN, infinity, complex numbers, empty arrays, huge
values): either a correct, finite float64 result, or a ``ValueError`` whose message starts with
the name of the offending argument. Never another exception, a NaN, a silently dropped imaginary
part, or a hang: every example runs under a time limit (:func:`time_limit`).
"""

from __future__ import annotations

import re
import signal
import warnings
from contextlib import contextmanager

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from reference import ref_forward, rel_err

import lmnotes
from lmnotes import Network
from lmnotes.forward import forward_trace

#: Seconds one example may take; far above what any of them needs (a few milliseconds).
EXAMPLE_SECONDS = 10.0

pytestmark = [
    pytest.mark.filterwarnings("error::numpy.exceptions.ComplexWarning"),
    pytest.mark.filterwarnings("ignore:Output seems independent of input"),
]


@contextmanager
def time_limit(seconds: float = EXAMPLE_SECONDS):
    """Fail the example (``TimeoutError``) if its body runs longer than ``seconds`` (a hang)."""

    def expire(signum, frame):
        raise TimeoutError(f"one example took more than {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0.0)
        signal.signal(signal.SIGALRM, previous)


def outcome(call, names):
    """Run ``call()`` under :func:`time_limit`; return its result, or ``None`` if it raised a
    ``ValueError`` whose message starts with one of ``names``. Anything else fails the test."""
    with time_limit():
        try:
            result = call()
        except ValueError as exc:
            message = str(exc)
            assert any(message.startswith(name) for name in names), f"ValueError names none of {names}: {message}"
            return None
    for value in parts(result):
        if isinstance(value, (np.ndarray, float)):
            arr = np.asarray(value)
            assert arr.dtype == np.float64, arr.dtype
            assert np.all(np.isfinite(arr)), "a non-finite result instead of a ValueError"
    return result


# ----- strategies ---------------------------------------------------------------------------
TRANSFERS = ["tansig", "logsig", "purelin"]


@st.composite
def networks(draw, min_depth: int = 1, max_width: int = 5, hidden=("tansig", "logsig", "purelin")):
    """A random ``Network``: depth 1 to 4 weight layers, widths 1 to ``max_width``, 1 to 3 outputs."""
    depth = draw(st.integers(min_depth, 4))
    sizes = [draw(st.integers(1, max_width)) for _ in range(depth)] + [draw(st.integers(1, 3))]
    return Network(sizes, draw(st.sampled_from(hidden)), draw(st.sampled_from(TRANSFERS)))


#: Magnitudes: ordinary, tiny, and huge (up to 1e150, so that a product of a weight and an input
#: never overflows; larger values are the subject of the saturation tests below).
finite_values = st.one_of(
    st.floats(-10.0, 10.0, allow_nan=False),
    st.sampled_from([0.0, -0.0, 1e-300, -5e-324, 1e150, -1e150, 1e100, 3e30]),
)
bad_values = st.sampled_from([np.nan, np.inf, -np.inf])


@st.composite
def arrays(draw, shape: tuple[int, ...], allow_bad: bool = True):
    """A float64 array of ``shape`` (finite entries; with ``allow_bad``, sometimes one NaN/inf)."""
    size = int(np.prod(shape))
    scale = draw(st.sampled_from([1.0, 1.0, 1.0, 1e-3, 1e3, 1e150]))
    seed = draw(st.integers(0, 2**32 - 1))
    arr = np.random.default_rng(seed).normal(size=shape) * scale
    if size and draw(st.booleans()):
        arr.flat[draw(st.integers(0, size - 1))] = draw(finite_values)
    if size and allow_bad and draw(st.integers(0, 5)) == 0:
        arr.flat[draw(st.integers(0, size - 1))] = draw(bad_values)
    return arr


@st.composite
def spoiled(draw, arr: np.ndarray):
    """``arr`` as given, as another real dtype or a list, or spoiled: complex, object, string, wrong shape, empty."""
    kind = draw(st.sampled_from(["same"] * 6 + ["list", "float32", "int", "bool", "complex", "complex_list",
                                                 "zero_imag", "object", "str", "shape", "empty", "scalar"]))
    if kind == "same":
        return arr, True
    if kind == "list":
        return arr.tolist(), True
    if kind == "float32":
        with np.errstate(over="ignore"):  # beyond 3.4e38 float32 holds inf, which must be refused
            return arr.astype(np.float32), "cast"
    if kind == "int":
        with np.errstate(invalid="ignore"):
            return np.nan_to_num(arr).clip(-100, 100).astype(np.int64), "cast"
    if kind == "bool":
        return arr > 0, "cast"
    if kind == "complex":
        return arr + 1e-3j, False
    if kind == "complex_list":
        return (arr + 0.5j).tolist(), False
    if kind == "zero_imag":
        return arr.astype(np.complex128), False  # complex dtype, even with zero imaginary parts
    if kind == "object":
        return arr.astype(object), False
    if kind == "str":
        return arr.astype(str), False
    if kind == "shape":
        return arr.reshape(-1)[:-1] if arr.size > 1 else np.zeros(arr.shape + (2,)), False
    if kind == "empty":
        return arr[:0], False
    return 1.5, False


# ----- references (autograd, independent of lmnotes) -----------------------------------------
def _ref(net: Network):
    return dict(sizes=list(net.sizes), hidden=net.hidden, output=net.output)


def reference(method: str, net: Network, w, X, extra):
    """What ``method`` must return, from the autograd reference network of tests/reference.py."""
    from autograd import grad, hessian, jacobian
    from reference import ref_forward_one

    kw = _ref(net)
    N, K, P = X.shape[0], net.n_outputs, net.n_params
    f = lambda v: ref_forward(v, X, **kw)  # noqa: E731
    if method == "forward":
        return f(w)
    if method == "jacobian":
        return jacobian(f)(w).reshape(N * K, P)
    if method in ("input_jacobian", "jvp", "vjp"):
        Jx = np.stack([jacobian(lambda x: ref_forward_one(w, x, **kw))(x) for x in X])
        if method == "input_jacobian":
            return Jx
        return np.einsum("nkd,nd->nk", Jx, extra[0]) if method == "jvp" else np.einsum("nk,nkd->nd", extra[0], Jx)
    if method == "input_hessian":
        return np.stack([hessian(lambda x: ref_forward_one(w, x, **kw))(x) for x in X])
    T = extra[0]
    loss = lambda v: 0.5 * np.sum((T - ref_forward(v, X, **kw)) ** 2)  # noqa: E731
    if method == "loss_gradient":
        return grad(loss)(w)
    if method == "loss_hessian":
        return hessian(loss)(w)
    if method == "hvp":
        return hessian(loss)(w) @ extra[1]
    J = jacobian(f)(w).reshape(N * K, P)
    e = (T - f(w)).ravel()
    return J.T @ J, J.T @ e, e @ e


# ----- every Network method and the free functions of the network ---------------------------
#: method -> names of its array arguments after (w, X), and their shapes as functions of (net, N).
EXTRA = {
    "forward": (),
    "jacobian": (),
    "input_jacobian": (),
    "input_hessian": (),
    "jvp": (("V", lambda net, n: (n, net.n_inputs)),),
    "vjp": (("U", lambda net, n: (n, net.n_outputs)),),
    "loss_hessian": (("T", lambda net, n: (n, net.n_outputs)),),
    "hvp": (("T", lambda net, n: (n, net.n_outputs)), ("v", lambda net, n: (net.n_params,))),
    "loss_gradient": (("T", lambda net, n: (n, net.n_outputs)),),
    "gauss_newton": (("T", lambda net, n: (n, net.n_outputs)),),
}
OVERFLOW = re.compile(r".* is beyond the range of float64")


def call_method(method: str, net: Network, w, X, extra):
    if method in ("loss_gradient", "gauss_newton"):
        result = getattr(lmnotes, method)(net, w, X, *extra)
        return tuple(result) if method == "gauss_newton" else result
    return getattr(net, method)(w, X, *extra)


def parts(result) -> tuple:
    return result if isinstance(result, tuple) else (result,)


def as_float64(value):
    return np.asarray(value, dtype=np.float64)


@pytest.mark.parametrize("method", list(EXTRA))
@given(data=st.data())
def test_network_methods_give_a_correct_finite_result_or_name_the_bad_argument(method, data):
    net = data.draw(networks(max_width=4), label="net")
    n = data.draw(st.integers(1, 3), label="N")
    names = ["w", "X"] + [name for name, _ in EXTRA[method]]
    shapes = [(net.n_params,), (n, net.n_inputs)] + [shape(net, n) for _, shape in EXTRA[method]]
    clean = [data.draw(arrays(shape), label=f"{name} values") for name, shape in zip(names, shapes)]
    drawn = [data.draw(spoiled(arr), label=name) for name, arr in zip(names, clean)]
    args = [arg for arg, _ in drawn]
    bad = [name for name, (arg, ok) in zip(names, drawn) if not ok]
    non_finite = [name for name, (arg, ok) in zip(names, drawn) if ok and not np.all(np.isfinite(as_float64(arg)))]

    if method == "forward" and not (bad or non_finite):  # see test_forward_overflow_is_refused
        with np.errstate(over="ignore", invalid="ignore"):
            assume(np.all(np.isfinite(forward_trace(net, as_float64(args[0]), as_float64(args[1]))[-1])))
    result = outcome(lambda: call_method(method, net, *args[:2], args[2:]), bad + non_finite + ["The ", "JᵀJ"])
    if bad or non_finite:
        assert result is None, f"accepted bad {bad + non_finite}"
        return
    if result is None:  # only an overflow may be refused, and only with values far from ordinary
        assert max(np.max(np.abs(as_float64(a))) for a in args) > 1e3
        return
    as_f64 = [as_float64(a) for a in args]
    if any(ok == "cast" for _, ok in drawn):  # a real dtype is converted exactly
        again = call_method(method, net, as_f64[0], as_f64[1], as_f64[2:])
        for a, b in zip(parts(result), parts(again)):
            assert np.array_equal(a, b)
    if max(np.max(np.abs(a)) for a in as_f64) <= 1e3:  # ordinary values: compare with autograd
        with np.errstate(all="ignore"):
            ref = reference(method, net, as_f64[0], as_f64[1], as_f64[2:])
        # autograd's tansig, 2 / (1 + exp(-2n)) - 1, has NaN derivatives where exp overflows
        assume(all(np.all(np.isfinite(r)) for r in parts(ref)))
        atol = 1e-13 * round_off_scale(net, *as_f64)
        for a, b in zip(parts(result), parts(ref)):
            assert np.allclose(a, b, rtol=1e-8, atol=atol), (rel_err(a, b), atol)


def round_off_scale(net: Network, w, X, *others) -> float:
    """A bound on the size of the terms that cancel in a derivative near saturation.

    lmnotes writes ``f'`` from the output (``1 - a²`` for tansig), which near saturation cancels:
    ``f'`` then carries an absolute error of about 1e-16, not a relative one, however small it
    is. Derivatives are compared with this absolute slack, times the largest product of weights
    along a path (squared, for second derivatives) and the size of the data.
    """
    gain = 1.0
    for (W, _), n_in in zip(net.layer_views(w), net.sizes[:-1]):
        gain *= 1.0 + n_in * np.max(np.abs(W), initial=0.0)
    data = 1.0 + max(np.max(np.abs(a), initial=0.0) for a in (X, *others))
    return gain**2 * data**3


def test_forward_overflow_is_refused():
    net = Network([1, 1, 1], hidden="purelin", output="purelin")
    outcome(lambda: net.forward([1.3e149, -1.3e149, 6.4e149, 1.0], [[1.3e149]]), ["The "])


# ----- huge weights: a saturated unit contributes exact zeros ----------------------------------
def remove_unit(net: Network, w: np.ndarray, layer: int, unit: int, a_unit: float):
    """The network without ``unit`` of hidden ``layer`` (1-based), whose output is the constant
    ``a_unit``, folded into the next layer's biases; and the linear map ``M`` (P_red, P) with
    ``w_red = M w``, so that ``E(w) = E_red(M w)`` near ``w``."""
    sizes = list(net.sizes)
    sizes[layer] -= 1
    small = Network(sizes, net.hidden, net.output)

    def reduce(v):
        layers = net.unpack(v)
        W, b = layers[layer - 1]
        W_next, b_next = layers[layer]
        layers[layer - 1] = (np.delete(W, unit, axis=0), np.delete(b, unit))
        layers[layer] = (np.delete(W_next, unit, axis=1), b_next + a_unit * W_next[:, unit])
        return small.pack(layers)

    M = np.stack([reduce(e) for e in np.eye(net.n_params)], axis=1)
    return small, reduce(w), M


def saturated_problem(sizes, hidden, output, seed, layer, big_in, big_out, sign, big_next=1.0):
    """Unit 0 of hidden ``layer`` driven far into saturation (incoming weights ``big_in``, bias
    ``sign · 1e300``), its outgoing weights scaled to ``big_out`` and the weights of the layer after
    by ``big_next``; ordinary data; and the equivalent network without the unit."""
    net = Network(sizes, hidden, output)
    rng = np.random.default_rng(seed)
    layers = net.unpack(net.init_weights(seed=seed % 1000))
    W, b = layers[layer - 1]
    W[0] = big_in * rng.uniform(-1.0, 1.0, size=W.shape[1])
    b[0] = sign * 1e300  # beyond any |W[0] · a| (<= 4 * 1e200 * 4): the unit is saturated for every sample
    layers[layer][0][:, 0] = big_out * rng.uniform(-1.0, 1.0, size=layers[layer][0].shape[0])
    if layer + 1 < net.n_layers:
        layers[layer + 1] = (big_next * layers[layer + 1][0], layers[layer + 1][1])
    w = net.pack(layers)
    n = int(rng.integers(1, 4))
    X = rng.uniform(-4.0, 4.0, size=(n, sizes[0]))
    T = rng.normal(size=(n, sizes[-1]))
    a_unit = float(net.transfers[layer - 1].f(np.array(sign * 1e300)))
    small, w_small, M = remove_unit(net, w, layer, 0, a_unit)
    return net, w, X, T, small, w_small, M


@st.composite
def saturated_problems(draw):
    """Random networks with one hidden unit saturated by weights of 1e155 to 1e200 (see saturated_problem)."""
    depth = draw(st.integers(2, 4))
    sizes = [draw(st.integers(1, 3))] + [draw(st.integers(2, 4)) for _ in range(depth - 1)] + [draw(st.integers(1, 2))]
    return saturated_problem(
        sizes,
        draw(st.sampled_from(["tansig", "logsig"])),
        draw(st.sampled_from(TRANSFERS)),
        draw(st.integers(0, 2**32 - 1)),
        draw(st.integers(1, depth - 1)),
        10.0 ** draw(st.integers(155, 200)),
        10.0 ** draw(st.integers(0, 200)),
        draw(st.sampled_from([-1.0, 1.0])),
        10.0 ** draw(st.integers(0, 200)),
    )


def assert_close(a, b):
    assert a.shape == b.shape
    assert np.allclose(a, b, rtol=1e-9, atol=1e-12 * np.max(np.abs(b), initial=0.0)), rel_err(a, b)


@given(problem=saturated_problems())
def test_huge_weights_saturated_units_contribute_exact_zeros(problem):
    """With a unit saturated by weights of 1e155 to 1e200, products of two such weights overflow,
    and ``inf · f'(z) = inf · 0`` used to give NaN. Each function now equals the same function of
    the network without that unit (folded into the next biases), or, where the exact result
    itself is beyond float64, raises ``ValueError``."""
    assert_equals_the_network_without_the_unit(problem)


@pytest.mark.parametrize(
    ("sizes", "hidden", "output", "sign", "big_out", "big_next", "overflows"),
    [
        ([2, 3, 1], "tansig", "purelin", 1.0, 1e200, 1.0, "Q = W_1 ⊗ W_1 and the backward pass's G_1 = e W_2"),
        ([2, 3, 3, 1], "logsig", "purelin", -1.0, 1e200, 1e200, "W_1 ⊗ W_2 and the sensitivities S_2 W_2"),
        ([2, 3, 3, 2], "tansig", "tansig", 1.0, 1.0, 1.0, "Q = W_1 ⊗ W_1 only"),
    ],
)
def test_chosen_saturated_units_contribute_exact_zeros(sizes, hidden, output, sign, big_out, big_next, overflows):
    """The cases of the property above chosen so that each overflow named is sure to happen."""
    assert_equals_the_network_without_the_unit(
        saturated_problem(sizes, hidden, output, 7, 1, 1e160, big_out, sign, big_next)
    )


def assert_equals_the_network_without_the_unit(problem):
    net, w, X, T, small, w_small, M = problem
    rng = np.random.default_rng(0)
    v = rng.normal(size=net.n_params)
    V, U = rng.normal(size=X.shape), rng.normal(size=T.shape)
    cases = [
        ("forward", lambda m, p: m.forward(p, X), lambda r: r),
        ("jacobian", lambda m, p: m.jacobian(p, X), lambda r: r @ M),
        ("input_jacobian", lambda m, p: m.input_jacobian(p, X), lambda r: r),
        ("jvp", lambda m, p: m.jvp(p, X, V), lambda r: r),
        ("vjp", lambda m, p: m.vjp(p, X, U), lambda r: r),
        ("input_hessian", lambda m, p: m.input_hessian(p, X), lambda r: r),
        ("loss_gradient", lambda m, p: lmnotes.loss_gradient(m, p, X, T), lambda r: M.T @ r),
        ("hvp", lambda m, p: m.hvp(p, X, T, M @ v if m is small else v), lambda r: M.T @ r),
        ("loss_hessian", lambda m, p: m.loss_hessian(p, X, T), lambda r: M.T @ r @ M),
    ]
    with time_limit():
        for name, call, lift in cases:
            try:
                expected = lift(call(small, w_small))
            except ValueError:  # the exact value is beyond float64: the full network must say so too
                with pytest.raises(ValueError, match="beyond the range of float64"):
                    call(net, w)
                continue
            with warnings.catch_warnings():
                warnings.simplefilter("error")  # and no RuntimeWarning on the way
                got = call(net, w)
            assert np.all(np.isfinite(got)), name
            assert_close(got, expected)


@pytest.mark.parametrize("method", ["input_hessian", "loss_hessian", "hvp"])
def test_huge_weights_on_an_active_unit_raise_rather_than_return_nan(method):
    """An unsaturated unit with weights of 1e200: the exact second derivatives (about 1e400 and more)
    are beyond float64, so a ValueError, not NaN or inf."""
    net = Network([2, 2, 1], "tansig", "purelin")
    layers = net.unpack(net.init_weights(seed=0))
    layers[0][0][0] = [1e200, 0.0]
    layers[0][1][0] = 0.3  # z = 1e200 * x_1 + 0.3 = 0.3 at x_1 = 0: far from saturation
    layers[1][0][0, 0] = 1e200
    w = net.pack(layers)
    X, T = np.array([[0.0, 0.5], [0.0, -1.0]]), np.zeros((2, 1))
    args = {"input_hessian": (w, X), "loss_hessian": (w, X, T), "hvp": (w, X, T, np.ones(net.n_params))}[method]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match="beyond the range of float64"):
            getattr(net, method)(*args)


# ----- parameters: init_weights, unpack, pack -------------------------------------------------
seeds = st.one_of(
    st.none(), st.integers(-5, 2**70), st.booleans(), st.floats(allow_nan=True), st.text(max_size=3),
    st.builds(np.int64, st.integers(0, 2**40)), st.just([1, 2]),
)


@given(net=networks(max_width=8), seed=seeds)
def test_init_weights(net, seed):
    w = outcome(lambda: net.init_weights(seed=seed), ["seed"])
    valid = seed is None or (isinstance(seed, (int, np.integer)) and not isinstance(seed, bool) and seed >= 0)
    assert (w is not None) == valid
    if w is not None:
        assert w.shape == (net.n_params,)
        if seed is not None:
            assert np.array_equal(w, net.init_weights(seed=seed))


@given(data=st.data())
def test_unpack_and_pack_round_trip_or_name_the_bad_argument(data):
    net = data.draw(networks(max_width=6), label="net")
    clean = data.draw(arrays((net.n_params,)), label="w values")
    w, ok = data.draw(spoiled(clean), label="w")
    finite = ok and np.all(np.isfinite(as_float64(w)))
    layers = outcome(lambda: net.unpack(w), ["w"])
    assert (layers is not None) == bool(finite)
    if layers is None:
        return
    assert np.array_equal(outcome(lambda: net.pack(layers), []), as_float64(w))
    i = data.draw(st.integers(0, net.n_layers - 1), label="layer")
    which = data.draw(st.integers(0, 1), label="W or b")
    bad, ok = data.draw(spoiled(layers[i][which]), label="replacement")
    assume(ok is not True or not np.all(np.isfinite(as_float64(bad))))
    layers[i] = (bad, layers[i][1]) if which == 0 else (layers[i][0], bad)
    name = f"{'Wb'[which]}{i + 1}"
    result = outcome(lambda: net.pack(layers), [name, "w"])
    if ok == "cast" and np.all(np.isfinite(as_float64(bad))):
        assert result is not None
    elif result is not None:  # pack accepted it: only a real dtype that converts to finite values
        assert ok == "cast"


@given(sizes=st.lists(st.one_of(st.integers(-2, 6), st.floats(0, 5), st.booleans(), st.text(max_size=1)), max_size=5))
def test_network_sizes(sizes):
    net = outcome(lambda: Network(sizes), ["sizes"])
    valid = len(sizes) >= 2 and all(isinstance(s, int) and not isinstance(s, bool) and s >= 1 for s in sizes)
    assert (net is not None) == valid


# ----- fd_jacobian ----------------------------------------------------------------------------
def is_real_vector(value) -> bool:
    """Whether ``value`` is a non-empty 1-D array of finite real numbers (any real dtype)."""
    arr = np.asarray(value)
    return arr.dtype.kind in "biuf" and arr.ndim == 1 and arr.size > 0 and bool(np.all(np.isfinite(arr)))


@given(data=st.data())
def test_fd_jacobian(data):
    p = data.draw(st.integers(1, 4), label="P")
    w, _ = data.draw(spoiled(data.draw(arrays((p,)), label="w values")), label="w")
    eps = data.draw(
        st.one_of(st.sampled_from([1e-6, 1e-3, 1]), st.floats(), st.just("small"), st.just(1e-6j)), label="eps"
    )
    method = data.draw(st.sampled_from(["central", "forward", "backward", None]), label="method")

    def f(x):  # Jacobian 2 I + 1 1ᵀ, for any length
        return 2.0 * x + np.sum(x)

    J = outcome(lambda: lmnotes.fd_jacobian(f, w, eps=eps, method=method), ["w", "eps", "method", "f(w)"])
    valid = is_real_vector(w) and method in ("central", "forward")
    valid = valid and isinstance(eps, (int, float)) and np.isfinite(eps) and eps > 0
    if not valid:
        assert J is None
    elif J is not None:  # f is linear: differences are exact up to round-off relative to |w| / eps
        n = np.size(w)
        assert np.allclose(J, 2 * np.eye(n) + 1, atol=1e-6 * (1 + np.max(np.abs(as_float64(w))) / eps))
    else:  # only an overflow of f(w ± eps e_j) may be refused
        assert np.max(np.abs(as_float64(w))) > 1e100 or eps > 1e100


# ----- training: train_lm and levenberg_marquardt, a few epochs -------------------------------
GOOD_OPTIONS = {"epochs": [0, 1, 2, 3], "mu": [1e-3, 1.0, 1e-20], "mu_inc": [10.0, 2.0], "scaling": [None, "marquardt"]}
BAD_OPTIONS = {
    "epochs": [-1, 2.5, True, "3", None],
    "mu": [0.0, -1.0, np.nan, np.inf, "a", 1j, 1e11],
    "mu_inc": [1.0, 0.5, np.inf, [10.0]],
    "scaling": ["levenberg", 1],
}


@st.composite
def options(draw):
    """Options of the stable contract (epochs, mu, mu_inc, scaling), sometimes one of them bad."""
    chosen = {key: draw(st.sampled_from(values)) for key, values in GOOD_OPTIONS.items()}
    bad = None
    if draw(st.integers(0, 3)) == 0:
        bad = draw(st.sampled_from(sorted(BAD_OPTIONS)))
        chosen[bad] = draw(st.sampled_from(BAD_OPTIONS[bad]))
    return chosen, bad


def check_result(res, n_params: int) -> None:
    assert res.w.shape == (n_params,) and res.w.dtype == np.float64 and np.all(np.isfinite(res.w))
    assert res.stop in lmnotes.lm.STOP_REASONS and res.sse.shape == (res.epochs + 1,)
    assert np.all(np.isfinite(res.sse)) and np.all(np.diff(res.sse) <= 0)


@given(data=st.data())
def test_train_lm_trains_or_names_the_bad_argument(data):
    net = data.draw(networks(max_width=4), label="net")
    n = data.draw(st.integers(1, 4), label="N")
    X, x_ok = data.draw(spoiled(data.draw(arrays((n, net.n_inputs)), label="X values")), label="X")
    T, t_ok = data.draw(spoiled(data.draw(arrays((n, net.n_outputs)), label="T values")), label="T")
    w0 = None
    w_ok = True
    if data.draw(st.booleans(), label="give w0"):
        w0, w_ok = data.draw(spoiled(data.draw(arrays((net.n_params,)), label="w0 values")), label="w0")
    opts, bad_option = data.draw(options(), label="options")
    bad = [name for name, value, ok in (("X", X, x_ok), ("T", T, t_ok), ("w", w0, w_ok))
           if not ok or (value is not None and not np.all(np.isfinite(as_float64(value))))]
    bad += [bad_option] if bad_option else []
    res = outcome(lambda: lmnotes.train_lm(net, X, T, w0, **opts), bad + ["JᵀJ", "The "])
    if bad:
        assert res is None, f"accepted bad {bad}"
    elif res is not None:
        check_result(res, net.n_params)
        assert res.epochs <= opts["epochs"]
    else:  # refused good arguments: only when the outputs or the sum of squared errors overflow
        assert max(np.max(np.abs(as_float64(a))) for a in (X, T) + ((w0,) if w0 is not None else ())) > 1e100


@given(data=st.data())
def test_levenberg_marquardt_solves_or_names_the_bad_argument(data):
    m, p = data.draw(st.integers(1, 5), label="M"), data.draw(st.integers(1, 4), label="P")
    rng = np.random.default_rng(data.draw(st.integers(0, 99), label="seed"))
    A_wide, b = rng.normal(size=(m, 8)), rng.normal(size=m)
    x0, ok = data.draw(spoiled(data.draw(arrays((p,)), label="x0 values")), label="x0")
    kind = data.draw(st.sampled_from(["array"] * 5 + ["list", "complex", "object", "str", "2-D", "NaN"]), label="r")
    spoil = {
        "array": lambda r: r,
        "list": lambda r: r.tolist(),
        "complex": lambda r: r + 1e-9j,
        "object": lambda r: r.astype(object),
        "str": lambda r: r.astype(str),
        "2-D": lambda r: r[:, None],
        "NaN": lambda r: r * np.nan,
    }[kind]
    opts, bad_option = data.draw(options(), label="options")

    def jacobian(x):  # any number of parameters P <= 8 (x0 decides it)
        return A_wide[:, : x.size]

    def residual(x):
        return spoil(jacobian(x) @ x - b)

    bad = [] if is_real_vector(x0) and np.size(x0) <= 8 else ["x0"]
    bad += [] if kind in ("array", "list") else ["residual(x)", "residual(x0)"]
    bad += [bad_option] if bad_option else []
    res = outcome(lambda: lmnotes.levenberg_marquardt(residual, jacobian, x0, **opts), bad)
    if bad:
        assert res is None, f"accepted bad {bad}"
        return
    assert res is not None
    check_result(res, np.size(x0))
    if res.stop == "min_grad":  # a linear problem: the least-squares error
        A = jacobian(as_float64(x0))
        x_star = np.linalg.lstsq(A, b)[0]
        assert res.sse[-1] <= np.sum((A @ x_star - b) ** 2) + 1e-6 * (1 + res.sse[0])


def test_train_lm_names_the_data_when_the_forward_pass_overflows():
    net = Network([1, 4, 1], hidden="purelin", output="tansig")
    X, T = np.array([[1.3e149], [-1.3e149]]), np.zeros((2, 1))
    w0 = np.random.default_rng(0).normal(size=net.n_params) * 1e149  # 1e149 * 1e149 * 1e149 overflows
    outcome(lambda: lmnotes.train_lm(net, X, T, w0, epochs=1), ["X", "w", "The "])


@pytest.mark.parametrize("hidden", ["tansig", "logsig"])
def test_huge_sensitivity_of_a_saturated_deep_unit_contributes_exact_zeros(hidden, rng):
    """Layer 1's unit 0 is active with a weight of 1e100 on an input that is 0; layer 2's unit 0
    weights it by 1e250 and is saturated. Its ``∂z/∂x`` (1e350) and ``W_1 ⊗ W_2`` overflow, but its
    curvature is exactly zero: the input Hessian is that of the network without it."""
    net = Network([2, 2, 2, 1], hidden, "purelin")
    layers = net.unpack(net.init_weights(seed=4))
    layers[0][0][0] = [1e100, 0.5]
    layers[0][1][0] = 0.3
    layers[1][0][0] = [1e250, 0.7]
    layers[1][1][0] = 0.0
    w = net.pack(layers)
    X = np.column_stack([np.zeros(4), rng.uniform(-1.0, 1.0, size=4)])
    a_unit = float(net.transfers[1].f(np.array(1e250 * net.transfers[0].f(np.array(0.3)))))
    small, w_small, _ = remove_unit(net, w, 2, 0, a_unit)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        H = net.input_hessian(w, X)
    assert_close(H, small.input_hessian(w_small, X))
    assert np.max(np.abs(H)) > 1e150  # the active unit's 1e100 ** 2 is there


@pytest.mark.parametrize("method", ["jacobian", "gauss_newton"])
def test_a_jacobian_beyond_float64_is_refused(method):
    """A sensitivity of 1e200 times an input of 1e200: ∂y/∂W_1 = 1e400, while y itself is 1e100."""
    net = Network([1, 1, 1], "tansig", "purelin")
    w, X, T = np.array([1e-300, 0.0, 1e200, 0.0]), np.array([[1e200]]), np.zeros((1, 1))
    assert np.all(np.isfinite(net.forward(w, X)))
    call = {"jacobian": lambda: net.jacobian(w, X), "gauss_newton": lambda: lmnotes.gauss_newton(net, w, X, T)}[method]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match="beyond the range of float64"):
            call()
