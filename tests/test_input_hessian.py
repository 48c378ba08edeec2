import numpy as np
import pytest
from autograd import hessian
from reference import random_architectures, ref_forward_one, rel_err

from lmnotes import Network
from lmnotes.input_hessian import activation_sensitivities, input_hessian
from lmnotes.jacobian import sensitivities
from lmnotes.network import forward_trace

# autograd warns when asked to differentiate a purely affine network (its Hessian is zero).
pytestmark = pytest.mark.filterwarnings("ignore:Output seems independent of input")


def ref_input_hessian(w, X, sizes, hidden, output):
    """autograd's Hessian of one sample's outputs with respect to its input, sample by sample."""
    per_sample = hessian(lambda x: ref_forward_one(w, x, sizes, hidden, output))
    return np.stack([per_sample(x) for x in X])


def test_matches_autograd_over_random_architectures(rng):
    for sizes, hidden, output, n in random_architectures(rng, 40):
        net = Network(sizes, hidden, output)
        w = net.init_weights(seed=int(rng.integers(1 << 30)))
        X = rng.normal(size=(n, sizes[0]))
        H = net.input_hessian(w, X)
        assert H.shape == (n, sizes[-1], sizes[0], sizes[0])
        assert rel_err(H, ref_input_hessian(w, X, sizes, hidden, output)) < 1e-9, (sizes, hidden, output)


@pytest.mark.parametrize("output", ["purelin", "tansig", "logsig"])
@pytest.mark.parametrize("hidden", ["tansig", "logsig"])
@pytest.mark.parametrize("depth", [1, 2, 3, 4])
def test_every_depth_and_transfer(depth, hidden, output, rng):
    sizes = [3] + [int(rng.integers(2, 7)) for _ in range(depth - 1)] + [2]
    net = Network(sizes, hidden, output)
    w = 2.0 * net.init_weights(seed=depth)  # larger weights: more curvature in every layer
    X = rng.normal(size=(4, 3))
    H = input_hessian(net, w, X)
    ref = ref_input_hessian(w, X, sizes, hidden, output)
    if depth == 1 and output == "purelin":
        assert np.all(H == 0.0) and np.all(ref == 0.0)  # an affine map has no curvature
    else:
        assert rel_err(H, ref) < 1e-9


def test_symmetric(rng):
    net = Network([6, 8, 5, 7, 3], hidden="logsig", output="tansig")
    H = net.input_hessian(net.init_weights(seed=3), rng.normal(size=(20, 6)))
    assert np.allclose(H, np.swapaxes(H, 2, 3), rtol=0.0, atol=1e-14 * np.max(np.abs(H)))


def test_one_hidden_layer_closed_form(rng):
    net = Network([3, 4, 2])
    w = net.init_weights(seed=1)
    (W1, b1), (W2, _) = net.unpack(w)
    X = rng.normal(size=(5, 3))
    a1 = np.tanh(X @ W1.T + b1)
    f2 = -2.0 * a1 * (1.0 - a1**2)
    expected = np.einsum("id,nki,ie->nkde", W1, W2[None, :, :] * f2[:, None, :], W1)
    assert rel_err(net.input_hessian(w, X), expected) < 1e-12


def test_batch_equals_one_sample_at_a_time(rng):
    net = Network([5, 7, 6, 2], output="tansig")
    w = net.init_weights(seed=4)
    X = rng.normal(size=(9, 5))
    H = net.input_hessian(w, X)
    for n in (0, 4, 8):
        assert rel_err(H[n : n + 1], net.input_hessian(w, X[n : n + 1])) < 1e-13


def test_second_order_taylor_error_is_cubic(rng):
    net = Network([3, 5, 4, 2], output="tansig")
    w = net.init_weights(seed=2)
    x = rng.normal(size=(1, 3))
    v = rng.normal(size=3)
    y, J, H = net.forward(w, x)[0], net.input_jacobian(w, x)[0], net.input_hessian(w, x)[0]
    errors = []
    for h in (1e-1, 5e-2, 2.5e-2):
        step = h * v
        taylor = y + J @ step + 0.5 * np.einsum("kde,d,e->k", H, step, step)
        errors.append(np.max(np.abs(net.forward(w, x + step)[0] - taylor)))
    slopes = np.diff(np.log(errors)) / np.diff(np.log([1e-1, 5e-2, 2.5e-2]))
    assert np.all(np.abs(slopes - 3.0) < 0.3), slopes


def test_bad_weights():
    net = Network([2, 3, 1])
    with pytest.raises(ValueError, match=r"w must be a 1-D vector of length 13; got shape \(12,\)"):
        net.input_hessian(np.zeros(12), np.zeros((4, 2)))
    with pytest.raises(ValueError, match="w must hold finite values only"):
        net.input_hessian(np.full(13, np.nan), np.zeros((4, 2)))


def test_bad_inputs():
    net = Network([2, 3, 1])
    w = net.init_weights(seed=0)
    with pytest.raises(ValueError, match=r"X must have shape \(N, 2\); got shape \(4, 3\)"):
        net.input_hessian(w, np.zeros((4, 3)))
    with pytest.raises(ValueError, match=r"X must be 2-D with shape \(N, 2\); got shape \(2,\)"):
        net.input_hessian(w, np.zeros(2))
    with pytest.raises(ValueError, match="X must hold finite values only"):
        net.input_hessian(w, np.array([[0.0, np.inf]]))
    with pytest.raises(ValueError, match="X must be an array of real numbers"):
        net.input_hessian(w, [["a", "b"]])


def test_blocks_do_not_change_the_result(rng):
    net = Network([4, 6, 5, 3, 2], hidden="logsig", output="tansig")
    w = net.init_weights(seed=6)
    X = rng.normal(size=(11, 4))
    H = input_hessian(net, w, X)
    for block in (1, 2, 5, 11, 50):
        assert rel_err(input_hessian(net, w, X, block=block), H) < 1e-14


def test_activation_sensitivities_are_the_marquardt_sensitivities_before_the_diagonal(rng):
    for sizes, hidden, output, n in random_architectures(rng, 20):
        net = Network(sizes, hidden, output)
        w = net.init_weights(seed=int(rng.integers(1 << 30)))
        acts = forward_trace(net, w, rng.normal(size=(n, sizes[0])))
        s, S = activation_sensitivities(net, w, acts), sensitivities(net, w, acts)
        weights = [W for W, _ in net.layer_views(w)]
        for l in range(net.n_layers):
            assert rel_err(s[l] * net.transfers[l].d1(acts[l + 1])[:, None, :], S[l]) < 1e-12
            if l < net.n_layers - 1:
                assert rel_err(s[l], S[l + 1] @ weights[l + 1]) < 1e-12


@pytest.mark.parametrize("block", [0, -2, 1.5, True, "3"])
def test_bad_block(block):
    net = Network([2, 3, 1])
    with pytest.raises(ValueError, match="block must be a positive integer"):
        input_hessian(net, net.init_weights(0), np.zeros((4, 2)), block=block)
