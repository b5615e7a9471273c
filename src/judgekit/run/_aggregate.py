"""Combine per-order labels into one verdict per item (and per panel of judges).

Both-order rule (RLAIF debiasing): average the canonical label distributions of the ``AB`` and
``BA`` judgments; an order with a label but no probabilities counts as a one-hot distribution;
an errored order is left out (and named in ``errors``). The item's label is the argmax of the
average. Tie rule: where the rubric has a ``tie`` label it wins only as the argmax; with
``tie_margin > 0`` an item whose |P(A) - P(B)| <= tie_margin is also called ``tie`` (use it for
rubrics without a tie label, to report near-coin-flips as ties instead of forcing a side). Top
labels exactly level (two orders without probabilities that disagree: 0.5 / 0.5) make a ``tie``
where the rubric has one, as MT-Bench counts an inconsistent pair; else the alphabetically first.
``consistent`` says whether the two orders, each taken alone, chose the same canonical label.

The rule is written once, on arrays: :func:`combine` (and :func:`agree` for ``consistent``)
takes every judgment of every item at once, as the audit does; :func:`combine_orders`,
:func:`item_verdicts` and :func:`panel` wrap it for judgekit's objects.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import compress
from typing import Any

import numpy as np
from numpy.typing import NDArray

from judgekit._types import Label

Array = NDArray[Any]
ORDER_CODES = {"single": 0, "AB": 1, "BA": 2}
"""Order -> its code in arrays."""


@dataclass(frozen=True)
class ItemVerdict:
    """One item's verdict from one judge (or a panel), both orders combined.

    Attributes:
        item_id: The item.
        judge: Judge model id (or ``panel`` for an aggregate of judges).
        label: Final label, or None when every order errored.
        probs: Averaged canonical probabilities, when any order had them.
        score: Mean expected score (pointwise).
        consistent: Pairwise with both orders read: did they agree? Else None.
        orders: How many orders contributed.
        errors: Errors of the orders left out.
        rationales: Rationales, by order.
        members: For a panel: each judge's label.

    """

    item_id: str
    judge: str
    label: str | None
    probs: Mapping[str, float] | None
    score: float | None
    consistent: bool | None
    orders: int
    errors: tuple[str, ...] = ()
    rationales: Mapping[str, str] = field(default_factory=dict)
    members: Mapping[str, str | None] = field(default_factory=dict)

    def p(self, label: str) -> float | None:
        """Probability of ``label``, if known."""
        return None if self.probs is None else float(self.probs.get(label, 0.0))


@dataclass(frozen=True)
class Judgments:
    """Judgments as arrays, one row each, to be combined per group (item).

    Attributes:
        space: Label names in sorted order; codes index it, so an argmax tie goes to the
            alphabetically first label.
        group: Group of each row, 0 to n - 1.
        label: Code of each row's label (-1: errored, left out).
        probs: ``(rows, K)`` probabilities over ``space`` (0 where a row names none).
        keys: ``(rows, K)`` which labels each row's probabilities name.
        has: Which rows have probabilities; the others count as one-hot.

    """

    space: list[str]
    group: Array
    label: Array
    probs: Array
    keys: Array
    has: Array


@dataclass(frozen=True)
class Combined:
    """Per group, the combined verdict as arrays (length n).

    Attributes:
        label: Code of the label (-1: no row with a label).
        probs: ``(n, K)`` mean distribution of the rows with a label (one-hot where they had
            no probabilities; NaN where there was none).
        keys: ``(n, K)`` the labels that mean names (its dictionary's keys).
        has_probs: Whether any row with a label had probabilities (else ``probs`` are only
            vote shares, which are not judge probabilities).
        count: Rows with a label.

    """

    label: Array
    probs: Array
    keys: Array
    has_probs: Array
    count: Array


def _ascending(group: Array) -> bool:
    """Whether every group has at most one row, rows in group order."""
    return len(group) < 2 or bool(np.all(group[1:] > group[:-1]))


def _sums(group: Array, values: Array, n: int) -> Array:
    """Column sums of ``values`` per group, each added in row order (as Python's ``sum``)."""
    out = np.zeros((n, values.shape[1]))
    if _ascending(group):
        out[group] = values  # at most one row per group: nothing to add
        return out
    for c in range(values.shape[1]):
        out[:, c] = np.bincount(group, weights=values[:, c], minlength=n)
    return out


def combine(j: Judgments, n: int, *, tie_margin: float = 0.0,
            majority: bool = False) -> Combined:
    """Combine the judgments of each group: mean distribution, then its argmax.

    Args:
        j: The judgments.
        n: Number of groups.
        tie_margin: Call ``tie`` where |P(A) - P(B)| <= tie_margin (``space`` must hold
            ``tie``; not with ``majority``).
        majority: Label by most votes instead, ties broken by the mean probability, then
            alphabetically (:func:`panel`'s ``majority``).

    """
    k = len(j.space)
    ok = j.label >= 0
    group, label = j.group[ok], j.label[ok]
    onehot = np.zeros((len(label), k))
    onehot[np.arange(len(label)), label] = 1.0
    has = j.has[ok]  # rows with probabilities; the others count one-hot
    dist = np.where(has[:, None], j.probs[ok], onehot) if has.any() else onehot
    named = np.where(has[:, None], j.keys[ok], onehot > 0)
    count = np.bincount(group, minlength=n)
    if len(group) == n and _ascending(group):  # one row per group, each with a label
        mean, keys = dist, named
    else:
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = _sums(group, dist, n) / count[:, None]
        keys = _sums(group, named, n) > 0
    score = np.where(keys, mean, -np.inf)
    if majority:
        votes = _sums(group, onehot, n)
        score = np.where((votes == votes.max(axis=1, initial=0)[:, None]) & (votes > 0),
                         mean, -np.inf)
    out = np.where(keys.any(axis=1), np.argmax(score, axis=1) if k else -1, -1)
    if k and not majority and "tie" in j.space:  # top labels level: MT-Bench calls it a tie
        level = (score == score.max(axis=1, keepdims=True)).sum(axis=1) > 1
        out = np.where(level & keys.any(axis=1), j.space.index("tie"), out)
    if tie_margin > 0 and not majority and {"A", "B"} <= set(j.space):
        a, b = j.space.index("A"), j.space.index("B")
        near = keys[:, a] & keys[:, b] & (np.abs(mean[:, a] - mean[:, b]) <= tie_margin)
        out = np.where(near, j.space.index("tie"), out)
    return Combined(np.asarray(out, dtype=np.int64), mean, keys,
                    np.bincount(group, weights=has, minlength=n) > 0, count)


def agree(group: Array, n: int, order: Array, label: Array) -> Array:
    """Per group: 1/0 where both orders have a label (the same one?), else -1.

    ``order`` holds each row's :data:`ORDER_CODES`, ``label`` its label code (-1: errored);
    of two rows of one order, the later counts.
    """
    last = np.full((2, n), -1, dtype=np.int64)
    for o in (0, 1):
        rows = np.flatnonzero((order == o + 1) & (label >= 0))
        np.maximum.at(last[o], group[rows], rows)
    both = (last >= 0).all(axis=0)
    same = label[np.maximum(last[0], 0)] == label[np.maximum(last[1], 0)] if len(label) else both
    return np.where(both, same.astype(np.int64), -1)


def judgments(rows: Sequence[Label | ItemVerdict], group: Array,
              tie_margin: float = 0.0) -> Judgments:
    """Labels or item verdicts as :class:`Judgments` (``tie`` in the space for a tie margin)."""
    at = [i for i, r in enumerate(rows) if r.probs is not None]  # no tuples: fewer GC passes
    given = [p for r in rows if (p := r.probs) is not None]
    names: set[str] = set().union({r.label for r in rows if r.label is not None}, *given)
    space = sorted(names | ({"tie"} if tie_margin > 0 else set()))
    index = {s: i for i, s in enumerate(space)}
    codes = [-1 if r.label is None else index[r.label] for r in rows]
    cells = np.repeat(np.array(at, dtype=np.int64), [len(p) for p in given]), \
        [index[key] for p in given for key in p]
    probs = np.zeros((len(rows), len(space)))
    keys = np.zeros((len(rows), len(space)), dtype=bool)
    probs[cells], keys[cells] = [v for p in given for v in p.values()], True
    has = np.zeros(len(rows), dtype=bool)
    has[at] = True
    return Judgments(space, group, np.array(codes, dtype=np.int64), probs, keys, has)


def _probs(c: Combined, space: list[str]) -> list[dict[str, float] | None]:
    """Each group's mean distribution as a dictionary, or None (no probabilities)."""
    return [dict(compress(zip(space, mean, strict=True), named)) if has else None
            for mean, named, has in zip(c.probs.tolist(), c.keys.tolist(),
                                        c.has_probs.tolist(), strict=True)]


def _mean_scores(group: Array, n: int, scores: list[float | None]) -> list[float | None]:
    """Per group, the mean of the rows' scores that are not None (None where there is none)."""
    value = np.array([np.nan if s is None else s for s in scores], dtype=float)
    known = ~np.isnan(value)
    count = np.bincount(group[known], minlength=n)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.bincount(group[known], weights=value[known], minlength=n) / count
    return [None if c == 0 else m for m, c in zip(mean.tolist(), count.tolist(), strict=True)]


def _combined(groups: Sequence[Sequence[Label | ItemVerdict]], tie_margin: float,
              majority: bool = False
              ) -> tuple[Judgments, Combined, list[dict[str, float] | None], list[float | None]]:
    """Each group combined: the arrays, and per group its distribution and mean score."""
    rows = [r for g in groups for r in g]
    group = np.repeat(np.arange(len(groups)), [len(g) for g in groups])
    j = judgments(rows, group, tie_margin)
    c = combine(j, len(groups), tie_margin=tie_margin, majority=majority)
    scores = _mean_scores(group, len(groups), [r.score if r.label is not None else None
                                               for r in rows])
    return j, c, _probs(c, j.space), scores


def _verdicts(groups: list[list[Label]], tie_margin: float) -> list[ItemVerdict]:
    """Combine the orders of each group of labels (one judge, one item each)."""
    j, c, dists, scores = _combined(groups, tie_margin)
    orders = np.array([ORDER_CODES.get(lab.order, 0) for g in groups for lab in g])
    names: list[str | None] = [*j.space, None]  # code -1: no label
    out = []
    for labels, code, probs, score, consistent, count in zip(
            groups, c.label.tolist(), dists, scores,
            agree(j.group, len(groups), orders, j.label).tolist(), c.count.tolist(),
            strict=True):
        out.append(ItemVerdict(
            item_id=labels[0].item_id, judge=labels[0].judge, label=names[code],
            probs=probs if code >= 0 else None, score=score,
            consistent=None if consistent < 0 else bool(consistent), orders=count,
            errors=() if count == len(labels) else
            tuple(f"{lab.order}: {lab.error}" for lab in labels if lab.label is None),
            rationales={lab.order: lab.rationale for lab in labels if lab.rationale},
        ))
    return out


def combine_orders(labels: Sequence[Label], tie_margin: float = 0.0) -> ItemVerdict:
    """Combine one judge's labels of one item (one or two orders)."""
    return _verdicts([list(labels)], tie_margin)[0]


def item_verdicts(labels: Iterable[Label], tie_margin: float = 0.0) -> list[ItemVerdict]:
    """Group labels by (judge, item) and combine the orders of each, all groups at once."""
    groups: dict[tuple[str, str], list[Label]] = {}
    for lab in labels:
        groups.setdefault((lab.judge, lab.item_id), []).append(lab)
    return _verdicts([groups[key] for key in sorted(groups)], tie_margin) if groups else []


def panel(verdicts: Iterable[ItemVerdict], *, how: str = "mean",
          tie_margin: float = 0.0) -> list[ItemVerdict]:
    """Aggregate several judges' item verdicts: ``mean`` probability or ``majority`` label.

    Majority ties between labels are broken by mean probability, then alphabetically. With no
    probabilities from any member, the panel has none either (vote shares are not judge
    probabilities).
    """
    if how not in {"mean", "majority"}:
        raise ValueError(f"panel aggregation must be 'mean' or 'majority', not {how!r}")
    groups: dict[str, list[ItemVerdict]] = {}
    for v in verdicts:
        groups.setdefault(v.item_id, []).append(v)
    items = sorted(groups)
    j, c, dists, scores = _combined([groups[item] for item in items],
                                    tie_margin if how == "mean" else 0.0, how == "majority")
    out = []
    for item_id, code, probs, score in zip(items, c.label.tolist(), dists, scores, strict=True):
        vs = groups[item_id]
        members = {v.judge: v.label for v in vs}
        if code < 0:
            out.append(ItemVerdict(item_id, "panel", None, None, None, None, 0,
                                   tuple(e for v in vs for e in v.errors), members=members))
            continue
        out.append(ItemVerdict(item_id, "panel", j.space[code], probs, score, None,
                               sum(v.orders for v in vs if v.label is not None),
                               members=members))
    return out
