import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parent))


@pytest.fixture(autouse=True)
def _seed_numpy():
    """Seed numpy's global generator before every test, so a failure reproduces."""
    np.random.seed(12345)


@pytest.fixture
def rng():
    """A seeded generator for tests that draw their own random networks."""
    return np.random.default_rng(2024)
