"""Bootstrap over items, drawn as a multinomial over each statistic's table of distinct rows.

Two paths, one distribution. Resampling n items with replacement from a sample is drawing n
times from the sample's empirical distribution, so the number of times each distinct value
(row) is drawn follows exactly Multinomial(n, observed row frequencies). Every discrete audit
statistic depends on the items only through the *sum* of small per-item integer feature rows
(:class:`Patterns`): the gold-by-judge contingency table of a slice (one-hot cells: agreement,
Cohen's kappa weighted or not, Krippendorff's alpha, macro F1, the confusion matrix, and the
rank correlations with ties, which are functions of the table), an item's vote counts (Fleiss'
kappa, pairwise agreement), its leave-one-out counts (the human ceiling) or its bias counts. So

- ``method="table"`` (the default) draws one ``(B, P)`` multinomial count array over the P
  distinct rows and multiplies it by the ``(P, F)`` rows: O(P x B) time and memory, independent
  of n (P is at most K*K for a contingency table);
- ``method="items"`` resamples items by index (``B x n`` draws, in chunks of replicates),
  the textbook bootstrap, kept as the item-level check of the first (the tests and
  ``bench/audit_scale.py`` compare the two) and for any statistic that is not a sum of rows.

The calibration figures (ECE, Brier) read continuous probabilities; they take the table path
over confidences and Brier terms rounded to 0.001 (:mod:`judgekit.auditing._calib` says why
that moves them by at most 0.001). :func:`index_sums` gives the same sums from an explicit
index matrix.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

Array = NDArray[Any]

CONFIDENCE = 0.95
"""Two-sided level of every bootstrap interval (percentile method)."""

CHUNK = 1 << 22
"""Item-level path: index draws held at once (replicates x items), to bound memory."""

METHODS = ("table", "items")


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


def _int_rows(features: Array) -> Array:
    f = np.asarray(features, dtype=np.int64)
    return f[:, None] if f.ndim == 1 else f


def _keys(f: Array) -> tuple[Array, Array, Array, Array, float] | None:
    """Each row as one integer (mixed radix), the radices, lows, spans and key space.

    None when the key space is too big for an int64.
    """
    lo, hi = _column_range(f)
    span = hi - lo + 1
    size = float(np.prod(span.astype(float)))
    if size >= 2.0**62:
        return None
    mult = np.cumprod(np.concatenate(([1], span[:-1]))).astype(np.int64)
    keys = (f[:, 0] - lo[0]) * mult[0]
    for j in range(1, f.shape[1]):
        keys += (f[:, j] - lo[j]) * mult[j]
    return keys, mult, lo, span, size


def _column_range(f: Array) -> tuple[Array, Array]:
    """Per column, the least and the greatest value.

    Column by column for a few columns: numpy reduces a narrow ``(n, F)`` array along axis 0
    several times slower than its F strided columns one by one.
    """
    if f.shape[1] > 4:
        return f.min(axis=0), f.max(axis=0)
    return (np.array([f[:, j].min() for j in range(f.shape[1])], dtype=np.int64),
            np.array([f[:, j].max() for j in range(f.shape[1])], dtype=np.int64))


def patterns(features: Array) -> Patterns:
    """Group ``(n, F)`` integer features into distinct rows with counts (rows sorted)."""
    f = _int_rows(features)
    if len(f) == 0:
        return Patterns(np.zeros((0, f.shape[1]), dtype=np.int64), np.zeros(0, dtype=np.int64))
    keyed = _keys(f)
    if keyed is None:
        rows, counts = np.unique(f, axis=0, return_counts=True)
        return Patterns(rows, counts.astype(np.int64))
    keys, mult, lo, span, size = keyed
    if size <= max(4 * len(f), 1 << 16):  # a small key space: count in one linear pass
        counts = np.bincount(keys, minlength=int(size))
        at = np.flatnonzero(counts)
        return Patterns(lo + (at[:, None] // mult) % span, counts[at].astype(np.int64))
    uniq, counts = np.unique(keys, return_counts=True)
    return Patterns(lo + (uniq[:, None] // mult) % span, counts.astype(np.int64))


def merge(a: Patterns | None, b: Patterns | None) -> Patterns | None:
    """The patterns of two sets of items together: rows and order as :func:`patterns` of both.

    :func:`patterns` orders its rows by a key that depends only on the set of distinct rows
    (mixed radix, the last column most significant; or numpy's lexicographic order when the
    key space is too big), so re-grouping the union of two tables' rows with their counts
    gives exactly the table of all their items, whatever chunks they arrived in.
    """
    if a is None or b is None:
        return b if a is None else a
    rows = np.concatenate([a.rows, b.rows]).astype(np.int64)
    counts = np.concatenate([a.counts, b.counts])
    if len(rows) == 0:
        return Patterns(rows, counts.astype(np.int64))
    keyed = _keys(rows)
    if keyed is None:
        uniq, inverse = np.unique(rows, axis=0, return_inverse=True)
    else:
        keys, mult, lo, span, _ = keyed
        flat, inverse = np.unique(keys, return_inverse=True)
        uniq = lo + (flat[:, None] // mult) % span
    total = np.zeros(len(uniq), dtype=np.int64)
    np.add.at(total, inverse.ravel(), counts)
    keep = total > 0
    return Patterns(uniq[keep], total[keep])


def groups(features: Array) -> tuple[Array, Array]:
    """Each row's index among the distinct rows of ``(n, F)`` integer features, and those rows.

    The rows are sorted as :func:`patterns` sorts them; ``np.bincount`` of the indices of any
    subset of items gives that subset's counts per row.
    """
    f = _int_rows(features)
    if len(f) == 0:
        return np.zeros(0, dtype=np.int64), np.zeros((0, f.shape[1]), dtype=np.int64)
    keyed = _keys(f)
    if keyed is None:
        rows, inverse = np.unique(f, axis=0, return_inverse=True)
        return inverse.ravel().astype(np.int64), rows
    keys, mult, lo, span, size = keyed
    if size <= max(4 * len(f), 1 << 16):
        seen = np.zeros(int(size), dtype=bool)
        seen[keys] = True
        at = np.flatnonzero(seen)
        return (np.cumsum(seen) - 1)[keys], lo + (at[:, None] // mult) % span
    uniq, inverse = np.unique(keys, return_inverse=True)
    return inverse.ravel().astype(np.int64), lo + (uniq[:, None] // mult) % span


class Bootstrap:
    """Percentile bootstrap over items (see the module docstring for the two paths).

    Args:
        replicates: Number of bootstrap replicates B (0 turns intervals off).
        seed: Seed of the random generator; the same seed gives the same intervals.
        method: ``table`` (multinomial over distinct rows) or ``items`` (index resampling).

    """

    def __init__(self, replicates: int = 1000, seed: int = 0, method: str = "table") -> None:
        if method not in METHODS:
            raise ValueError(f"method must be one of {METHODS}, not {method!r}")
        self.replicates = replicates
        self.seed = seed
        self.method = method

    def sums(self, pat: Patterns, salt: int = 0) -> Array:
        """``(B, F)`` feature sums of B resamples of the items (empty when B is 0)."""
        if self.replicates <= 0 or pat.n == 0:
            return np.zeros((0, pat.rows.shape[1]))
        rng = np.random.default_rng([self.seed, salt])
        if self.method == "items":
            return _item_sums(pat, self.replicates, rng)
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


def _item_sums(pat: Patterns, replicates: int, rng: np.random.Generator) -> Array:
    """Feature sums of ``replicates`` resamples of the n items by index (the item path)."""
    n, p = pat.n, len(pat.rows)
    row_of = np.repeat(np.arange(p), pat.counts)  # item -> its distinct row
    step = max(1, CHUNK // n)
    out = np.zeros((replicates, pat.rows.shape[1]), dtype=np.int64)
    for at in range(0, replicates, step):
        b = min(step, replicates - at)
        picked = row_of[rng.integers(0, n, size=(b, n))]
        picked += (np.arange(b) * p)[:, None]
        out[at:at + b] = np.bincount(picked.ravel(), minlength=b * p).reshape(b, p) @ pat.rows
    return out


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
