"""The matched items' other gold columns: response lengths, response models, slice values.

An item's field is its gold row's; a run audited against a gold file also has its suite's
items (:class:`~judgekit.auditing._suite_items.SuiteFields`), and a field the gold row lacks
comes from the suite's item (``{**item, **gold_row}``); a run audited against its suite's own
gold has every field from the suite's items. Strings are measured and compared as whole
columns; Python sees each distinct value once.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from judgekit.auditing._columns import Array, arrow, per_value, scalar, to_numpy
from judgekit.auditing._suite_items import SuiteFields, tag_rule
from judgekit.auditing._table import Table

_TEXT = (pa.types.is_string, pa.types.is_large_string)


class Fields:
    """Fields of n matched items.

    Args:
        gold: The gold rows.
        rows: Each item's gold row.
        extra: A run suite's items (:class:`SuiteFields`), if any.
        extra_rows: Each item's row there (-1: not in the suite).

    """

    def __init__(self, gold: Table, rows: Array, extra: SuiteFields | None = None,
                 extra_rows: Array | None = None) -> None:
        self.gold, self.rows = gold, rows
        self.extra: SuiteFields | None = extra
        self.extra_rows = extra_rows
        self.n = len(rows)

    def _parts(self, name: str, keys: bool = False) -> list[tuple[Any, Array, Array]]:
        """``(gold table or suite items, their rows, the items they are)`` holding ``name``.

        The gold row where it has the key, else the suite's item. Without suite items and
        unless ``keys`` (which rows have the key at all), a null value is as good as none.
        """
        if self.extra is None and not keys:
            return [(self.gold, self.rows, np.arange(self.n))]
        mine = self.gold.present(name, self.rows)
        parts: list[tuple[Any, Array, Array]] = [
            (self.gold, self.rows[mine], np.flatnonzero(mine))]
        if self.extra is not None and self.extra_rows is not None:
            rest = np.flatnonzero(~mine & (self.extra_rows >= 0))
            if keys:
                rest = rest[self.extra.present(name, self.extra_rows[rest])]
            parts.append((self.extra, self.extra_rows[rest], rest))
        return parts

    def _each(self, name: str, fn: Callable[[Any, Array], Array], fill: Any,
              dtype: Any) -> Array:
        out = np.full(self.n, fill, dtype=dtype)
        for source, rows, items in self._parts(name):
            out[items] = fn(source, rows)
        return out

    def row(self, item: int) -> dict[str, Any]:
        """Item ``item``'s fields exactly as read: its suite item's, then its gold row's."""
        out: dict[str, Any] = {}
        if self.extra is not None and self.extra_rows is not None and self.extra_rows[item] >= 0:
            out.update(self.extra.raw_rows([int(self.extra_rows[item])])[0])
        out.update(self.gold.raw(int(self.rows[item])))
        return out

    def prefetch(self, items: Sequence[int]) -> None:
        """Read these items' suite rows now, in one pass (:meth:`row` asks for them later)."""
        if self.extra is not None and self.extra_rows is not None:
            at = self.extra_rows[np.asarray(items, dtype=np.int64)]
            self.extra.raw_rows(at[at >= 0].tolist())

    def present(self, name: str, head: int) -> bool:
        """Whether one of the first ``head`` items has the key."""
        first = Fields(self.gold, self.rows[:head], self.extra,
                       None if self.extra_rows is None else self.extra_rows[:head])
        return any(len(items) for _, _, items in first._parts(name, keys=True))

    def length(self, name: str) -> Array:
        """Characters of a string value, NaN for anything else."""
        def lengths(source: Any, rows: Array) -> Array:
            if isinstance(source, SuiteFields):
                return source.length(name, rows)
            arr = source.column(name)
            if not source.is_json(name) and any(ok(arr.type) for ok in _TEXT):
                got = pc.cast(pc.utf8_length(arr), pa.float64())
            else:
                got = source.values(name, lambda v: float(len(v)) if isinstance(v, str)
                                    else None, pa.float64())
            return _taken(got, rows, np.nan, float)

        return self._each(name, lengths, np.nan, float)

    def family(self, name: str, family: str) -> Array:
        """1/0: the model named is / is not of ``family`` (substring); -1 no model named."""
        fam = family.lower()

        def rule(v: Any) -> int:
            return int(fam in v.lower()) if isinstance(v, str) and v else -1

        def families(source: Any, rows: Array) -> Array:
            if isinstance(source, SuiteFields):
                return _taken(per_value(source.models(name, rows), rule, pa.int64()), None, -1,
                              np.int64)
            return _taken(source.values(name, rule, pa.int64()), rows, -1, np.int64)

        return self._each(name, families, -1, np.int64)

    def slice_masks(self, name: str) -> dict[str, Array]:
        """Value -> item mask; a list value (tags) puts the item under each of its values."""
        items, tags = [], []
        for source, rows, which in self._parts(name):
            got_rows, got_tags = source.tags(name, rows) if isinstance(source, SuiteFields) \
                else _tags(source, name, rows)
            items.append(which[got_rows])
            tags.append(got_tags)
        item = np.concatenate(items) if items else np.zeros(0, np.int64)
        tag = pa.chunked_array(tags, pa.string()).combine_chunks()
        if not np.any(np.bincount(item, minlength=self.n) > 1):
            keep = pc.not_equal(tag, scalar(""))  # one value per item: an empty one is no value
            item, tag = item[to_numpy(keep, bool)], tag.filter(keep)
        enc = pc.dictionary_encode(tag)
        code = to_numpy(enc.indices, np.int64)
        out: dict[str, Array] = {}
        for at, value in enumerate(enc.dictionary.to_pylist()):
            mask = np.zeros(self.n, dtype=bool)
            mask[item[code == at]] = True
            out[value] = mask
        return out


def _taken(arr: Any, rows: Array | None, fill: Any, dtype: Any) -> Array:
    """These rows of a column (all of them when None), nulls filled, as numpy."""
    got = arr if rows is None else arr.take(arrow(rows))
    return to_numpy(pc.fill_null(got, scalar(fill, got.type)), dtype)


def _tags(t: Table, name: str, rows: Array) -> tuple[Array, Any]:
    """``(row index into rows, value)`` pairs of these rows' slice values."""
    arr = t.column(name).take(arrow(rows))
    if not t.is_json(name) and any(ok(arr.type) for ok in _TEXT):
        keep = to_numpy(pc.fill_null(pc.not_equal(arr, scalar("")), scalar(False)), bool)
        return np.flatnonzero(keep), arr.filter(arrow(keep))
    if not t.is_json(name) and pa.types.is_list(arr.type) and \
            any(ok(arr.type.value_type) for ok in _TEXT):
        flat = pc.fill_null(pc.list_flatten(arr), scalar("None"))
        return to_numpy(pc.list_parent_indices(arr), np.int64), flat
    texts = t.take(rows).values(name, lambda v: json.dumps(tag_rule(v)), exact=True)
    enc = pc.dictionary_encode(texts)  # Python once per distinct value
    lists = pa.array([json.loads(x) for x in enc.dictionary.to_pylist()], pa.list_(pa.string()))
    per_row = lists.take(enc.indices)
    return to_numpy(pc.list_parent_indices(per_row), np.int64), pc.list_flatten(per_row)

