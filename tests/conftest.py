import numpy as np
import pytest

from lmnotes import Network


@pytest.fixture(autouse=True)
def _seed_numpy():
    """Seed numpy's global generator before every test, so a failure reproduces."""
    np.random.seed(12345)


@pytest.fixture
def rng():
    """A seeded generator for tests that draw their own random networks."""
    return np.random.default_rng(2024)


@pytest.fixture
def net():
    """The seeds' 3-4-2 network: 3 inputs, 4 tansig hidden units, 2 linear outputs (P = 26)."""
    return Network([3, 4, 2])


@pytest.fixture
def w(net):
    """Its weights from seed 0."""
    return net.init_weights(seed=0)
