"""What a streamed audit keeps between chunks besides the :class:`._tally.Tally`.

- :class:`Scan`: the labels the matched items use (first pass), which decide the scale and its
  categories exactly as one join of all the items decides them (:func:`._join.detect_scale`);
- :class:`Mistakes`: the ``limit`` most confident disagreements so far (the ranking of
  :func:`._disagree.ranked`: P(label) highest first, then gold order), their listing made when
  they enter, their texts and judgments added at the end for those kept only;
- :class:`Orders`: per presentation order, the gold-by-judge table of that order's labels.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow.compute as pc

from judgekit._errors import ContentError, JudgekitError
from judgekit.auditing._boot import Array, Bootstrap
from judgekit.auditing._disagree import add_texts, entry, judgments_of, ranked, section
from judgekit.auditing._items import choose_judge
from judgekit.auditing._join import AuditData, detect_scale, label_sets
from judgekit.auditing._orders import ORDERS, with_mean
from judgekit.auditing._stats import agreement_from, judged_cells

if TYPE_CHECKING:
    from judgekit.auditing._gold import GoldTable
    from judgekit.auditing._items import ItemLabels
    from judgekit.auditing._labels import LabelRows
    from judgekit.run._store import Store


class Scan:
    """The gold, judge and annotator labels of the matched items, and how many matched."""

    def __init__(self) -> None:
        self.sets: tuple[set[str], set[str], set[str]] = (set(), set(), set())
        self.matched = 0

    def add(self, lab: ItemLabels, gold: GoldTable) -> None:
        """Add the items of a chunk of gold that ``lab`` labels."""
        pos = pc.index_in(gold.ids, value_set=lab.ids)
        ok = pc.is_valid(pos)
        ann = None if gold.annotators is None else gold.annotators.filter(ok)
        got = label_sets(gold.label.filter(ok), lab.label.take(pos.drop_null()), ann)
        for mine, new in zip(self.sets, got, strict=True):
            mine |= new
        self.matched += len(pos) - pos.null_count

    def decided(self, scale: str | None) -> tuple[str, list[str]]:
        """The scale (``scale`` when forced) and its categories."""
        auto, space = detect_scale(*self.sets)
        return scale or auto, space


class Mistakes:
    """The most confident disagreements among the chunks added, and how many there are.

    Args:
        limit: Most items listed.
        late: Read the suite fields of the items kept at the end, in one pass (the suite's
            fields are one table for every chunk); else each chunk's while it is there.

    """

    def __init__(self, limit: int, *, late: bool) -> None:
        self.limit, self.late = max(limit, 0), late
        self.count = 0
        self.key = np.zeros((0, 2))  # (-P(label), position among the matched items)
        self.kept: list[tuple[dict[str, Any], int, Mapping[str, Any]]] = []

    def add(self, d: AuditData, offset: int) -> None:
        """Add a chunk's joined items (``offset``: matched items before them)."""
        wrong = ranked(d)
        self.count += len(wrong)
        if not self.limit or not len(wrong):
            return
        conf = np.where(np.isnan(d.conf[wrong]), -1.0, d.conf[wrong])
        key = np.concatenate([self.key, np.stack([-conf, offset + wrong], axis=1)])
        best = np.lexsort((key[:, 1], key[:, 0]))[:self.limit]
        old = len(self.key)
        new = [int(wrong[b - old]) for b in best.tolist() if b >= old]
        if not self.late and d.fields is not None:
            d.fields.prefetch(new)  # the chunk's suite rows, in one pass
        made = iter([self._made(d, i) for i in new])
        self.kept = [self.kept[b] if b < old else next(made) for b in best.tolist()]
        self.key = key[best]

    def _made(self, d: AuditData, i: int) -> tuple[dict[str, Any], int, Mapping[str, Any]]:
        item, f = entry(d, i, []), d.fields
        if f is None:
            return item, -1, {}
        if not self.late or f.extra_rows is None:
            return item, -1, f.row(i)
        return item, f.extra.placed(int(f.extra_rows[i])), f.gold.raw(int(f.rows[i]))

    def section(self, extra: Any, rows: LabelRows | None, present: set[str], *,
                judge: str | None, label_map: Mapping[str, str],
                humans: bool) -> dict[str, Any]:
        """The ``disagreements`` section.

        Args:
            extra: The run suite's items (:class:`._suite_items.SuiteFields`), if read.
            rows: The listed items' judgments (every judge's), or None.
            present: The report's slice columns.
            humans: Whether the report lists annotators (some item has two or more).
            judge: Whose judgments are listed (None or ``panel(...)``: every judge's).
            label_map: Judge label -> gold spelling.

        """
        at = [e for _, e, _ in self.kept]
        raw = [] if extra is None else extra.raw_rows([e for e in at if e >= 0])
        suite = dict(zip([e for e in at if e >= 0], raw, strict=True))
        per_item = judgments_of(rows, [item["id"] for item, _, _ in self.kept], judge,
                                label_map)
        items = []
        for item, e, gold_raw in self.kept:
            item["slices"] = {c: v for c, v in item["slices"].items() if c in present}
            item["annotators"] = item["annotators"] if humans else []
            item["judgments"] = per_item.get(item["id"], [])
            add_texts(item, {**suite.get(e, {}), **gold_raw})
            items.append(item)
        return section(self.count, items)


class Orders:
    """Per presentation order (``AB``, ``BA``): the scan, then the gold-by-judge table.

    ``active``: the orders whose agreement is computed (by :func:`._orders.by_order`'s rule:
    stop at the first order without labels, or whose judge is not there); ``error``: the error
    that stopped it, if any.
    """

    def __init__(self, store: Store, judge: str | None, path: Any) -> None:
        from judgekit.run._lookup import shown_judges

        self.active: list[str] = []
        self.error: JudgekitError | None = None
        for name in ORDERS:
            names = shown_judges(store, name)
            if not names:
                break
            try:
                choose_judge(names, judge, path)
            except ContentError as exc:
                self.error = exc
                break
            self.active.append(name)
        self.scans = {name: Scan() for name in self.active}
        self.cells: dict[str, Array] = {}
        self.spaces: dict[str, tuple[str, list[str]]] = {}

    def add(self, name: str, d: AuditData) -> None:
        """Add a chunk of order ``name``'s items joined with the gold."""
        got = judged_cells(d)
        self.cells[name] = self.cells[name] + got if name in self.cells else got

    def section(self, boot: Bootstrap, no_common: JudgekitError) -> tuple[
            dict[str, Any] | None, JudgekitError | None]:
        """``agreement_by_order`` (None without both orders), or the error that stops it."""
        out: dict[str, Any] = {}
        for salt, name in enumerate(ORDERS, start=40):
            if name not in self.active:
                return None, self.error
            if not self.scans[name].matched:
                return None, no_common
            scale, space = self.spaces[name]
            cells = self.cells.get(name, np.zeros(len(space) ** 2, dtype=np.int64))
            out[name] = agreement_from(cells, scale, space, boot, brief=True,
                                       salt=salt).get("agreement")
        return with_mean(out), None
