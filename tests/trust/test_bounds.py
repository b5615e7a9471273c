"""Clopper-Pearson bounds against scipy's exact binomial test, and the items-needed search."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from judgekit.trust._bounds import items_needed, lower_bound, upper_bound


@pytest.mark.parametrize("confidence", [0.9, 0.95, 0.99])
def test_lower_bound_is_scipys_exact_one_sided_interval(confidence: float) -> None:
    rng = np.random.default_rng(0)
    for _ in range(60):
        n = int(rng.integers(1, 400))
        k = int(rng.integers(0, n + 1))
        ref = stats.binomtest(k, n).proportion_ci(confidence, method="exact")
        ref_lo = stats.binomtest(k, n, alternative="greater").proportion_ci(
            confidence, method="exact").low
        assert lower_bound(k, n, confidence) == pytest.approx(ref_lo, abs=1e-12)
        hi = stats.binomtest(k, n, alternative="less").proportion_ci(
            confidence, method="exact").high
        assert upper_bound(k, n, confidence) == pytest.approx(hi, abs=1e-12)
        assert ref.low <= ref_lo + 1e-12  # two-sided is wider


def test_vectorized_and_edges() -> None:
    k, n = np.array([0, 5, 10]), np.array([10, 10, 10])
    lo = lower_bound(k, n, 0.95)
    assert lo[0] == 0.0 and 0 < lo[1] < 0.5 and lo[2] == pytest.approx(0.05 ** 0.1)
    assert upper_bound(10, 10, 0.95) == 1.0
    assert lower_bound(0, 0, 0.95) == 0.0


def test_eighteen_of_twenty_is_not_enough_for_eighty_percent() -> None:
    assert lower_bound(18, 20, 0.95) == pytest.approx(0.7174, abs=1e-4)
    assert lower_bound(18, 20, 0.95) < 0.8


def test_items_needed_is_the_first_passing_size() -> None:
    n = items_needed(0.9, 0.8, 0.95)
    assert n is not None
    assert lower_bound(np.floor(0.9 * n + 1e-9), n, 0.95) >= 0.8
    sizes = np.arange(1, n)
    assert (lower_bound(np.floor(0.9 * sizes + 1e-9), sizes, 0.95) < 0.8).all()
    assert items_needed(0.8, 0.8, 0.95) is None
    assert items_needed(0.5, 0.9, 0.95) is None
    assert items_needed(0.9000001, 0.9, 0.95) is None  # more than a million
