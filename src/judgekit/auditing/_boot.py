"""Vectorized bootstrap over items: replicate counts of distinct item patterns.

A bootstrap replicate draws n items with replacement. Every audit statistic here depends on the
items only through the *sum* of small per-item integer feature vectors (a confusion-matrix
cell, the counts behind an agreement rate, one item's vote counts...). Such a replicate depends
only on how many times each distinct feature row was drawn, and those counts follow exactly
Multinomial(n, observed row frequencies). So B replicates cost one ``B x P`` multinomial draw
(P = distinct rows, typically < 100) and one ``(B x P) @ (P x F)`` product, instead of a ``B x n``
index matrix: the same distribution as resampling items by index, at a cost independent of n.
:func:`index_sums` builds the same sums from an explicit index matrix (used by the tests to
check the two agree, and that the vectorized formulas equal the reference libraries).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

Array = NDArray[Any]

CONFIDENCE = 0.95
"""Two-sided level of every bootstrap interval (percentile method)."""


@dataclass(frozen=True)
class Patterns:
    """Items grouped by identical feature rows.

    Attributes:
        rows: ``(P, F)`` distinct feature rows.
        counts: ``(P,)`` how many items have each row.

    """

    rows: Array
    counts: Array

    @property
    def n(self) -> int:
        """Number of items."""
        return int(self.counts.sum())

    def total(self) -> Array:
        """``(F,)`` feature sums over all items (the point estimate's input)."""
        out: Array = self.counts @ self.rows
        return out


def patterns(features: Array) -> Patterns:
    """Group ``(n, F)`` non-negative integer features into distinct rows with counts."""
    f = np.asarray(features, dtype=np.int64)
    if f.ndim == 1:
        f = f[:, None]
    if len(f) == 0:
        return Patterns(np.zeros((0, f.shape[1]), dtype=np.int64), np.zeros(0, dtype=np.int64))
    lo = f.min(axis=0)
    span = f.max(axis=0) - lo + 1
    if float(np.prod(span.astype(float))) < 2.0**62:
        mult = np.cumprod(np.concatenate(([1], span[:-1]))).astype(np.int64)
        keys = (f - lo) @ mult
        _, first, counts = np.unique(keys, return_index=True, return_counts=True)
        return Patterns(f[first], counts.astype(np.int64))
    rows, counts = np.unique(f, axis=0, return_counts=True)
    return Patterns(rows, counts.astype(np.int64))


class Bootstrap:
    """Percentile bootstrap over items, vectorized through :func:`patterns`.

    Args:
        replicates: Number of bootstrap replicates B (0 turns intervals off).
        seed: Seed of the random generator; the same seed gives the same intervals.

    """

    def __init__(self, replicates: int = 1000, seed: int = 0) -> None:
        self.replicates = replicates
        self.seed = seed

    def sums(self, pat: Patterns, salt: int = 0) -> Array:
        """``(B, F)`` feature sums of B resamples of the items (empty when B is 0)."""
        if self.replicates <= 0 or pat.n == 0:
            return np.zeros((0, pat.rows.shape[1]))
        rng = np.random.default_rng([self.seed, salt])
        draws = rng.multinomial(pat.n, pat.counts / pat.n, size=self.replicates)
        out: Array = draws @ pat.rows
        return out

    @staticmethod
    def interval(reps: Array) -> tuple[float, float] | None:
        """Percentile interval of replicate values; None when there are none.

        NaN replicates (e.g. kappa of a single-class resample) are left out.
        """
        vals = np.asarray(reps, dtype=float)
        vals = vals[np.isfinite(vals)]
        if len(vals) == 0:
            return None
        tail = (1 - CONFIDENCE) / 2 * 100
        lo, hi = np.percentile(vals, [tail, 100 - tail])
        return float(lo), float(hi)


def index_sums(features: Array, index: Array) -> Array:
    """``(B, F)`` feature sums of resamples given as an explicit ``(B, n)`` index matrix."""
    f = np.asarray(features, dtype=np.int64)
    if f.ndim == 1:
        f = f[:, None]
    out: Array = f[index].sum(axis=1)
    return out


def onehot(codes: Array, k: int) -> Array:
    """``(n, k)`` int8 one-hot of integer codes (a negative code gives an all-zero row)."""
    c = np.asarray(codes, dtype=np.int64)
    out = np.zeros((len(c), k), dtype=np.int8)
    ok = c >= 0
    out[np.nonzero(ok)[0], c[ok]] = 1
    return out
