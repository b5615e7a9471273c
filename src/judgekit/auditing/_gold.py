"""Read gold: one human label per item, and the individual annotators' labels where given.

The default schema is the gold sets' (``../shared/gold/INDEX.md``): ``id``; ``human_label``
(pairwise A/B/tie) or ``human_score`` (rubric); optionally ``annotator_labels`` /
``annotator_scores`` (a list per item, any length). Every other column is kept for slices
(``domain``, ``criterion_type``...), lengths (``response_a``/``response_b``) and response models.
Gold comes from a gold file (:func:`gold_from_file`, or a block of one: :func:`gold_part`)
or from the suite a run was made from (:func:`._audit_gold.suite_gold`); both give a
:class:`GoldTable`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from judgekit._errors import ContentError
from judgekit.auditing._columns import (
    Array,
    arrow,
    distinct,
    first,
    norm,
    norm_label,
    remap,
    to_numpy,
    valid,
)
from judgekit.auditing._options import GoldColumns
from judgekit.auditing._prefetch import Prefetch
from judgekit.auditing._read import preload, read_table
from judgekit.auditing._table import BadValue, Table, raise_first

LABEL_COLUMNS = ("human_label", "human_score", "gold", "label")
ANNOTATOR_COLUMNS = ("annotator_labels", "annotator_scores", "annotators")
_SCALAR_LISTS = (pa.types.is_string, pa.types.is_integer, pa.types.is_floating,
                 pa.types.is_boolean, pa.types.is_null)


@dataclass(frozen=True)
class GoldTable:
    """Gold labels as columns: the items that have one, in file order.

    Attributes:
        source: Where they came from.
        label_column: The column read as the gold label.
        annotators_column: The column read as individual annotators' labels, if any.
        ids: Item ids (pyarrow strings, unique).
        label: Gold label per item, after the label map (pyarrow strings).
        annotators: Annotators' labels per item, after the map (pyarrow lists of strings),
            or None.
        rows: Those items' rows, every column (for slices, lengths, response models).
        keys: Columns of the first item, which pick the default slices.
        slices: Slice columns the source suggests (a suite's ``slices:``).

    """

    source: str
    label_column: str
    annotators_column: str | None
    ids: Any
    label: Any
    annotators: Any
    rows: Table
    keys: list[str]
    slices: list[str]


PREFETCH: Prefetch[GoldTable] = Prefetch(lambda path, columns: _gold_file(path, columns))
"""A gold file being read in a background thread (:func:`prefetch_gold`)."""


def prefetch_gold(path: Path, columns: GoldColumns | None = None) -> None:
    """Start reading a gold file in a background thread, while the labels are read.

    The next :func:`gold_from_file` of the same file and columns takes what the thread read
    (or raises the error it met); until then the error waits, so the labels' own errors still
    come first. Reading the gold (1.3 CPU s at 10^6 rows, mostly pyarrow and numpy, which
    let the other thread run) and the labels at once shortens an audit on two cores.
    """
    preload(path)  # pyarrow's readers: imported here, never in the thread
    PREFETCH.start(path, columns or GoldColumns())


def gold_from_file(path: Path, columns: GoldColumns | None = None) -> GoldTable:
    """Read a gold file (JSONL, CSV or Parquet).

    Raises:
        ContentError: No id or label column, a row without id, a duplicate id, an annotators'
            value that is not a list, no gold labels.

    """
    return PREFETCH.take(path, columns or GoldColumns())


def _gold_file(path: Path, cols: GoldColumns) -> GoldTable:
    t = read_table(path)
    names = gold_names(t, cols)
    ids, gold, anns, t = gold_part(t, cols, names)
    if not len(ids):
        raise no_gold_labels(path)
    return GoldTable(str(path), names[0], names[1], ids, gold, anns, t, first_keys(t), [])


def gold_names(t: Table, cols: GoldColumns) -> tuple[str, str | None]:
    """The gold label column and the annotators' column, from the file's first row.

    ``t``: the file's rows, or its first rows (a gold file read in blocks).

    Raises:
        ContentError: The first row lacks the id column or the label column.

    """
    keys = t.first_keys
    col = cols.label or next((c for c in LABEL_COLUMNS if c in keys), None)
    if t.num_rows and (col is None or col not in keys or cols.id not in keys):
        missing = cols.id if cols.id not in keys else (cols.label or "human_label")
        raise t.error(0, f"no column '{missing}' (columns: {', '.join(keys)})",
                      "name the columns with --gold-id-col / --gold-col")
    ann_col = cols.annotators if cols.annotators is not None else \
        next((c for c in ANNOTATOR_COLUMNS if c in keys), None)
    return str(col), ann_col or None


def gold_part(t: Table, cols: GoldColumns, names: tuple[str, str | None],
              seen: Callable[[Any], int | None] | None = None) -> tuple[Any, Any, Any, Table]:
    """A table's gold rows: ids, labels (mapped), annotators' labels, the rows themselves.

    Rows without a gold label are left out. ``seen``: for a block of a file read in blocks,
    the first row whose id a labeled row of an earlier block has (None: none), given the
    block's ids.

    Raises:
        ContentError: The first (by row, then in this order) row without id, duplicate id,
            annotators' value that is not a list; then the error the reader met after the
            rows (:meth:`Table.check`).

    """
    col, ann_col = names
    ids, gold = t.labels(cols.id), t.labels(col)
    labeled = valid(gold)
    anns, bad_ann = _annotators(t, ann_col, labeled, cols.label_map)
    dup = _duplicate(ids, labeled)
    earlier = None if seen is None else seen(ids)
    raise_first([
        (first(~valid(ids)), 0, lambda r: t.error(r, f"row has no '{cols.id}'",
                                                  "give every gold row an item id")),
        (min((r for r in (dup, earlier) if r is not None), default=None), 1,
         lambda r: t.error(r, f"duplicate item id {ids[r].as_py()!r}",
                           "keep one gold row per item")),
        (bad_ann, 2, lambda r: _annotator_error(t, str(ann_col), ids[r].as_py(), r)),
    ])
    t.check()
    rows = np.flatnonzero(labeled)
    if len(rows) < t.num_rows:  # rows without a gold label are left out
        at = arrow(rows)
        ids, gold, t = ids.take(at), gold.take(at), t.take(rows)
        anns = None if anns is None else anns.take(at)
    return ids, remap(gold, cols.label_map), anns, t


def first_keys(t: Table) -> list[str]:
    """The keys of the first gold row: they pick the default slices.

    ``t``: the gold rows of the file (or of its first block that has one).
    """
    return t.first_keys if t.all_keys or t.index[0] == 0 else list(t.raw(0))


def no_gold_labels(path: Path) -> ContentError:
    """The error of a gold file without a gold label."""
    return ContentError(path, "no gold labels", fix="check the gold label column")


def _duplicate(ids: Any, labeled: Array) -> int | None:
    """The first row whose id an earlier row with a gold label already has."""
    if len(pc.unique(ids)) == len(ids):
        return None
    code = to_numpy(pc.dictionary_encode(ids).indices.fill_null(-1), np.int64)
    rows = np.arange(len(code))
    seen = np.full(int(code.max(initial=0)) + 1, len(code), dtype=np.int64)
    np.minimum.at(seen, code[labeled & (code >= 0)], rows[labeled & (code >= 0)])
    return first((code >= 0) & (seen[np.maximum(code, 0)] < rows))


def _annotator_rule(value: Any, column: str, item: Any) -> list[str] | None:
    """One row's annotators (None: none given); raises :class:`BadValue`."""
    if isinstance(value, str) and value.startswith("["):
        try:
            value = json.loads(value)
        except json.JSONDecodeError as exc:
            raise BadValue(f"'{column}' of item {item!r} is not a JSON list: {exc.msg}",
                           'write it as ["A", "B", ...]') from None
    if isinstance(value, list):
        return [s for s in (norm_label(a) for a in value) if s is not None]
    if value not in (None, ""):
        raise BadValue(f"'{column}' of item {item!r} is not a list",
                       "write the annotators' labels as a list")
    return None


def _annotator_error(t: Table, column: str, item: Any, row: int) -> ContentError:
    try:
        _annotator_rule(t.raw(row).get(column), column, item)
    except BadValue as exc:
        return t.error(row, exc.problem, exc.fix)
    raise AssertionError(f"row {row} of {t.source} holds valid annotators")


def _annotators(t: Table, column: str | None, labeled: Array,
                mapping: Mapping[str, str]) -> tuple[Any, int | None]:
    """Annotators' labels per row (normalized, None left out, mapped).

    Also the first row with a gold label whose value the rule refuses.
    """
    if not column:
        return None, None
    arr = t.column(column)
    if not t.is_json(column) and pa.types.is_list(arr.type) and \
            any(ok(arr.type.value_type) for ok in _SCALAR_LISTS):
        return _lists(arr, mapping), None
    if pa.types.is_null(arr.type):
        return pa.array([[]] * len(arr), pa.list_(pa.string())), None
    decode = t.is_json(column)
    values, index = distinct(arr)
    read: list[list[str] | None] = []
    refused = np.zeros(len(values), dtype=bool)
    for at, v in enumerate(values):  # once per distinct value
        try:
            read.append(_annotator_rule(json.loads(v) if decode and v is not None else v,
                                        column, None))
        except BadValue:
            read.append(None)
            refused[at] = True
    lists = pa.array(read, pa.list_(pa.string())).take(arrow(index))
    return _lists(lists, mapping), first(refused[index] & labeled)


def _lists(arr: Any, mapping: Mapping[str, str]) -> Any:
    """Lists of labels: each element spelled as a label, None left out, mapped."""
    flat = norm(pc.list_flatten(arr))
    parent = to_numpy(pc.list_parent_indices(arr), np.int64)
    keep = valid(flat)
    counts = np.bincount(parent[keep], minlength=len(arr))
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int32)
    return pa.ListArray.from_arrays(pa.Array.from_buffers(pa.int32(), len(offsets),
                                                          [None, pa.py_buffer(offsets)]),
                                    remap(flat.filter(arrow(keep)), mapping))
