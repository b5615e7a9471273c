"""Exact binomial bounds: how sure one can be that a judge agrees with the experts.

Every figure the trust commands certify is one statistic: the one-sided Clopper-Pearson lower
bound on a binomial proportion (``agree`` agreements out of ``n``),
``beta.ppf(1 - confidence, agree, n - agree + 1)``, which is exact (never anti-conservative for
any ``n``) and equals the bound ``scipy.stats.binomtest(...).proportion_ci(method="exact",
alternative="greater")`` gives. Its mirror image is the Clopper-Pearson upper bound on the error
rate that Trust or Escalate tests (``beta.ppf(confidence, errors + 1, n - errors)``): the two
certify the same thing, so only one is written.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

Array = NDArray[Any]

MAX_NEEDED = 1_000_000
""":func:`items_needed` looks no further than this many items."""
SCAN = 1024


def lower_bound(agree: Any, n: Any, confidence: float) -> Any:
    """One-sided Clopper-Pearson lower bound on P(agree): exact, elementwise.

    Args:
        agree: Agreements (a number or an array).
        n: Items (same shape as ``agree``); 0 items give a bound of 0.
        confidence: The bound holds with at least this probability (e.g. 0.95).

    Returns:
        A float for scalar inputs, else an array.

    """
    from scipy import stats  # here, not at the top: scipy.stats takes ~0.7 s to import

    a, m = np.asarray(agree, dtype=float), np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = stats.beta.ppf(1.0 - confidence, a, m - a + 1.0)
    out = np.where(a <= 0, 0.0, out)
    return float(out) if out.ndim == 0 else out


def upper_bound(agree: Any, n: Any, confidence: float) -> Any:
    """One-sided Clopper-Pearson upper bound on P(agree) (1 when every item agrees)."""
    from scipy import stats

    a, m = np.asarray(agree, dtype=float), np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = stats.beta.ppf(confidence, a + 1.0, m - a)
    out = np.where(a >= m, 1.0, out)
    return float(out) if out.ndim == 0 else out


def items_needed(rate: float, target: float, confidence: float) -> int | None:
    """Fewest items at which an agreement ``rate`` would certify ``target``, or None.

    The count assumes the observed rate stays as it is (agreements are rounded down, so the
    answer is never optimistic). None when ``rate <= target`` (no number of items is enough)
    or when more than :data:`MAX_NEEDED` would be. Bisection finds where the bound with
    unrounded agreements crosses ``target`` (rounding down only lowers it), then a scan from
    there finds the first size that passes with rounded agreements.
    """
    if not rate > target or lower_bound(rate * MAX_NEEDED, MAX_NEEDED, confidence) < target:
        return None
    lo, hi = 1, MAX_NEEDED  # lower_bound(rate * n, n) grows with n: fails at lo-1, passes at hi
    while lo < hi:
        mid = (lo + hi) // 2
        if lower_bound(rate * mid, mid, confidence) >= target:
            hi = mid
        else:
            lo = mid + 1
    for start in range(lo, MAX_NEEDED + 1, SCAN):
        n = np.arange(start, min(start + SCAN, MAX_NEEDED + 1))
        ok = np.nonzero(lower_bound(np.floor(rate * n + 1e-9), n, confidence) >= target)[0]
        if ok.size:
            return int(n[ok[0]])
    return None
