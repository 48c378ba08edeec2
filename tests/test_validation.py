import re

import numpy as np
import pytest

import lmnotes
from lmnotes import Network


@pytest.mark.parametrize(
    "sizes, message",
    [
        ([3], "at least two layers"),
        ([], "at least two layers"),
        ([3, 0, 2], "positive integers"),
        ([3, -1, 2], "positive integers"),
        ([3, 2.5, 1], "positive integers"),
        ("342", "sequence"),
    ],
)
def test_bad_sizes(sizes, message):
    with pytest.raises(ValueError, match=message):
        Network(sizes)


@pytest.mark.parametrize("kw", [{"hidden": "relu"}, {"output": "softmax"}])
def test_unknown_transfer(kw):
    with pytest.raises(ValueError, match="unknown transfer function"):
        Network([3, 4, 2], **kw)


@pytest.mark.parametrize("method", ["forward", "jacobian", "input_jacobian", "activations"])
def test_wrong_weight_length(net, method):
    with pytest.raises(ValueError, match=r"length 26; got shape \(25,\)"):
        getattr(net, method)(np.zeros(25), np.zeros((5, 3)))


@pytest.mark.parametrize("method", ["forward", "jacobian", "input_jacobian"])
def test_wrong_number_of_input_columns(net, w, method):
    with pytest.raises(ValueError, match=r"X must have shape \(N, 3\); got shape \(5, 4\)"):
        getattr(net, method)(w, np.zeros((5, 4)))


def test_one_dimensional_inputs_get_a_hint(net, w):
    with pytest.raises(ValueError, match=r"2-D .* got shape \(3,\) .*reshape\(1, -1\)"):
        net.forward(w, np.zeros(3))


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_inputs_and_weights(net, w, bad):
    X = np.zeros((5, 3))
    X[2, 1] = bad
    with pytest.raises(ValueError, match="X must hold finite values only"):
        net.jacobian(w, X)
    w_bad = w.copy()
    w_bad[4] = bad
    with pytest.raises(ValueError, match="w must hold finite values only"):
        net.forward(w_bad, np.zeros((5, 3)))


def test_non_numeric_input(net, w):
    with pytest.raises(ValueError, match="array of real numbers"):
        net.forward(w, [["a", "b", "c"]])


def test_empty_batch(net, w):
    with pytest.raises(ValueError, match="at least one sample"):
        net.forward(w, np.zeros((0, 3)))


def test_wrong_target_shape(net):
    with pytest.raises(ValueError, match=r"T must have shape \(5, 2\); got shape \(5, 3\)"):
        net.check_targets(np.zeros((5, 3)), 5)
    with pytest.raises(ValueError, match=r"T must have shape \(5, 2\); got shape \(4, 2\)"):
        net.check_targets(np.zeros((4, 2)), 5)


def test_pack_checks_shapes(net, w):
    layers = net.unpack(w)
    with pytest.raises(ValueError, match=r"W2 must have shape \(2, 4\); got \(4, 2\)"):
        net.pack([layers[0], (layers[1][0].T, layers[1][1])])
    with pytest.raises(ValueError, match="2 \\(W, b\\) pairs; got 1"):
        net.pack(layers[:1])


def test_fd_jacobian_checks_arguments():
    with pytest.raises(ValueError, match="positive finite step"):
        lmnotes.fd_jacobian(lambda v: v, [1.0], eps=0.0)
    with pytest.raises(ValueError, match="'central' or 'forward'"):
        lmnotes.fd_jacobian(lambda v: v, [1.0], method="backward")
    with pytest.raises(ValueError, match="f\\(w\\) must hold finite values"):
        lmnotes.fd_jacobian(lambda v: np.full(2, np.inf), [1.0])


@pytest.mark.parametrize("seed", ["a", -1, 1.5, True])
def test_bad_seed(net, seed):
    with pytest.raises(ValueError, match="seed must be None or a non-negative integer"):
        net.init_weights(seed=seed)


@pytest.mark.parametrize("method", ["input_hessian", "jvp", "vjp"])
def test_input_derivatives_check_their_inputs(net, w, method):
    extra = () if method == "input_hessian" else (np.zeros((5, 3 if method == "jvp" else 2)),)
    with pytest.raises(ValueError, match=r"X must have shape \(N, 3\); got shape \(5, 4\)"):
        getattr(net, method)(w, np.zeros((5, 4)), *extra)
    with pytest.raises(ValueError, match=r"w must be a 1-D vector of length 26; got shape \(5,\)"):
        getattr(net, method)(w[:5], np.zeros((5, 3)), *extra)


# ----- dtypes: real numbers are converted, complex numbers, strings and objects refused ---------
def _all_array_arguments(net, w):
    """Call every public function once per array argument, with ``bad`` in that argument's place."""
    X, T = np.zeros((5, 3)), np.zeros((5, 2))
    calls = {
        "w": lambda bad: net.forward(bad, X),
        "X": lambda bad: net.jacobian(w, bad),
        "V": lambda bad: net.jvp(w, X, bad),
        "U": lambda bad: net.vjp(w, X, bad),
        "T": lambda bad: net.loss_hessian(w, X, bad),
        "v": lambda bad: net.hvp(w, X, T, bad),
        "W1": lambda bad: net.pack([(bad, np.zeros(4)), (np.zeros((2, 4)), np.zeros(2))]),
        "x0": lambda bad: lmnotes.levenberg_marquardt(lambda x: x, lambda x: np.eye(26), bad, epochs=1),
        "residual(x)": lambda bad: lmnotes.levenberg_marquardt(lambda x: bad, lambda x: np.eye(26), w, epochs=1),
        "f(w)": lambda bad: lmnotes.fd_jacobian(lambda x: bad, w),
    }
    shapes = {"w": (26,), "X": (5, 3), "V": (5, 3), "U": (5, 2), "T": (5, 2), "v": (26,), "W1": (4, 3)}
    shapes.update({"x0": (26,), "residual(x)": (26,), "f(w)": (26,)})
    return calls, shapes


@pytest.mark.parametrize("as_list", [False, True])
def test_complex_input_is_refused_everywhere(net, w, as_list):
    calls, shapes = _all_array_arguments(net, w)
    for name, call in calls.items():
        bad = np.full(shapes[name], 0.5 + 1e-3j)
        with pytest.raises(ValueError, match=rf"^{re.escape(name)} must be an array of real numbers; got complex"):
            call(bad.tolist() if as_list else bad)


@pytest.mark.parametrize("dtype", [object, str, "datetime64[s]"])
def test_objects_and_strings_are_refused(net, w, dtype):
    calls, shapes = _all_array_arguments(net, w)
    for name, call in calls.items():
        bad = np.zeros(shapes[name]).astype(dtype)
        with pytest.raises(ValueError, match=rf"^{re.escape(name)} must be an array of real numbers; got .*dtype"):
            call(bad)


@pytest.mark.parametrize("dtype", [bool, np.int8, np.int64, np.uint16, np.float16, np.float32])
def test_real_dtypes_are_converted_exactly(net, dtype, rng):
    X = rng.normal(size=(5, 3)) * 4
    X_low = X.astype(dtype)
    w = net.init_weights(seed=1).astype(np.float32).astype(dtype)
    Y = net.forward(w, X_low)
    assert Y.dtype == np.float64
    assert np.array_equal(Y, net.forward(w.astype(np.float64), X_low.astype(np.float64)))


@pytest.mark.parametrize(
    "values, bad",
    [([np.inf, -np.inf], 2), ([1e308, 1e308, -1.0], 0), ([np.nan, 1.0], 1), ([-1e308, -1e308, np.inf], 1)],
)
def test_the_finiteness_test_counts_exactly_and_warns_nothing(values, bad):
    # Infinities of both signs, NaN, and finite entries whose sum overflows: counted exactly, and
    # no floating-point warning (or error, under errstate(all="raise")) on the way.
    from lmnotes.validation import check_finite

    with np.errstate(all="raise"):
        if bad:
            with pytest.raises(ValueError, match=f"got {bad} NaN or infinite"):
                check_finite(np.array(values), "X")
        else:
            check_finite(np.array(values), "X")
