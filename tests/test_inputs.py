"""Input that just works: 1-D data, reshape hints, argument names, sizes as arrays, per-layer transfer functions."""

import re

import numpy as np
import pytest
from autograd import jacobian
from reference import ref_forward, rel_err

import lmnotes
from lmnotes import Network


# ----- 1-D data for one feature or one output ---------------------------------------------------
def test_one_feature_and_one_output_as_1d_arrays():
    X, T = lmnotes.problems.sine(30)
    net = Network([1, 4, 1])
    w = net.init_weights(seed=0)
    np.testing.assert_array_equal(net.forward(w, X[:, 0]), net.forward(w, X))
    np.testing.assert_array_equal(net.jacobian(w, X[:, 0]), net.jacobian(w, X))
    a = lmnotes.train_lm(net, X[:, 0], T[:, 0], epochs=5)
    b = lmnotes.train_lm(net, X, T, epochs=5)
    np.testing.assert_array_equal(a.w, b.w)
    # 1-D targets with two inputs
    net2 = Network([2, 3, 1])
    X2 = np.column_stack([X[:, 0], X[:, 0] ** 2])
    assert lmnotes.train_lm(net2, X2, T[:, 0], epochs=2).predict(X2).shape == (30,)


# ----- hints that fix the problem ---------------------------------------------------------------
@pytest.mark.parametrize(
    ("sizes", "X", "T", "match"),
    [
        # MATLAB's layout, one sample per column: the fix is .T
        ([1, 4, 1], np.zeros((1, 50)), np.zeros(50), r"X must have shape \(N, 1\); got shape \(1, 50\).*use X\.T"),
        ([3, 4, 2], np.zeros((3, 50)), np.zeros((50, 2)), r"got shape \(3, 50\).*use X\.T"),
        ([3, 4, 2], np.zeros((50, 3)), np.zeros((2, 50)), r"T must have shape \(50, 2\); got \S+ \(2, 50\).*use T\.T"),
        # one sample given as a 1-D array
        ([3, 4, 2], np.zeros(3), np.zeros((1, 2)), r"X must be 2-D .* got shape \(3,\).*X\.reshape\(1, -1\)"),
        # a stack of samples in a 3-D array
        ([1, 4, 1], np.zeros((50, 1, 1)), np.zeros(50), r"X must be 2-D .*X\.reshape\(-1, 1\)"),
        # rows that do not match
        ([1, 4, 1], np.zeros(50), np.zeros(49), r"T must have shape \(50, 1\); got shape \(49, 1\) \(one row per"),
    ],
)
def test_shape_errors_say_how_to_fix_them(sizes, X, T, match):
    with pytest.raises(ValueError, match=match):
        lmnotes.train_lm(Network(sizes), X, T, epochs=1)


def test_the_suggested_fix_works():
    X, T = lmnotes.problems.sine(20)
    net = Network([1, 3, 1])
    for bad in (X.T, X.reshape(-1, 1, 1)):
        with pytest.raises(ValueError) as info:
            net.forward(net.init_weights(seed=0), bad)
        fix = re.search(r"use X(\.T|\.reshape\([-0-9, ]*\))", str(info.value)).group(1)
        fixed = eval("bad" + fix)  # the hint is code by design
        assert net.forward(net.init_weights(seed=0), fixed).shape == (20, 1)


@pytest.mark.parametrize("which", ["val", "test"])
def test_validation_and_test_errors_name_their_arrays(which):
    X, T = lmnotes.problems.sine(20)
    net = Network([1, 3, 1])
    with pytest.raises(ValueError, match=rf"X_{which} must have shape \(N, 1\); got shape \(5, 2\)"):
        lmnotes.train_lm(net, X, T, **{f"X_{which}": np.zeros((5, 2)), f"T_{which}": np.zeros((5, 1))})
    message = rf"T_{which} must have shape \(5, 1\); got shape \(4, 1\) \(one row per sample of X_{which}\)"
    with pytest.raises(ValueError, match=message):
        lmnotes.train_lm(net, X, T, **{f"X_{which}": np.zeros((5, 1)), f"T_{which}": np.zeros((4, 1))})
    with pytest.raises(ValueError, match=rf"T_{which} must hold finite values"):
        lmnotes.train_lm(net, X, T, **{f"X_{which}": np.zeros(5), f"T_{which}": np.full(5, np.nan)})
    with pytest.raises(ValueError, match=f"X_{which} and T_{which} must be given together"):
        lmnotes.train_lm(net, X, T, **{f"T_{which}": np.zeros(5)})


# ----- sizes and transfer functions ---------------------------------------------------------------
def test_sizes_as_integer_arrays():
    for sizes in (np.array([3, 4, 2]), np.array([3, 4, 2], dtype=np.int32), [np.int64(3), 4, 2]):
        net = Network(sizes)
        assert net.sizes == (3, 4, 2) and all(type(s) is int for s in net.sizes)
    with pytest.raises(ValueError, match=r"sizes must be a 1-D sequence of integer .*got array\(\[3\., 4\., 2\.\]\)"):
        Network(np.array([3.0, 4.0, 2.0]))


def test_aliases_map_to_matlab_names():
    net = Network([2, 3, 1], hidden="tanh", output="linear")
    assert (net.hidden, net.output) == ("tansig", "purelin")
    assert repr(net) == "Network([2, 3, 1], hidden='tansig', output='purelin')"
    assert Network([2, 3, 1], hidden="sigmoid").hidden == "logsig"
    with pytest.raises(ValueError, match=r"unknown transfer function 'relu': expected one of 'tansig'.*alias.*'tanh'"):
        Network([2, 3, 1], hidden="relu")


def test_one_transfer_function_per_hidden_layer(rng):
    for _ in range(20):
        depth = int(rng.integers(2, 5))
        sizes = [int(rng.integers(1, 9)) for _ in range(depth)] + [int(rng.integers(1, 4))]
        hidden = [str(rng.choice(["tansig", "logsig", "purelin"])) for _ in range(depth - 1)]
        output = str(rng.choice(["purelin", "tansig", "logsig"]))
        net = Network(sizes, hidden=hidden, output=output)
        assert [t.name for t in net.transfers] == [*hidden, output]
        w = net.init_weights(seed=int(rng.integers(1000)))
        X = rng.normal(size=(4, sizes[0]))
        assert rel_err(net.forward(w, X), ref_forward(w, X, sizes, hidden, output)) < 1e-9
        J_ref = jacobian(lambda v: ref_forward(v, X, sizes, hidden, output))(w).reshape(4 * sizes[-1], -1)
        assert rel_err(net.jacobian(w, X), J_ref) < 1e-9


def test_hidden_list_in_attribute_and_repr():
    net = Network([2, 8, 6, 1], hidden=["tansig", "sigmoid"])
    assert net.hidden == ("tansig", "logsig")
    assert repr(net) == "Network([2, 8, 6, 1], hidden=['tansig', 'logsig'], output='purelin')"
    assert Network([2, 8, 6, 1], hidden=["tanh", "tansig"]).hidden == "tansig"  # one name when all agree
    with pytest.raises(ValueError, match=r"hidden must be one transfer function name or a list of 2 .*\['tansig'\]"):
        Network([2, 8, 6, 1], hidden=["tansig"])
