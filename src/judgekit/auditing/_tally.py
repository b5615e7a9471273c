"""Every summed input of an audit report, accumulated over chunks of joined items.

Each statistic of the report is a function of per-item feature rows summed over items (a
gold-by-judge table, grouped :class:`~judgekit.auditing._boot.Patterns`, counts, float sums
added in item order), so it is split in two: the rows of a chunk of joined items
(:class:`~judgekit.auditing._join.AuditData`), added here, and the figures of the sums, computed
once from a :class:`Tally` by :func:`judgekit.auditing._report.report_from`. Patterns merged
chunk by chunk are exactly the patterns of all the items (:func:`._boot.merge`) and the float
sums are added in the same order, so a report is the same whatever chunks its items came in;
the bootstrap draws (their salts and order) are those of one pass over all the items.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from judgekit.auditing._bias import Biases
from judgekit.auditing._boot import Patterns, merge
from judgekit.auditing._calib import Calibration
from judgekit.auditing._ceiling import Humans, ItemUnits, item_units
from judgekit.auditing._join import AuditData
from judgekit.auditing._stats import judged_cells, label_counts

Array = NDArray[Any]


class Section:
    """The items of one slice value: how many, their gold-by-judge table, their units rows.

    Attributes:
        n: Items (a verdict or not).
        cells: ``(K*K,)`` gold-by-judge counts of the items with a verdict.
        units: Their ceiling rows (:func:`._ceiling.item_units`), or None.

    """

    def __init__(self, k: int) -> None:
        self.n = 0
        self.cells = np.zeros(k * k, dtype=np.int64)
        self.units: Patterns | None = None

    def add(self, d: AuditData, mask: Array, grouped: ItemUnits | None) -> None:
        """Add the items of a chunk in ``mask``."""
        self.n += int(mask.sum())
        self.cells += judged_cells(d, mask)
        if grouped is not None:
            self.units = merge(self.units, grouped.of(mask))


class Tally:
    """The sums a report is computed from, over every chunk added so far.

    Args:
        scale: The scale of every chunk.
        space: Its categories, in code order (every chunk encodes labels with these codes).
        family: Whether a judge's model family is given (self-preference is computed).

    """

    def __init__(self, scale: str, space: list[str], family: bool = True) -> None:
        k = len(space)
        self.scale, self.space = scale, list(space)
        self.matched = self.judge_errors = 0
        self.cells = np.zeros(k * k, dtype=np.int64)
        self.gold = np.zeros(k, dtype=np.int64)
        self.judge = np.zeros(k, dtype=np.int64)
        self.humans = Humans(k)
        self.biases = Biases(family)
        self.calibration = Calibration()
        self.slices: dict[str, dict[str, Section]] = {}

    def add(self, d: AuditData) -> None:
        """Add a chunk of joined items (scale and categories as this tally's).

        Raises:
            ValueError: The chunk's scale or categories differ from this tally's.

        """
        if d.scale != self.scale or list(d.space) != self.space:
            raise ValueError(f"a chunk on scale {d.scale} {d.space} added to a tally on "
                             f"{self.scale} {self.space}")
        grouped = item_units(d)
        self.matched += len(d.judge)
        self.judge_errors += int((d.judge < 0).sum())
        self.cells += judged_cells(d)
        gold, judge = label_counts(d)
        self.gold += gold
        self.judge += judge
        self.humans.add(d, grouped)
        self.biases.add(d)
        self.calibration.add(d)
        for column, masks in d.slices.items():
            sections = self.slices.setdefault(column, {})
            for value, mask in masks.items():
                sections.setdefault(value, Section(len(self.space))).add(d, mask, grouped)

    def coverage(self, gold_items: int, labeled_items: int) -> dict[str, int]:
        """The coverage counts, given how many gold items and labeled items there are."""
        n = self.matched
        return {"gold_items": gold_items, "labeled_items": labeled_items, "matched": n,
                "judge_errors": self.judge_errors, "gold_without_label": gold_items - n,
                "labels_without_gold": labeled_items - n}


def tally_of(d: AuditData, family: bool = True) -> Tally:
    """The tally of one chunk: all of ``d`` (``family``: as :class:`Tally` has it)."""
    t = Tally(d.scale, d.space, family)
    t.add(d)
    return t
