"""Join a judge's labels with gold into the arrays every audit statistic reads.

The scale decides which statistics apply: ``pairwise`` (gold labels within A/B/tie),
``ordinal`` (every label is a number), ``binary`` (two categories among gold and judge labels,
e.g. met / not met) or ``categorical``. Labels become integer codes in the scale's order
(A, B, tie; numeric order; else alphabetical); -1 marks a missing label.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:
    from judgekit.auditing._gold import GoldTable
    from judgekit.auditing._items import ItemLabels
    from judgekit.auditing._suite_items import SuiteFields

Array = NDArray[Any]

PAIRWISE = ("A", "B", "tie")
SLICE_PRESENCE_ROWS = 1000
"""A slice column exists when one of the first this many matched rows has the key."""


@dataclass
class AuditData:
    """Matched items as arrays (length n), ready for the statistics.

    Attributes:
        ids: Item ids (a list, or :class:`._columns.ItemIds` read from files).
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
        fields: The items' other fields (:class:`._fields.Fields`: texts, slices), if known.

    """

    ids: Sequence[str]
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
    fields: Any = None

    @property
    def k(self) -> int:
        """Number of categories."""
        return len(self.space)

    def values(self) -> Array:
        """Numeric value of each category (ordinal scales), else its index."""
        return scale_values(self.scale, self.space)


def scale_values(scale: str, space: Sequence[str]) -> Array:
    """Numeric value of each category of ``space`` (ordinal scales), else its index."""
    if scale == "ordinal":
        return np.array([float(s) for s in space])
    return np.arange(len(space), dtype=float)


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


def label_sets(gold: Any, judge: Any, annotators: Any) -> tuple[set[str], set[str], set[str]]:
    """The labels :func:`detect_scale` reads: matched items' gold, judge and annotator labels."""
    import pyarrow.compute as pc

    ann = set() if annotators is None else set(pc.unique(pc.list_flatten(annotators)).to_pylist())
    return (set(pc.unique(gold).to_pylist()), set(pc.unique(judge).drop_null().to_pylist()),
            ann)


def join(labels: ItemLabels, gold: GoldTable, *, extra: tuple[SuiteFields, Any] | None = None,
         slices: Sequence[str] = (), scale: str | None = None,
         judge_family: str | None = None, model_columns: Sequence[str] = (),
         decided: tuple[str, list[str]] | None = None) -> AuditData:
    """Match labels to gold by id (in gold order) and encode everything as arrays.

    Args:
        labels: The judge's item labels.
        gold: The gold.
        extra: A run suite's items and their ids, for fields the gold rows lack.
        slices: Columns to slice by (those the items have).
        scale: Force this scale.
        judge_family: The judge's model family, for self-preference.
        model_columns: Columns naming the response models.
        decided: The scale and its categories, decided over all items (a streamed audit's
            chunks are joined with the same codes; it decides which slice columns exist
            too, so each of ``slices`` gets its masks); default: from these labels.

    """
    import pyarrow.compute as pc

    from judgekit.auditing._columns import ItemIds, arrow, codes, to_numpy
    from judgekit.auditing._fields import Fields

    same = gold.ids.equals(labels.ids)  # labels written in gold order: nothing to look up
    if same:
        gidx = lidx = np.arange(len(gold.ids))
    else:
        pos = pc.index_in(gold.ids, value_set=labels.ids)
        gidx = np.flatnonzero(to_numpy(pc.is_valid(pos), bool))
        lidx = to_numpy(pos.drop_null(), np.int64)
    n = len(gidx)

    def matched(arr: Any, rows: Array) -> Any:
        return arr if same or arr is None else arr.take(arrow(rows))

    def picked(arr: Array) -> Array:  # labels written in gold order: no copy
        return arr if same else arr[lidx]

    g_lab, j_lab = matched(gold.label, gidx), matched(labels.label, lidx)
    ann = matched(gold.annotators, gidx)
    if decided is None:
        auto_scale, space = detect_scale(*label_sets(g_lab, j_lab, ann))
        scale = scale or auto_scale
    else:
        scale, space = decided
    g, j = codes(g_lab, space), codes(j_lab, space)
    sym = np.array(space, dtype=object)
    g_a, g_b = (sym == "A")[g].astype(np.int64), (sym == "B")[g].astype(np.int64)
    n_ab, n_ba = picked(labels.n_ab), picked(labels.n_ba)
    ids = matched(gold.ids, gidx)
    fields = Fields(gold.rows, gidx, *_extra(extra, ids, gidx))
    longer = np.full(n, -1, dtype=np.int64)
    if scale == "pairwise":
        la, lb = fields.length("response_a"), fields.length("response_b")
        longer[la > lb], longer[lb > la] = 0, 1
    return AuditData(
        ids=ItemIds(ids), scale=scale, space=space, gold=g, judge=j,
        annotators=_annotators(ann, space, 2 if decided is None else 1),
        probs=_probs(labels, lidx, space),
        conf=picked(labels.conf), first=picked(labels.first), second=picked(labels.second),
        gold_first=n_ab * g_a + n_ba * g_b, gold_second=n_ab * g_b + n_ba * g_a,
        consistent=picked(labels.consistent), longer=longer,
        own=_own(fields, scale, judge_family, model_columns),
        slices={c: fields.slice_masks(c) for c in slices
                if decided is not None or fields.present(c, SLICE_PRESENCE_ROWS)},
        coverage=coverage(len(gold.ids), len(labels.ids), j), fields=fields,
    )


def _extra(extra: tuple[SuiteFields, Any] | None, ids: Any,
           gidx: Array) -> tuple[SuiteFields | None, Array | None]:
    """The suite's items and each matched item's row among them (-1: none).

    ``extra``: the items and their ids, or each gold row's row among them (a numpy array,
    looked up once for a gold walked in chunks); ``gidx``: the matched items' gold rows.
    """
    if extra is None:
        return None, None
    import pyarrow.compute as pc

    from judgekit.auditing._columns import scalar, to_numpy

    table, extra_ids = extra
    if isinstance(extra_ids, np.ndarray):
        return table, extra_ids[gidx]
    pos = pc.index_in(ids, value_set=extra_ids)
    return table, to_numpy(pc.fill_null(pos, scalar(-1, pos.type)), np.int64)


def _annotators(ann: Any, space: list[str], least: int) -> Array | None:
    """``(n, m)`` annotators' codes (-1: none), when some item has ``least`` or more.

    A chunk of a streamed audit keeps even one annotator (``least`` 1): whether the report
    has a ceiling is decided over all its chunks.
    """
    if ann is None:
        return None
    import pyarrow.compute as pc

    from judgekit.auditing._columns import codes, scalar, to_numpy

    size = pc.list_value_length(ann)
    lengths = to_numpy(pc.fill_null(size, scalar(0, size.type)), np.int64)
    m = int(lengths.max(initial=0))
    if m < least:
        return None
    flat = codes(pc.list_flatten(ann), space)
    if int(lengths.min(initial=0)) == m:  # as many annotators on every item
        return flat.reshape(len(ann), m)
    out = np.full((len(ann), m), -1, dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    parent = to_numpy(pc.list_parent_indices(ann), np.int64)
    out[parent, np.arange(len(parent)) - starts[parent]] = flat
    return out


def _probs(labels: ItemLabels, lidx: Array, space: list[str]) -> Array:
    """``(n, K)`` the judge's distributions over the scale's labels.

    NaN rows: unknown, or naming a label outside the scale.
    """
    if not labels.has.any():
        return np.full((len(lidx), len(space)), np.nan)
    at = {s: k for k, s in enumerate(space)}
    inside = np.array([s in at for s in labels.space], dtype=bool)
    keys, probs = labels.keys[lidx], labels.probs[lidx]
    usable = labels.has[lidx] & ~keys[:, ~inside].any(axis=1)
    out = np.zeros((len(lidx), len(space)))
    cols = [at[s] for s in labels.space if s in at]
    out[:, cols] = np.where(keys[:, inside], probs[:, inside], 0.0)
    out[~usable] = np.nan
    return out


def _own(fields: Any, scale: str, judge_family: str | None,
         model_columns: Sequence[str]) -> Array:
    """Whose response is by the judge's model family.

    Pairwise: 0/1 when only response_a/response_b is, else -1. Pointwise: 1 own family, 0
    another, -1 unknown.
    """
    own = np.full(fields.n, -1, dtype=np.int64)
    if not judge_family or not model_columns:
        return own
    fams = [fields.family(c, judge_family) for c in model_columns]
    if scale == "pairwise" and len(fams) == 2:
        differ = (fams[0] >= 0) & (fams[1] >= 0) & (fams[0] != fams[1])
        own[differ] = np.where(fams[0][differ] == 1, 0, 1)
    elif scale != "pairwise":
        own = fams[0]
    return own


def coverage(gold_items: int, labeled_items: int, judge: Array) -> dict[str, int]:
    """Counts of gold items, labeled items, matches (``judge``: codes of the matched items)."""
    n = len(judge)
    return {"gold_items": gold_items, "labeled_items": labeled_items, "matched": n,
            "judge_errors": int((judge < 0).sum()), "gold_without_label": gold_items - n,
            "labels_without_gold": labeled_items - n}
