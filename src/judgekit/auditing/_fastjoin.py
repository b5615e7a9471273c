"""Join column-read labels and gold into :class:`AuditData`, as :func:`_audit_join.join` does.

Same ids in the same (gold file) order, same scale and codes, same bias counts, lengths,
self-preference and slice masks, computed on whole columns. Returns ``None`` where only the
row join reproduces the result exactly (a JSONL slice column whose presence in the first
1,000 rows cannot be told from nulls, float-valued slices); the caller then joins row by row.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from judgekit.auditing._arrow import Array, Table, codes, per_unique, to_numpy
from judgekit.auditing._columns import ColumnGold, ColumnLabels
from judgekit.auditing._join import SLICE_PRESENCE_ROWS, AuditData, coverage, detect_scale


def join_columns(labels: ColumnLabels, gold: ColumnGold, *, slices: Sequence[str] = (),
                 scale: str | None = None, judge_family: str | None = None,
                 model_columns: Sequence[str] = ()) -> AuditData | None:
    """Match labels to gold by id and encode everything as arrays (None: join by rows)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    pos = pc.index_in(gold.ids, value_set=labels.ids)
    hit = pc.is_valid(pos)
    gidx = np.flatnonzero(to_numpy(hit, bool))
    lidx = to_numpy(pos.filter(hit), np.int64)
    n = len(gidx)
    if n == 0:
        return None  # the row path words the error
    take = pa.array(gidx)
    g_lab, j_lab = gold.label.take(take), labels.label.take(pa.array(lidx))
    ann = gold.annotators.take(take) if gold.annotators is not None else None
    seen_ann = set(pc.unique(pc.list_flatten(ann)).to_pylist()) if ann is not None else set()
    auto_scale, space = detect_scale(set(pc.unique(g_lab).to_pylist()),
                                     set(pc.unique(j_lab).drop_null().to_pylist()), seen_ann)
    scale = scale or auto_scale
    k = len(space)
    g, j = codes(g_lab, space), codes(j_lab, space)
    annotators = None
    if ann is not None:
        lengths = to_numpy(pc.fill_null(pc.list_value_length(ann), 0), np.int64)
        m = int(lengths.max(initial=0))
        if m >= 2:
            annotators = np.full((n, m), -1, dtype=np.int64)
            starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
            parent = to_numpy(pc.list_parent_indices(ann), np.int64)
            col = np.arange(len(parent)) - starts[parent]
            annotators[parent, col] = codes(pc.list_flatten(ann), space)
    sym = np.array(space, dtype=object)
    g_a, g_b = (sym == "A")[g].astype(np.int64), (sym == "B")[g].astype(np.int64)
    n_ab, n_ba = labels.n_ab[lidx], labels.n_ba[lidx]
    rows = _Rows(gold.rows, gidx)
    longer = np.full(n, -1, dtype=np.int64)
    if scale == "pairwise":
        la, lb = rows.length("response_a"), rows.length("response_b")
        longer[la > lb], longer[lb > la] = 0, 1
    own = np.full(n, -1, dtype=np.int64)
    if judge_family and model_columns:
        fams = [rows.family(c, judge_family) for c in model_columns]
        if scale == "pairwise" and len(fams) == 2:
            differ = (fams[0] >= 0) & (fams[1] >= 0) & (fams[0] != fams[1])
            own[differ] = np.where(fams[0][differ] == 1, 0, 1)
        elif scale != "pairwise":
            own = fams[0]
    masks: dict[str, dict[str, Array]] = {}
    for c in slices:
        present = rows.present(c)
        if present is None:
            return None
        if present:
            got = rows.slice_masks(c)
            if got is None:
                return None
            masks[c] = got
    return AuditData(
        ids=gold.ids.take(take).to_pylist(), scale=scale, space=space, gold=g, judge=j,
        annotators=annotators, probs=np.full((n, k), np.nan), conf=labels.conf[lidx],
        first=labels.first[lidx], second=labels.second[lidx],
        gold_first=n_ab * g_a + n_ba * g_b, gold_second=n_ab * g_b + n_ba * g_a,
        consistent=labels.consistent[lidx], longer=longer, own=own, slices=masks,
        coverage=coverage(len(gold.ids), len(labels.ids), j),
    )


class _Rows:
    """The matched gold rows' other columns, read the way the row join reads row dicts."""

    def __init__(self, table: Table, idx: Array) -> None:
        import pyarrow as pa

        self.table, self.idx, self.n = table, pa.array(idx), len(idx)

    def column(self, name: str) -> Any:
        return self.table.column(name).take(self.idx)

    def length(self, name: str) -> Array:
        """Characters of a string value, NaN for anything else (``_audit_join._length``)."""
        import pyarrow as pa
        import pyarrow.compute as pc

        arr = self.column(name)
        if not pa.types.is_string(arr.type):
            return np.full(self.n, np.nan)
        return to_numpy(pc.cast(pc.utf8_length(arr), pa.float64()).fill_null(np.nan), float)

    def family(self, name: str, family: str) -> Array:
        """1/0: the model is / is not of ``family``; -1 unknown (``_audit_join._family``)."""
        import pyarrow as pa

        arr = self.column(name)
        if not pa.types.is_string(arr.type):
            return np.full(self.n, -1, dtype=np.int64)
        fam = family.lower()
        return per_unique(arr, lambda v: int(fam in v.lower()) if v else -1)

    def present(self, name: str) -> bool | None:
        """Whether one of the first 1,000 matched rows has the key (None: cannot tell)."""
        if self.table.all_keys or not self.table.has(name):
            return self.table.has(name)
        arr = self.column(name)
        head = arr.slice(0, SLICE_PRESENCE_ROWS)
        if head.null_count < len(head):
            return True
        return True if arr.null_count == len(arr) else None  # all null: no slice either way

    def slice_masks(self, name: str) -> dict[str, Array] | None:
        """``_audit_join._slice_masks``: value -> item mask; list values (tags) give several."""
        import pyarrow as pa
        import pyarrow.compute as pc

        arr = self.column(name)
        if pa.types.is_null(arr.type):
            return {}
        if pa.types.is_list(arr.type):
            flat = pc.list_flatten(arr)
            parent = to_numpy(pc.list_parent_indices(arr), np.int64)
            lengths = to_numpy(pc.fill_null(pc.list_value_length(arr), 0), np.int64)
            keep_empty = bool(lengths.max(initial=0) > 1)  # the tags path keeps "" tags
        else:
            flat, parent, keep_empty = arr, np.arange(self.n), False
        t = flat.type
        if not (pa.types.is_string(t) or pa.types.is_integer(t) or pa.types.is_boolean(t)
                or pa.types.is_null(t)):
            return None  # floats: JSON 1 and 1.0 both read as 1.0, str() differs
        enc = pc.dictionary_encode(flat)
        values = ["None" if v is None else str(v) for v in enc.dictionary.to_pylist()]
        if any("\x00" in v for v in values):
            return None  # numpy's str arrays drop trailing NULs
        idx = to_numpy(pc.fill_null(enc.indices, -1), np.int64)
        none = len(values)
        if flat.null_count and pa.types.is_list(arr.type):
            idx[idx < 0] = none  # a null inside a list is the tag "None"
            values.append("None")
        out: dict[str, Array] = {}
        for code, value in enumerate(values):
            if value == "" and not keep_empty:
                continue
            mask = np.zeros(self.n, dtype=bool)
            mask[parent[idx == code]] = True
            if value in out:
                out[value] |= mask
            elif mask.any():
                out[value] = mask
        return out
