"""divide_rand: disjoint random sets covering range(n), sized as MATLAB's dividerand."""

from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pytest

import lmnotes


def matlab_round(value: float) -> int:
    """MATLAB's round: halves away from zero (Python's round goes to even)."""
    return int(Decimal(repr(value)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


@pytest.mark.parametrize("ratios", [(0.7, 0.15, 0.15), (0.6, 0.2, 0.2), (1.0, 0.0, 0.0), (3.0, 1.0, 1.0), (0, 1, 0)])
def test_sets_are_disjoint_cover_and_sized_like_dividerand(ratios):
    total = sum(ratios)
    for n in range(1, 60):
        i_train, i_val, i_test = lmnotes.divide_rand(n, *ratios, seed=n)
        joined = np.concatenate([i_train, i_val, i_test])
        np.testing.assert_array_equal(np.sort(joined), np.arange(n))  # disjoint and covering
        n_val, n_test = matlab_round(n * ratios[1] / total), matlab_round(n * ratios[2] / total)
        assert (len(i_val), len(i_test), len(i_train)) == (n_val, n_test, n - n_val - n_test), n
        assert all(np.all(np.diff(i) > 0) for i in (i_train, i_val, i_test))  # sorted
        assert joined.dtype.kind == "i"


def test_documented_sizes_and_halves_round_up():
    assert [len(i) for i in lmnotes.divide_rand(30, seed=0)] == [20, 5, 5]
    assert [len(i) for i in lmnotes.divide_rand(10, seed=0)] == [6, 2, 2]  # 1.5 rounds to 2, not to even


def test_seed_reproduces_and_differs():
    a = lmnotes.divide_rand(50, seed=3)
    b = lmnotes.divide_rand(50, seed=3)
    c = lmnotes.divide_rand(50, seed=4)
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    assert not np.array_equal(a[0], c[0])


def test_integer_numpy_count():
    assert sum(len(i) for i in lmnotes.divide_rand(np.int64(17), seed=0)) == 17


@pytest.mark.parametrize(
    ("args", "match"),
    [
        ((0,), r"n \(number of samples\) must be an integer >= 1; got 0"),
        ((10.5,), "n .* must be an integer"),
        ((10, -0.1), r"train must be a finite number in \[0"),
        ((10, 0.7, 0.15, np.nan), "test must be a finite number"),
        ((10, 0, 0, 0), "must not all be 0"),
        ((10, 0.7, 0.15, 0.15, -1), "seed must be None or a non-negative integer"),
    ],
)
def test_bad_arguments(args, match):
    with pytest.raises(ValueError, match=match):
        lmnotes.divide_rand(*args)
