"""A step review's per-step inputs, added a chunk at a time and held as small arrays.

The step report (:mod:`._steps`) needs, per step: its solution, its number, whether the judge
and the gold call it an error, and the judge's P(error) (for the AUROC). A streamed audit adds
each chunk of joined items here: a solution becomes an integer code (numbered in order of first
appearance, as the report's per-solution rows are), the rest numbers, so a step costs ~22
bytes (and each solution its name once) instead of five Python objects.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from judgekit.auditing._boot import Array

_NONE = -1
"""An error class that is not known (no readable label, no gold)."""


class StepTally:
    """Steps added so far: solution code, number, judge and gold error class, P(error)."""

    def __init__(self) -> None:
        self.names: dict[str, int] = {}
        self.parts: list[tuple[Array, Array, Array, Array, Array]] = []

    def add(self, ids: Sequence[str], judge: Array, gold: Array, p_error: Array) -> None:
        """Add items: ids, error classes (1 error, 0 not, -1 unknown), P(error) (NaN: none).

        Items whose id is no step id (``SOLUTION#K``) are left out.
        """
        from judgekit.content._steps import split_step_id  # here: judgekit.content takes 0.2 s

        keep: list[int] = []
        sol: list[int] = []
        num: list[int] = []
        for row, item in enumerate(ids):
            parts = split_step_id(item)
            if parts is not None:
                keep.append(row)
                sol.append(self.names.setdefault(parts[0], len(self.names)))
                num.append(parts[1])
        if keep:
            at = np.asarray(keep, dtype=np.int64)
            self.parts.append((np.asarray(sol, np.int64), np.asarray(num, np.int64),
                               np.asarray(judge, np.int8)[at], np.asarray(gold, np.int8)[at],
                               np.asarray(p_error, float)[at]))

    def columns(self) -> tuple[Array, Array, Array, Array, Array]:
        """Every step's solution, number, judge and gold class and P(error), in added order."""
        if not self.parts:
            empty = np.zeros(0, np.int64)
            return empty, empty, empty.astype(np.int8), empty.astype(np.int8), np.zeros(0)
        sol, num, j, g, p = (np.concatenate(c) for c in zip(*self.parts, strict=True))
        self.parts = [(sol, num, j, g, p)]
        return sol, num, j, g, p

    def counts(self, width: int) -> Array:
        """``(solutions, width)`` per-solution counts, :data:`._steps.COUNTS`' columns."""
        sol, num, j, g, _ = self.columns()
        s = len(self.names)
        both = (j != _NONE) & (g != _NONE)
        rows = np.zeros((s, width), dtype=np.int64)
        for col, (jj, gg) in enumerate(((1, 1), (1, 0), (0, 1), (0, 0))):
            rows[:, col] = np.bincount(sol[both & (j == jj) & (g == gg)], minlength=s)
        steps, judged = np.bincount(sol, minlength=s), np.bincount(sol[both], minlength=s)
        lo, hi = _per(np.minimum, sol, num, s, np.iinfo(np.int64).max), \
            _per(np.maximum, sol, num, s, np.iinfo(np.int64).min)
        order = np.lexsort((num, sol))
        twin = np.zeros(s, dtype=bool)
        same = (sol[order][1:] == sol[order][:-1]) & (num[order][1:] == num[order][:-1])
        twin[sol[order][1:][same]] = True
        complete = (judged == steps) & (steps > 0) & (lo == 1) & (hi == steps) & ~twin
        big = np.iinfo(np.int64).max
        first_j = _per(np.minimum, sol[both & (j == 1)], num[both & (j == 1)], s, big)
        first_g = _per(np.minimum, sol[both & (g == 1)], num[both & (g == 1)], s, big)
        found = first_j == first_g
        has_error = first_g < big
        rows[:, 4:] = np.stack([complete, complete & found, complete & has_error,
                                complete & has_error & found, complete & ~has_error,
                                complete & ~has_error & found], axis=1)
        return rows

    def steps(self) -> int:
        """How many steps were added."""
        return len(self.columns()[0])

    def auroc(self) -> float | None:
        """AUROC of P(error) against the gold error class (Mann-Whitney), gold-labeled steps.

        None without P(error) for each of them, or without both classes.
        """
        from scipy.stats import rankdata

        _, _, _, g, p = self.columns()
        labeled = g != _NONE
        if not labeled.any() or np.isnan(p[labeled]).any():
            return None
        truth = g[labeled] == 1
        pos, neg = int(truth.sum()), int((~truth).sum())
        if pos == 0 or neg == 0:
            return None
        ranks = rankdata(p[labeled])
        return float((ranks[truth].sum() - pos * (pos + 1) / 2) / (pos * neg))


def _per(fn: np.ufunc, sol: Array, values: Array, s: int, fill: int) -> Array:
    """``fn`` (minimum or maximum) of the values of each solution (``fill``: none)."""
    out = np.full(s, fill, dtype=np.int64)
    fn.at(out, sol, values)
    return out


def classes(flags: Sequence[bool | None]) -> Array:
    """Error classes as :meth:`StepTally.add` takes them (None: -1)."""
    return np.array([_NONE if f is None else int(f) for f in flags], dtype=np.int8)
