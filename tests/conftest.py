import os

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

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


# Hypothesis profiles. "ci" (the default): derandomised, so every run tries the same examples, and
# no deadline, since timings on a shared machine vary; each example still runs under a time limit
# (tests/test_properties.py). "dev": a fresh random search with more examples, for looking for
# new counterexamples: HYPOTHESIS_PROFILE=dev pytest tests/test_properties.py.
settings.register_profile(
    "ci",
    derandomize=True,
    deadline=None,
    max_examples=25,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile("dev", parent=settings.get_profile("ci"), derandomize=False, max_examples=300)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
