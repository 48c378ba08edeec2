"""Trained results: predict, layers, save / load, and MATLAB's getwb order."""

import dataclasses

import numpy as np
import pytest
from reference import random_architectures, ref_forward, rel_err

import lmnotes
from lmnotes import Network


def assert_same_result(a, b):
    """Every field equal, bit for bit (arrays, numbers, strings, the network, the scalings)."""
    assert type(a) is type(b)
    for field in dataclasses.fields(a):
        x, y = getattr(a, field.name), getattr(b, field.name)
        if isinstance(x, Network):
            assert (x.sizes, x.hidden, x.output) == (y.sizes, y.hidden, y.output)
        elif isinstance(x, lmnotes.Normalizer):
            assert x.method == y.method and x.ymin == y.ymin
            assert np.array_equal(x.offset, y.offset) and np.array_equal(x.gain, y.gain)
        elif isinstance(x, np.ndarray):
            assert x.dtype == y.dtype and np.array_equal(x, y), field.name
        else:
            assert type(x) is type(y) and x == y, field.name


def sine_split():
    X, T = lmnotes.problems.sine(60, noise=0.1, seed=2)
    i_train, i_val, i_test = lmnotes.divide_rand(60, seed=0)
    return X, T, i_train, i_val, i_test


# ----- predict -------------------------------------------------------------------------------
def test_predict_is_the_network_output(rng):
    for sizes, hidden, output, n in random_architectures(rng, 10):
        net = Network(sizes, hidden, output)
        X = rng.normal(size=(max(n, 2), sizes[0]))
        T = rng.normal(size=(max(n, 2), sizes[-1]))
        res = lmnotes.train_lm(net, X, T, epochs=2)
        assert res.net is net
        assert rel_err(res.predict(X), ref_forward(res.w, X, sizes, hidden, output)) < 1e-9
        assert all(np.array_equal(W, Wr) and np.array_equal(b, br)
                   for (W, b), (Wr, br) in zip(res.layers, net.unpack(res.w)))


def test_predict_is_one_dimensional_after_one_dimensional_targets():
    X, T = lmnotes.problems.sine(40)
    x, t = X[:, 0], T[:, 0]
    for trainer in (lmnotes.train_lm, lmnotes.train_gd):
        res = trainer(Network([1, 4, 1]), x, t, epochs=5)
        assert res.flat_targets and res.predict(x).shape == (40,)
        assert (t - res.predict(x)).shape == (40,)  # never broadcasts to 40 × 40
        assert res.predict(X).shape == (40,)
        res2 = trainer(Network([1, 4, 1]), x, T, epochs=5)
        assert not res2.flat_targets and res2.predict(x).shape == (40, 1)
        np.testing.assert_array_equal(res2.predict(x)[:, 0], res.predict(x))


def test_generic_solver_result_has_no_predict():
    res = lmnotes.levenberg_marquardt(lambda p: p - 1.0, lambda p: np.eye(2), [0.0, 0.0])
    assert type(res) is lmnotes.LMResult
    assert not hasattr(res, "predict") and not hasattr(res, "save")


# ----- save / load -----------------------------------------------------------------------------
@pytest.mark.parametrize("normalize", [None, "minmax", "std"])
def test_save_load_round_trip_is_exact(tmp_path, normalize):
    X, T, i_train, i_val, i_test = sine_split()
    net = Network([1, 5, 3, 1], hidden=["tansig", "logsig"])
    res = lmnotes.train_lm(net, X[i_train], T[i_train, 0], epochs=20, normalize=normalize,
                           X_val=X[i_val], T_val=T[i_val], X_test=X[i_test], T_test=T[i_test])
    path = res.save(tmp_path / "model")
    assert path.name == "model.npz" and path.exists()
    back = lmnotes.load(path)
    assert_same_result(res, back)
    np.testing.assert_array_equal(back.predict(X), res.predict(X))
    np.testing.assert_array_equal(back.test_mse, res.test_mse)


def test_save_load_gradient_descent_result(tmp_path):
    X, T = lmnotes.problems.sine(30)
    res = lmnotes.train_gd(Network([1, 3, 1], hidden="logsig"), X, T, epochs=10, lr=0.01)
    back = lmnotes.load(res.save(tmp_path / "gd.npz"))
    assert isinstance(back, lmnotes.TrainedGD)
    assert_same_result(res, back)


def test_saved_file_is_plain_npz(tmp_path):
    X, T = lmnotes.problems.sine(20)
    path = lmnotes.train_lm(Network([1, 2, 1]), X, T, epochs=1, normalize="minmax").save(tmp_path / "m.npz")
    with np.load(path, allow_pickle=False) as data:
        assert int(data["format_version"]) == 1 and str(data["kind"]) == "lm"
        assert all(data[k].dtype != object for k in data.files)


def test_load_refuses_other_files(tmp_path):
    np.savez(tmp_path / "other.npz", w=np.zeros(3))
    with pytest.raises(ValueError, match=r"path must name a file written by res.save\(\).*format version None"):
        lmnotes.load(tmp_path / "other.npz")
    np.savez(tmp_path / "future.npz", format_version=np.array(99), kind=np.array("lm"))
    with pytest.raises(ValueError, match="format version 99"):
        lmnotes.load(tmp_path / "future.npz")


# ----- MATLAB's getwb order --------------------------------------------------------------------
def getwb_by_position(net, w):
    """getwb order built entry by entry from the chapter's position formula, independent of the package.

    Inside layer l's block, starting at o_l: b_l[i] at o_l + i, W_l[i, j] at o_l + n_l + j n_l + i.
    """
    out = np.full(net.n_params, np.nan)
    o = 0
    for n_in, n_out in zip(net.sizes[:-1], net.sizes[1:]):
        for i in range(n_out):
            out[o + i] = w[o + n_out * n_in + i]  # ours: b_l after W_l
            for j in range(n_in):
                out[o + n_out + j * n_out + i] = w[o + i * n_in + j]  # ours: W_l row by row
        o += n_out * (n_in + 1)
    return out


def test_getwb_order_matches_the_position_formula(rng):
    nets = [Network(s) for s in ([3, 4, 2], [1, 1], [2, 10, 10, 1], [5, 1, 3, 2, 4])]
    nets += [Network(sizes, hidden, output) for sizes, hidden, output, _ in random_architectures(rng, 20)]
    for net in nets:
        w = rng.normal(size=net.n_params)
        wb = net.to_getwb(w)
        np.testing.assert_array_equal(wb, getwb_by_position(net, w))
        np.testing.assert_array_equal(net.from_getwb(wb), w)


def test_getwb_of_the_three_four_two_network():
    """Chapter 1's permutation: b_1 first, then W_1 column by column."""
    perm = Network([3, 4, 2]).to_getwb(np.arange(26.0)).astype(int)
    assert list(perm[:8]) == [12, 13, 14, 15, 0, 3, 6, 9] and list(perm[16:20]) == [24, 25, 16, 20]


def test_getwb_checks_its_argument():
    with pytest.raises(ValueError, match=r"wb must be a 1-D vector of length 26; got shape \(25,\)"):
        Network([3, 4, 2]).from_getwb(np.zeros(25))
