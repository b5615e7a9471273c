"""Item labels as Python values by item id: how :mod:`judgekit.trust` reads a judge's labels.

The audit reads labels as columns (:mod:`._labels`, :mod:`._items`); this module turns those
columns into one :class:`ItemLabel` per item for code that wants objects. It reads nothing
itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from judgekit.auditing._options import LabelColumns

__all__ = ["ItemLabel", "JudgeLabels", "read_labels"]


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
