import autograd.numpy as anp
import numpy as np
import pytest
from autograd import elementwise_grad as egrad
from reference import REF_TRANSFER, rel_err

from lmnotes.activations import TRANSFER_FUNCTIONS, get_transfer


@pytest.mark.parametrize("name", ["tansig", "logsig", "purelin"])
def test_transfer_matches_matlab_definition(name):
    n = np.linspace(-30, 30, 601)
    assert rel_err(get_transfer(name).f(n), REF_TRANSFER[name](n)) < 1e-14


@pytest.mark.filterwarnings("ignore:Output seems independent")
@pytest.mark.parametrize("name", ["tansig", "logsig", "purelin"])
def test_derivatives_from_output_match_autograd(name):
    n = np.linspace(-6, 6, 241)
    ref = REF_TRANSFER[name]
    d1 = egrad(lambda x: ref(x) + 0 * x)(n)
    d2 = egrad(egrad(lambda x: ref(x) + 0 * x))(n)
    t = get_transfer(name)
    a = t.f(n)
    assert np.max(np.abs(t.d1(a) - d1)) < 1e-13
    assert np.max(np.abs(t.d2(a) - d2)) < 1e-12


def test_tansig_is_tanh():
    n = np.linspace(-20, 20, 401)
    assert np.max(np.abs(TRANSFER_FUNCTIONS["tansig"].f(n) - anp.tanh(n))) < 1e-15


def test_logsig_does_not_overflow():
    with np.errstate(all="raise"):
        a = get_transfer("logsig").f(np.array([-1000.0, 0.0, 1000.0]))
    assert np.allclose(a, [0.0, 0.5, 1.0])


def test_unknown_name_is_rejected_with_the_known_names():
    with pytest.raises(ValueError, match="'tansig', 'logsig', 'purelin'"):
        get_transfer("relu")


@pytest.mark.parametrize("name", ["tansig", "logsig", "purelin"])
def test_in_place_variant_equals_the_function_and_overwrites_its_argument(name):
    n = np.linspace(-8, 8, 161)
    t = get_transfer(name)
    work = n.copy()
    out = t.f_(work)
    assert out is work
    assert np.array_equal(out, t.f(n))


@pytest.mark.parametrize("name", ["tansig", "logsig", "purelin"])
def test_in_place_derivative_equals_d1_and_overwrites_its_argument(name):
    t = get_transfer(name)
    a = t.f(np.linspace(-8, 8, 161))
    work = a.copy()
    out = t.d1_(work)
    assert out is work
    assert np.array_equal(out, t.d1(a))
