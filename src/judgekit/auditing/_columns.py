"""Imported labels and gold files read as columns: the fast path of ``judgekit audit``.

:func:`column_labels` and :func:`column_gold` give what :func:`judgekit.auditing._io.read_labels`
and :func:`judgekit.auditing._gold.read_gold` give for a file, one array per field instead of one
object per item, with the same normalization, label maps, judge choice and order combination.
They return ``None`` wherever the row readers would raise or where a file needs what only they
do (a JSON object of probabilities, a panel, an item judged twice in one order...): the caller
then reads the file row by row, which also words the error.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from judgekit.auditing._arrow import Array, Table, codes, norm, probabilities, read_table, remap
from judgekit.auditing._gold import ANNOTATOR_COLUMNS, LABEL_COLUMNS
from judgekit.auditing._io import LabelColumns, norm_label


@dataclass
class ColumnLabels:
    """One judge's item labels as columns (one row per item).

    Attributes:
        source: The file.
        judge: The judge's name.
        ids: Item ids (pyarrow strings, unique).
        label: Verdict after the label map (pyarrow strings; null: no verdict).
        conf: Probability of the verdict (NaN: unknown).
        consistent: 1/0 when both orders were read (did they agree?), else -1.
        first: Orders in which the judge chose the first-shown response.
        second: ... the second-shown one.
        n_ab: 1 where the item has an ``AB`` row.
        n_ba: 1 where the item has a ``BA`` row.

    """

    source: str
    judge: str
    ids: Any
    label: Any
    conf: Array
    consistent: Array
    first: Array
    second: Array
    n_ab: Array
    n_ba: Array


@dataclass
class ColumnGold:
    """Gold as columns: the rows that have a gold label, in file order.

    Attributes:
        source: The file.
        label_column: The gold label column.
        annotators_column: The annotators' column, if any.
        ids: Item ids (pyarrow strings, unique).
        label: Gold label after the map (pyarrow strings).
        annotators: Annotators' labels after the map (pyarrow list of strings) or None.
        rows: Those rows, every column (for slices, lengths, response models).
        first_keys: Keys of the first gold row.

    """

    source: str
    label_column: str
    annotators_column: str | None
    ids: Any
    label: Any
    annotators: Any
    rows: Table
    first_keys: list[str]


def _unique(ids: Any) -> bool:
    import pyarrow.compute as pc

    return len(pc.unique(ids)) == len(ids)


def column_labels(path: Path, cols: LabelColumns, judge: str | None,
                  mapping: Mapping[str, str]) -> ColumnLabels | None:
    """Read a labels file as ``_audit_io._from_file`` does, or None (read it by rows)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    t = read_table(path)
    if t is None or t.table.num_rows == 0:
        return None
    keys = t.first_keys
    if any(c is not None and c not in keys for c in (cols.id, cols.verdict, cols.prob,
                                                       cols.order, cols.judge)):
        return None
    prob_col = cols.prob or ("probs" if "probs" in keys else None)
    order_col = cols.order or ("order" if "order" in keys else None)
    judge_col = cols.judge or ("judge" if "judge" in keys else None)
    ids, verdict = norm(t.column(cols.id)), norm(t.column(cols.verdict))
    if ids is None or verdict is None or ids.null_count:
        return None
    conf = probabilities(t.column(prob_col)) if prob_col else np.full(len(ids), np.nan)
    order = _orders(t.column(order_col)) if order_col else np.zeros(len(ids), np.int64)
    names = _judges(t.column(judge_col)) if judge_col else pa.array(["judge"] * len(ids))
    if conf is None or order is None or names is None:
        return None
    every = sorted(pc.unique(names).to_pylist())
    if judge == "panel" or (judge is None and len(every) > 1) or \
            (judge is not None and judge not in every):
        return None  # a panel, or the row reader's error
    name = judge or every[0]
    if len(every) > 1:
        keep = pc.equal(names, name)
        mask = np.asarray(keep.to_numpy(zero_copy_only=False), dtype=bool)
        ids, verdict, conf, order = ids.filter(keep), verdict.filter(keep), conf[mask], order[mask]
    n = len(ids)
    if not (order > 0).any():
        if not _unique(ids):
            return None  # one item labeled twice: combined by the row reader
        conf = np.where(pc.is_valid(verdict).to_numpy(zero_copy_only=False), conf, np.nan)
        zeros = np.zeros(n, np.int64)
        return ColumnLabels(str(path), name, ids, remap(verdict, mapping), conf,
                            np.full(n, -1, np.int64), zeros, zeros.copy(), zeros.copy(),
                            zeros.copy())
    if (order == 0).any():
        return None  # single rows beside AB/BA rows
    return _both_orders(str(path), name, ids, verdict, conf, order, mapping)


def _orders(arr: Any) -> Array | None:
    """0 single, 1 AB, 2 BA; None for anything the row reader would refuse or read otherwise."""
    import pyarrow as pa

    if pa.types.is_null(arr.type):
        return np.zeros(len(arr), np.int64)
    if not pa.types.is_string(arr.type):
        return None
    out = codes(arr, ["", "single", "AB", "BA"])
    valid = np.asarray(arr.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
    if (valid & (out < 0)).any():
        return None
    return np.asarray(np.maximum(out - 1, 0), dtype=np.int64)


def _judges(arr: Any) -> Any | None:
    import pyarrow as pa
    import pyarrow.compute as pc

    if pa.types.is_null(arr.type):
        return pa.array(["judge"] * len(arr))
    if not pa.types.is_string(arr.type):
        return None
    empty = pc.fill_null(pc.equal(arr, ""), True)
    return pc.if_else(empty, "judge", arr)


def _both_orders(source: str, name: str, ids: Any, verdict: Any, conf: Array, order: Array,
                 mapping: Mapping[str, str]) -> ColumnLabels | None:
    """``combine_orders`` per item for items judged in AB and/or BA (one row per order)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    enc = pc.dictionary_encode(ids)
    item = enc.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    n = len(enc.dictionary)
    space = sorted(pc.unique(verdict).drop_null().to_pylist())
    v = codes(verdict, space)  # rank in sorted order, so min() = the alphabetical first
    lab = np.full((2, n), -1, np.int64)
    cf = np.full((2, n), np.nan)
    rows = np.zeros((2, n), np.int64)
    for o in (0, 1):
        sel = order == o + 1
        np.add.at(rows[o], item[sel], 1)
        lab[o, item[sel]], cf[o, item[sel]] = v[sel], conf[sel]
    if (rows > 1).any():
        return None  # an item twice in one order
    ok = lab >= 0
    both = ok[0] & ok[1]
    label = np.where(both, np.minimum(lab[0], lab[1]), np.where(ok[0], lab[0], lab[1]))
    agree = both & (lab[0] == lab[1])
    one = ok[0] ^ ok[1]
    conf_out = np.where(agree, (cf[0] + cf[1]) / 2,
                        np.where(one, np.where(ok[0], cf[0], cf[1]), np.nan))
    sym = np.array([*space, ""], dtype=object)
    is_a, is_b = (sym == "A")[lab], (sym == "B")[lab]  # lab -1 picks the "" sentinel
    first = is_a[0].astype(np.int64) + is_b[1]
    second = is_b[0].astype(np.int64) + is_a[1]
    labels = pa.array(sym[label], pa.string())
    labels = pc.if_else(pa.array(label >= 0), labels, pa.scalar(None, pa.string()))
    return ColumnLabels(source, name, enc.dictionary, remap(labels, mapping), conf_out,
                        np.where(both, agree.astype(np.int64), -1), first, second,
                        rows[0], rows[1])


def column_gold(path: Path, *, id_col: str, label_col: str | None,
                annotators_col: str | None, mapping: Mapping[str, str]) -> ColumnGold | None:
    """Read a gold file as :func:`judgekit.auditing._gold.read_gold` does, or None."""
    import pyarrow.compute as pc

    t = read_table(path)
    if t is None or t.table.num_rows == 0:
        return None
    keys = t.first_keys
    col = label_col or next((c for c in LABEL_COLUMNS if c in keys), None)
    if col is None or col not in keys or id_col not in keys:
        return None
    ann_col = annotators_col if annotators_col is not None else \
        next((c for c in ANNOTATOR_COLUMNS if c in keys), None)
    ids, gold = norm(t.column(id_col)), norm(t.column(col))
    if ids is None or gold is None or ids.null_count or not _unique(ids):
        return None
    keep = pc.is_valid(gold)
    if not keep[0].as_py():
        return None  # the first gold row (its keys pick slices) is not the file's first
    if gold.null_count:
        ids, gold = ids.filter(keep), gold.filter(keep)
        t = Table(t.table.filter(keep), keys, t.all_keys)
    anns = None
    if ann_col:
        anns = _annotators(t.column(ann_col), mapping)
        if anns is None:
            return None
    return ColumnGold(str(path), col, ann_col or None, ids, remap(gold, mapping), anns, t,
                      keys)


def _annotators(arr: Any, mapping: Mapping[str, str]) -> Any | None:
    """Annotators' labels per row: normalized, None dropped, mapped; None: use the rows."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if pa.types.is_null(arr.type):
        return pa.array([[]] * len(arr), pa.list_(pa.string()))
    if pa.types.is_string(arr.type):
        lists: list[list[Any] | None] = []
        for s in arr.to_pylist():
            if s is None or s == "":
                lists.append(None)
            elif s.startswith("["):
                try:
                    value = json.loads(s)
                except json.JSONDecodeError:
                    return None
                if not all(x is None or isinstance(x, (str, int, float)) for x in value):
                    return None
                lists.append([norm_label(x) for x in value])
            else:
                return None  # "not a list": the row reader's error
        try:
            arr = pa.array(lists, pa.list_(pa.string()))
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            return None
    if not pa.types.is_list(arr.type):
        return None
    flat = norm(pc.list_flatten(arr))
    if flat is None:
        return None
    parent = pc.list_parent_indices(arr).to_numpy(zero_copy_only=False)
    valid = pc.is_valid(flat).to_numpy(zero_copy_only=False)
    counts = np.bincount(parent[valid], minlength=len(arr))
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int32)
    values = remap(flat.filter(pa.array(valid)), mapping)
    return pa.ListArray.from_arrays(pa.array(offsets), values)
