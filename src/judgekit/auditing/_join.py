"""Join a judge's labels with gold into the arrays every audit statistic reads.

The scale decides which statistics apply: ``pairwise`` (gold labels within A/B/tie),
``ordinal`` (every label is a number), ``binary`` (two categories among gold and judge labels,
e.g. met / not met) or ``categorical``. Labels become integer codes in the scale's order
(A, B, tie; numeric order; else alphabetical); -1 marks a missing label.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from judgekit.auditing._gold import GoldSet
from judgekit.auditing._io import PAIRWISE, SWAP, JudgeLabels

Array = NDArray[Any]

SCALES = ("pairwise", "ordinal", "binary", "categorical")
SLICE_PRESENCE_ROWS = 1000
"""A slice column exists when one of the first this many matched rows has the key."""


@dataclass
class AuditData:
    """Matched items as arrays (length n), ready for the statistics.

    Attributes:
        ids: Item ids.
        scale: ``pairwise``, ``ordinal``, ``binary`` or ``categorical``.
        space: Category labels, in code order.
        gold: Gold code per item.
        judge: Judge code per item (-1: the judge's output could not be read).
        annotators: ``(n, m)`` individual annotators' codes (-1: none), or None.
        probs: ``(n, K)`` judge distribution over ``space`` (NaN rows: unknown).
        conf: Judge's probability of its own verdict (NaN: unknown).
        first: Per item, orders in which the judge chose the first-shown response.
        second: ... the second-shown one.
        gold_first: Per item, orders in which the gold label is the first-shown response.
        gold_second: ... the second-shown one.
        consistent: 1/0 when both orders were judged (same canonical label?), else -1.
        longer: 0 when response_a is longer, 1 when response_b is, -1 equal or unknown.
        own: Pairwise: 0/1 when only response_a/response_b is by the judge's family, else -1.
            Pointwise: 1 own family, 0 another, -1 unknown.
        slices: Column -> value -> item mask.
        coverage: Counts of gold items, labeled items, matches, errors.

    """

    ids: list[str]
    scale: str
    space: list[str]
    gold: Array
    judge: Array
    annotators: Array | None
    probs: Array
    conf: Array
    first: Array
    second: Array
    gold_first: Array
    gold_second: Array
    consistent: Array
    longer: Array
    own: Array
    slices: dict[str, dict[str, Array]] = field(default_factory=dict)
    coverage: dict[str, int] = field(default_factory=dict)

    @property
    def k(self) -> int:
        """Number of categories."""
        return len(self.space)

    def values(self) -> Array:
        """Numeric value of each category (ordinal scales), else its index."""
        if self.scale == "ordinal":
            return np.array([float(s) for s in self.space])
        return np.arange(self.k, dtype=float)


def _is_number(s: str) -> bool:
    try:
        float(s)
    except ValueError:
        return False
    return True


def detect_scale(gold: set[str], judge: set[str], others: set[str]) -> tuple[str, list[str]]:
    """The scale and its ordered categories, from the labels seen."""
    every = gold | judge | others
    if gold <= set(PAIRWISE) and judge <= set(PAIRWISE):
        return "pairwise", [lab for lab in PAIRWISE if lab in every or lab != "tie"]
    if every and all(_is_number(s) for s in every):
        return "ordinal", sorted(every, key=float)
    scale = "binary" if len(gold | judge) <= 2 else "categorical"
    return scale, sorted(every)


def _length(row: Mapping[str, Any], col: str) -> float:
    value = row.get(col)
    return float(len(value)) if isinstance(value, str) else float("nan")


def _family(model: Any, family: str) -> bool | None:
    if not isinstance(model, str) or not model:
        return None
    return family.lower() in model.lower()


def join(labels: JudgeLabels, gold: GoldSet, *, extra_fields: Mapping[str, Mapping[str, Any]]
         | None = None, slices: Sequence[str] = (), scale: str | None = None,
         judge_family: str | None = None, model_columns: Sequence[str] = ()) -> AuditData:
    """Match labels to gold by id and encode everything as arrays."""
    ids = [i for i in gold.labels if i in labels.items]
    items = [labels.items[i] for i in ids]
    g_lab = [gold.labels[i] for i in ids]
    j_lab = [it.label for it in items]
    ann = [gold.annotators.get(i, []) for i in ids]
    seen_ann = {a for row in ann for a in row}
    auto_scale, space = detect_scale(set(g_lab), {x for x in j_lab if x is not None}, seen_ann)
    scale = scale or auto_scale
    code = {lab: n for n, lab in enumerate(space)}
    n, k = len(ids), len(space)
    g = np.array([code[x] for x in g_lab], dtype=np.int64)
    j = np.array([code[x] if x is not None else -1 for x in j_lab], dtype=np.int64)
    annotators = None
    m = max((len(a) for a in ann), default=0)
    if m >= 2:
        annotators = np.full((n, m), -1, dtype=np.int64)
        for r, row in enumerate(ann):
            annotators[r, :len(row)] = [code[a] for a in row]
    probs = np.full((n, k), np.nan)
    conf = np.full(n, np.nan)
    first, second = np.zeros(n, np.int64), np.zeros(n, np.int64)
    gfirst, gsecond = np.zeros(n, np.int64), np.zeros(n, np.int64)
    consistent = np.full(n, -1, dtype=np.int64)
    known = set(code)
    for r, it in enumerate(items):
        if it.probs is not None and set(it.probs) <= known:
            probs[r] = [it.probs.get(s, 0.0) for s in space]
        if it.conf is not None:
            conf[r] = it.conf
        if it.consistent is not None:
            consistent[r] = int(it.consistent)
        for order, chosen in it.presented:
            if order not in ("AB", "BA"):
                continue
            first[r] += chosen == "A"
            second[r] += chosen == "B"
            shown = g_lab[r] if order == "AB" else SWAP.get(g_lab[r], g_lab[r])
            gfirst[r] += shown == "A"
            gsecond[r] += shown == "B"
    extra = extra_fields or {}
    rows = [{**extra.get(i, {}), **gold.fields.get(i, {})} for i in ids]
    longer = np.full(n, -1, dtype=np.int64)
    own = np.full(n, -1, dtype=np.int64)
    if scale == "pairwise":
        la = np.array([_length(r, "response_a") for r in rows])
        lb = np.array([_length(r, "response_b") for r in rows])
        longer[la > lb], longer[lb > la] = 0, 1
    if judge_family and model_columns:
        for r, fields in enumerate(rows):
            fams = [_family(fields.get(c), judge_family) for c in model_columns]
            if scale == "pairwise" and len(fams) == 2 and None not in fams and fams[0] != fams[1]:
                own[r] = 0 if fams[0] else 1
            elif scale != "pairwise" and fams and fams[0] is not None:
                own[r] = int(fams[0])
    return AuditData(
        ids=ids, scale=scale, space=space, gold=g, judge=j, annotators=annotators, probs=probs,
        conf=conf, first=first, second=second, gold_first=gfirst, gold_second=gsecond,
        consistent=consistent, longer=longer, own=own,
        slices={c: _slice_masks(rows, c) for c in slices
                if any(c in r for r in rows[:SLICE_PRESENCE_ROWS])},
        coverage=coverage(len(gold.labels), len(labels.items), j),
    )


def coverage(gold_items: int, labeled_items: int, judge: Array) -> dict[str, int]:
    """Counts of gold items, labeled items, matches (``judge``: codes of the matched items)."""
    n = len(judge)
    return {"gold_items": gold_items, "labeled_items": labeled_items, "matched": n,
            "judge_errors": int((judge < 0).sum()), "gold_without_label": gold_items - n,
            "labels_without_gold": labeled_items - n}


def _slice_masks(rows: list[dict[str, Any]], column: str) -> dict[str, Array]:
    """Map each value to its item mask; a list-valued column (tags) puts an item in each."""
    values: list[list[str]] = []
    for row in rows:
        v = row.get(column)
        if isinstance(v, list):
            values.append([str(x) for x in v])
        else:
            values.append([] if v is None or v == "" else [str(v)])
    if all(len(v) <= 1 for v in values):
        flat = np.array([v[0] if v else "" for v in values], dtype=object)
        uniq, inverse = np.unique(flat.astype(str), return_inverse=True)
        return {u: inverse == n for n, u in enumerate(uniq) if u != ""}
    out: dict[str, Array] = {}
    for r, tags in enumerate(values):
        for t in tags:
            out.setdefault(t, np.zeros(len(rows), dtype=bool))[r] = True
    return out
