"""The input Jacobian, its products with vectors (JVP and VJP), and their validation."""

import numpy as np
import pytest
from autograd import jacobian as ag_jacobian
from autograd import make_jvp, make_vjp
from reference import random_architectures, ref_forward_one, rel_err

from lmnotes import Network
from lmnotes.jacobian import input_jacobian, input_jvp, input_vjp


def random_case(rng, sizes, hidden, output, n):
    net = Network(sizes, hidden, output)
    w = net.init_weights(seed=int(rng.integers(1 << 30)))
    X = rng.normal(size=(n, sizes[0]))
    return net, w, X


def test_input_jacobian_function_matches_autograd(rng):
    for sizes, hidden, output, n in random_architectures(rng, 40):
        net, w, X = random_case(rng, sizes, hidden, output, n)
        ref = np.stack([ag_jacobian(lambda x: ref_forward_one(w, x, sizes, hidden, output))(X[i]) for i in range(n)])
        Jx = input_jacobian(net, w, X)
        assert Jx.shape == (n, sizes[-1], sizes[0])
        assert rel_err(Jx, ref) < 1e-9, (sizes, hidden, output, n)


def test_jvp_matches_autograd_forward_mode(rng):
    for sizes, hidden, output, n in random_architectures(rng, 40):
        net, w, X = random_case(rng, sizes, hidden, output, n)
        V = rng.normal(size=X.shape)
        ref = np.stack(
            [make_jvp(lambda x: ref_forward_one(w, x, sizes, hidden, output))(X[i])(V[i])[1] for i in range(n)]
        )
        out = net.jvp(w, X, V)
        assert out.shape == (n, sizes[-1])
        assert rel_err(out, ref) < 1e-9, (sizes, hidden, output, n)
        assert rel_err(input_jvp(net, w, X, V), ref) < 1e-9


def test_vjp_matches_autograd_reverse_mode(rng):
    for sizes, hidden, output, n in random_architectures(rng, 40):
        net, w, X = random_case(rng, sizes, hidden, output, n)
        U = rng.normal(size=(n, sizes[-1]))
        ref = np.stack(
            [make_vjp(lambda x: ref_forward_one(w, x, sizes, hidden, output))(X[i])[0](U[i]) for i in range(n)]
        )
        out = net.vjp(w, X, U)
        assert out.shape == (n, sizes[0])
        assert rel_err(out, ref) < 1e-9, (sizes, hidden, output, n)
        assert rel_err(input_vjp(net, w, X, U), ref) < 1e-9


def test_jvp_and_vjp_agree_with_the_full_jacobian(rng):
    for sizes, hidden, output, n in random_architectures(rng, 30):
        net, w, X = random_case(rng, sizes, hidden, output, n)
        V = rng.normal(size=X.shape)
        U = rng.normal(size=(n, sizes[-1]))
        Jx = net.input_jacobian(w, X)
        assert rel_err(net.jvp(w, X, V), np.einsum("nkd,nd->nk", Jx, V)) < 1e-12
        assert rel_err(net.vjp(w, X, U), np.einsum("nk,nkd->nd", U, Jx)) < 1e-12
        # The adjoint identity <U, J V> = <Uᵀ J, V>, sample by sample.
        lhs = np.sum(U * net.jvp(w, X, V), axis=1)
        rhs = np.sum(net.vjp(w, X, U) * V, axis=1)
        assert np.allclose(lhs, rhs, rtol=1e-12, atol=1e-12)


def test_jvp_and_vjp_are_linear_in_the_vector(rng):
    net, w, X = random_case(rng, [4, 6, 5, 3], "tansig", "logsig", 7)
    V1, V2 = rng.normal(size=(2, 7, 4))
    U1, U2 = rng.normal(size=(2, 7, 3))
    assert np.allclose(net.jvp(w, X, 2.0 * V1 - V2), 2.0 * net.jvp(w, X, V1) - net.jvp(w, X, V2))
    assert np.allclose(net.vjp(w, X, 2.0 * U1 - U2), 2.0 * net.vjp(w, X, U1) - net.vjp(w, X, U2))


@pytest.mark.parametrize("method, n_cols", [("jvp", 3), ("vjp", 2)])
def test_wrong_weights_and_inputs_are_rejected(net, w, method, n_cols):
    vec = np.zeros((5, n_cols))
    with pytest.raises(ValueError, match=r"w must be a 1-D vector of length 26; got shape \(25,\)"):
        getattr(net, method)(np.zeros(25), np.zeros((5, 3)), vec)
    with pytest.raises(ValueError, match=r"X must have shape \(N, 3\); got shape \(5, 4\)"):
        getattr(net, method)(w, np.zeros((5, 4)), vec)


@pytest.mark.parametrize(
    "V, message",
    [
        (np.zeros((5, 2)), r"V must have shape \(5, 3\); got shape \(5, 2\)"),
        (np.zeros((4, 3)), r"V must have shape \(5, 3\); got shape \(4, 3\)"),
        (np.zeros(3), r"V must be 2-D with shape \(5, 3\); got shape \(3,\)"),
        (np.full((5, 3), np.nan), r"V must hold finite values only; got 15 NaN or infinite"),
        ([["a", "b", "c"]] * 5, r"V must be an array of real numbers"),
    ],
)
def test_jvp_rejects_bad_directions(net, w, V, message):
    with pytest.raises(ValueError, match=message):
        net.jvp(w, np.zeros((5, 3)), V)


@pytest.mark.parametrize(
    "U, message",
    [
        (np.zeros((5, 3)), r"U must have shape \(5, 2\); got shape \(5, 3\)"),
        (np.zeros((6, 2)), r"U must have shape \(5, 2\); got shape \(6, 2\)"),
        (np.zeros((5, 2, 1)), r"U must be 2-D with shape \(5, 2\); got shape \(5, 2, 1\)"),
        (np.array([[0.0, np.inf]] * 5), r"U must hold finite values only; got 5 NaN or infinite"),
    ],
)
def test_vjp_rejects_bad_weightings(net, w, U, message):
    with pytest.raises(ValueError, match=message):
        net.vjp(w, np.zeros((5, 3)), U)
