"""Gold and item labels as Python values by item id: how :mod:`judgekit.trust` reads them.

The audit reads labels as columns (:mod:`._labels`, :mod:`._items`); this module turns those
columns into one :class:`ItemLabel` per item for code that wants objects. It reads nothing
itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from judgekit.auditing._options import GoldColumns, LabelColumns

__all__ = ["GoldSet", "ItemLabel", "JudgeLabels", "read_gold", "read_labels"]


@dataclass(frozen=True)
class ItemLabel:
    """One item's label from the judge.

    Attributes:
        label: The verdict (None: every order errored).
        probs: Label distribution, if known.
        conf: Probability of ``label``, if known.
        consistent: Pairwise, both orders read: did they agree?

    """

    label: str | None
    probs: Mapping[str, float] | None
    conf: float | None
    consistent: bool | None


@dataclass(frozen=True)
class JudgeLabels:
    """A judge's item labels, with where they came from."""

    source: str
    kind: str
    judge: str
    items: dict[str, ItemLabel]


def read_labels(path: Path, columns: LabelColumns | None = None, *, judge: str | None = None,
                label_map: Mapping[str, str] | None = None) -> JudgeLabels:
    """Read a judge's labels (a run directory or a labels file), one object per item.

    Raises:
        ContentError: As :func:`judgekit.audit` words it for the same labels.

    """
    from judgekit.auditing._items import item_labels
    from judgekit.auditing._labels import read_labels as label_rows

    lab = item_labels(label_rows(path, columns), judge, label_map or {})
    space = lab.space
    items = {}
    for i, (item, label, has, conf, consistent) in enumerate(zip(
            lab.ids.to_pylist(), lab.label.to_pylist(), lab.has.tolist(), lab.conf.tolist(),
            lab.consistent.tolist(), strict=True)):
        probs = {space[k]: float(lab.probs[i, k]) for k in np.flatnonzero(lab.keys[i])} \
            if has else None
        items[item] = ItemLabel(label, probs, None if np.isnan(conf) else conf,
                                None if consistent < 0 else bool(consistent))
    return JudgeLabels(lab.source, lab.kind, lab.judge, items)


@dataclass(frozen=True)
class GoldSet:
    """Gold as Python values by item id: how :mod:`judgekit.trust` reads it.

    Attributes:
        source: Where it came from.
        label_column: The column read as the gold label.
        annotators_column: The annotators' column, if any.
        labels: Gold label per item id.
        annotators: Individual labels per item id (items without them are absent).
        fields: Every column of each item's row, by id.

    """

    source: str
    label_column: str
    annotators_column: str | None
    labels: dict[str, str]
    annotators: dict[str, list[str]]
    fields: dict[str, Mapping[str, Any]]


def read_gold(path: Path, *, id_col: str = "id", label_col: str | None = None,
              annotators_col: str | None = None,
              label_map: Mapping[str, str] | None = None) -> GoldSet:
    """:func:`gold_from_file` as Python values by id (for :mod:`judgekit.trust`)."""
    from judgekit.auditing._gold import gold_from_file

    g = gold_from_file(path, GoldColumns(id_col, label_col, annotators_col, label_map or {}))
    ids = g.ids.to_pylist()
    anns = {} if g.annotators is None else \
        {i: a for i, a in zip(ids, g.annotators.to_pylist(), strict=True) if a}
    return GoldSet(g.source, g.label_column, g.annotators_column,
                   dict(zip(ids, g.label.to_pylist(), strict=True)), anns,
                   {i: g.rows.raw(r) for r, i in enumerate(ids)})
