"""One label per item: a judge's judgments combined, or a panel of judges averaged.

The orders of an item (and the judges of a panel) are combined by judgekit's one rule,
:func:`judgekit.run._aggregate.combine`, on every item at once: the same code that combines a
run's orders for export. On top of it, what the audit needs: which judge (``panel``: all of
them, as :func:`judgekit.run.panel` averages them), an item with a single ``single`` row keeps
its verdict as given, the label map, the probability of the verdict, and per item the orders
in which the judge chose the first- or second-shown response.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow.compute as pc

from judgekit._arrow import strings
from judgekit._errors import ContentError
from judgekit.auditing._columns import Array, arrow, codes, scalar, to_numpy
from judgekit.auditing._labels import LabelRows
from judgekit.run._aggregate import ORDER_CODES, Combined, Judgments, agree, combine

if TYPE_CHECKING:
    from judgekit.run._rundir import Run


@dataclass(frozen=True)
class ItemLabels:
    """A judge's (or a panel's) item labels as columns (length n, one per item).

    Attributes:
        source: Where they came from.
        kind: ``file``, ``run`` or ``labels``.
        judge: The judge's name (``panel(a, b)`` for a panel).
        ids: Item ids (pyarrow strings, unique).
        label: The item's label after the label map (pyarrow strings; null: none read).
        space: Labels the distributions name (after the map), sorted.
        probs: ``(n, K)`` the item's distribution over ``space``.
        keys: ``(n, K)`` the labels it names.
        has: Which items have a distribution.
        conf: Probability of the label (NaN: unknown).
        consistent: 1/0 where both orders were read (same label?), else -1.
        first: Orders in which the judge chose the first-shown response.
        second: ... the second-shown one.
        n_ab: Rows of the item shown in order ``AB``.
        n_ba: ... in order ``BA``.
        run: The run they came from, if any.

    """

    source: str
    kind: str
    judge: str
    ids: Any
    label: Any
    space: list[str]
    probs: Array
    keys: Array
    has: Array
    conf: Array
    consistent: Array
    first: Array
    second: Array
    n_ab: Array
    n_ba: Array
    run: Run | None = None


_MADE: list[tuple[LabelRows, str | None, dict[str, str], ItemLabels]] = []
"""Item labels made ahead (:func:`made_ahead`), by the judgments they were made of."""


@contextmanager
def made_ahead(rows: LabelRows, judge: str | None,
               label_map: Mapping[str, str]) -> Iterator[ItemLabels]:
    """Make the item labels now; :func:`item_labels` of these same rows returns them in the block.

    ``judgekit audit`` of a labels file makes them while its gold file is read in another
    thread (:func:`judgekit.auditing._gold.prefetch_gold`); the audit itself asks for the
    gold first (for a run, that keeps the peak of memory lower), so the two would otherwise
    take turns. Raises what :func:`item_labels` raises.
    """
    entry = (rows, judge, dict(label_map), item_labels(rows, judge, label_map))
    _MADE.append(entry)
    try:
        yield entry[3]
    finally:
        _MADE[:] = [e for e in _MADE if e is not entry]


def item_labels(rows: LabelRows, judge: str | None,
                label_map: Mapping[str, str]) -> ItemLabels:
    """Combine judgments into item labels.

    Args:
        rows: The judgments.
        judge: Which judge, when there are several; ``panel`` averages them all.
        label_map: Judge label -> gold spelling.

    Raises:
        ContentError: Several judges and no choice, an unknown judge, no labels.

    """
    for made_rows, made_judge, made_map, made in _MADE:
        if made_rows is rows and made_judge == judge and made_map == dict(label_map):
            return made
    names = sorted(pc.unique(rows.judge).to_pylist())
    name = choose_judge(names, judge, rows.path)
    if judge != "panel":
        if names != [name]:  # other judges' rows out
            rows = rows.take(np.flatnonzero(to_numpy(pc.equal(rows.judge, scalar(name)), bool)))
    if not len(rows.order):
        raise ContentError(rows.path, "no labels", fix="label some items first")
    space = sorted(set(pc.unique(rows.verdict).drop_null().to_pylist()) | set(rows.space))
    item, ids = _encode(rows.item)
    j = Judgments(space, item, codes(rows.verdict, space), *_over(rows, space))
    if judge == "panel":
        c = _panel(rows, j, names, len(ids))
        consistent = np.full(len(ids), -1)
        label, conf = c.label, np.full(len(ids), np.nan)
    else:
        c = combine(j, len(ids))
        consistent = agree(item, len(ids), rows.order, j.label)
        label, conf = _single(rows, j, c, len(ids))
    spelled, mspace, probs, keys = _spelled(c, space, label_map)
    column = np.array([mspace.index(s) for s in spelled] + [len(mspace)])[label]
    return ItemLabels(
        rows.source, rows.kind, name, ids,
        strings([*spelled, None]).take(arrow(label % (len(spelled) + 1))),
        mspace, probs, keys, c.has_probs, _conf(conf, c.has_probs, probs, keys, column),
        consistent, *_positions(rows, item, len(ids)), run=rows.run)


def choose_judge(names: list[str], judge: str | None, path: Path | None) -> str:
    """The name of the judge (or panel) whose labels count, among the judges ``names``.

    Raises:
        ContentError: Several judges and no choice, or an unknown judge.

    """
    if judge is None and len(names) > 1:
        raise ContentError(path, f"labels of {len(names)} judges: {', '.join(names)}",
                           fix="choose one with --judge NAME, or --judge panel to average them")
    if judge not in (None, "panel") and judge not in names:
        raise ContentError(path, f"no labels of judge {judge!r}",
                           fix=f"use one of: {', '.join(names)}, or panel")
    if judge == "panel":
        return "panel(" + ", ".join(names) + ")"
    return judge or (names[0] if names else "judge")


def _encode(item: Any) -> tuple[Array, Any]:
    """Each row's item index, and the items in order of first appearance."""
    enc = pc.dictionary_encode(item)
    return to_numpy(enc.indices, np.int64), enc.dictionary


def _over(rows: LabelRows, space: list[str]) -> tuple[Array, Array, Array]:
    """The rows' distributions over ``space`` (which holds every label they name)."""
    at = [space.index(s) for s in rows.space]
    probs = np.zeros((len(rows.order), len(space)))
    keys = np.zeros((len(rows.order), len(space)), dtype=bool)
    probs[:, at], keys[:, at] = rows.probs, rows.keys
    return probs, keys, rows.has


def _panel(rows: LabelRows, j: Judgments, names: list[str], n: int) -> Combined:
    """Each judge's orders combined, then the judges averaged per item.

    The judges are added in name order, as :func:`judgekit.run.panel` adds them.
    """
    judge = codes(rows.judge, names)
    pairs, group = np.unique(judge * n + j.group, return_inverse=True)
    own = combine(Judgments(j.space, group, j.label, j.probs, j.keys, j.has), len(pairs))
    return combine(Judgments(j.space, pairs % n, own.label, own.probs, own.keys,
                             own.has_probs), n)


def _single(rows: LabelRows, j: Judgments, c: Combined, n: int) -> tuple[Array, Array]:
    """Labels and P(label) before the label map.

    An item judged once, in order ``single``, keeps its verdict. Without distributions, P is
    the mean of the rows' P(verdict) where every row has one and chose the item's label.
    """
    size = np.bincount(j.group, minlength=n)
    alone = (size[j.group] == 1) & (rows.order == ORDER_CODES["single"]) & (j.label >= 0)
    label = c.label.copy()
    label[j.group[alone]] = j.label[alone]
    ok = j.label >= 0
    odd = ok & (np.isnan(rows.conf) | (j.label != label[j.group]))
    count = np.bincount(j.group[ok], minlength=n)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.bincount(j.group[ok], weights=np.nan_to_num(rows.conf[ok]), minlength=n) / count
    spoilt = np.bincount(j.group[odd], minlength=n) > 0
    return label, np.where((count > 0) & ~spoilt & (label >= 0), mean, np.nan)


def _spelled(c: Combined, space: list[str],
             label_map: Mapping[str, str]) -> tuple[list[str], list[str], Array, Array]:
    """The labels as the gold spells them.

    Returns:
        Each label's new name, the new labels (sorted), and the distributions over them
        (where the map sends two labels to one, the one later in sorted order counts).

    """
    spelled = [label_map.get(s, s) for s in space]
    mspace = sorted(set(spelled))
    if spelled == space:
        return spelled, mspace, c.probs, c.keys
    n = len(c.label)
    probs, keys = np.zeros((n, len(mspace))), np.zeros((n, len(mspace)), dtype=bool)
    for k, target in enumerate(spelled):
        to = mspace.index(target)
        probs[:, to] = np.where(c.keys[:, k], c.probs[:, k], probs[:, to])
        keys[:, to] |= c.keys[:, k]
    return spelled, mspace, probs, keys


def _conf(conf: Array, has: Array, probs: Array, keys: Array, column: Array) -> Array:
    """P(label): the item's distribution's where it has one, else ``conf``.

    ``column`` is the label's column in ``probs`` (one past the last: no label).
    """
    labeled = np.flatnonzero(column < keys.shape[1])
    named, p = np.zeros(len(conf), dtype=bool), np.zeros(len(conf))
    named[labeled] = keys[labeled, column[labeled]]
    p[labeled] = probs[labeled, column[labeled]]
    return np.where(has & named, p, np.where(has, np.nan, conf))


def _positions(rows: LabelRows, item: Array, n: int) -> tuple[Array, Array, Array, Array]:
    """Per item: the position bias counts.

    Orders in which the judge chose the first-shown response, the second-shown one, and the
    item's rows shown in order AB and in order BA.
    """
    shown = rows.order != ORDER_CODES["single"]
    if not shown.any():  # no order shown: every count is 0
        zero = np.zeros(n, dtype=np.int64)
        return zero, zero.copy(), zero.copy(), zero.copy()
    chose = [shown & to_numpy(pc.fill_null(pc.equal(rows.presented, scalar(side)),
                                              scalar(False)), bool)
             for side in ("A", "B")]
    ab, ba = rows.order == ORDER_CODES["AB"], rows.order == ORDER_CODES["BA"]
    first, second, n_ab, n_ba = (np.bincount(item, weights=w, minlength=n).astype(np.int64)
                                 for w in (*chose, ab, ba))
    return first, second, n_ab, n_ba
