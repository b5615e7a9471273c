"""A labels or gold file (or rows already in memory) as one table of columns.

A :class:`Table` holds the columns (pyarrow), and the way back to each row's line and exact
values, which are looked up only to word an error or to tell what pyarrow cannot (a key that
is missing from a JSON row, not null; JSON ``1`` from ``1.0``). A column of values pyarrow
cannot hold in one type (``"id": 1`` beside ``"id": "x"``) is kept as each value's JSON text
(:meth:`Table.is_json`): readers decode it once per distinct value. An error ``read_rows``
raised partway waits in :attr:`Table.pending`, so that an error in an earlier row, found
later by the readers, is still the one reported. Lines are numbered as
:func:`judgekit.content._files.read_rows` numbers them: JSON Lines lines (blank ones
counted), the CSV line where a record ends, Parquet rows from 1.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from judgekit._errors import ContentError
from judgekit.auditing._columns import (
    Array,
    arrow,
    norm,
    norm_label,
    per_value,
    to_numpy,
    valid,
)

_BLANK = (32, 9, 13, 10)


@dataclass
class Origin:
    """Where a table's rows came from: line numbers and each row as ``read_rows`` gives it."""

    fmt: str  # csv | parquet | jsonl | rows
    table: Any = None  # csv, parquet: the table as read
    data: bytes = b""  # csv, jsonl: the file
    rows: Sequence[Mapping[str, Any]] = ()  # rows: the rows themselves
    lines: Sequence[int] = ()
    spans: Array | None = None  # jsonl: (line, start, end) per row; None: not yet needed
    offset: int = 0  # jsonl, parquet: lines (rows) of the file before these (a block of it)

    def line_spans(self) -> Array:
        if self.spans is None:
            self.spans = line_spans(self.data, np.frombuffer(self.data, np.uint8))
        return self.spans

    def line(self, pos: int) -> int:
        if self.fmt == "csv":
            return _csv_line(self.data, pos)
        if self.fmt == "parquet":
            return self.offset + pos + 1
        if self.fmt == "jsonl":
            return self.offset + int(self.line_spans()[pos, 0])
        return int(self.lines[pos])

    def mention(self, pos: Array, word: bytes) -> Array:
        """JSON Lines: which of these rows' lines hold ``word`` (no line parsed)."""
        starts = self.line_spans()[:, 1]
        texts = pa.LargeBinaryArray.from_buffers(
            pa.large_binary(), len(starts),
            [None, pa.py_buffer(np.append(starts, len(self.data)).astype(np.int64)),
             pa.py_buffer(self.data)])
        hit = pc.match_substring(texts.take(arrow(np.asarray(pos, np.int64))), word.decode())
        return to_numpy(hit, bool)

    def raw(self, pos: int) -> Mapping[str, Any]:
        if self.fmt == "rows":
            return self.rows[pos]
        if self.fmt == "jsonl":
            _, start, end = self.line_spans()[pos].tolist()
            row: Mapping[str, Any] = json.loads(self.data[start:end])
            return row
        one = self.table.slice(pos, 1)
        return dict(zip(one.column_names, (c[0].as_py() for c in one.columns), strict=True))


@dataclass
class Table:
    """Rows of a file as columns, with the way back to each row's line and exact values.

    Attributes:
        source: The file (or what the rows are).
        data: The pyarrow table.
        first_keys: Keys of the first row.
        index: Each row's position among the file's rows.
        pending: The error ``read_rows`` raised after the last row here, if any.

    """

    source: Path
    data: Any
    first_keys: list[str]
    index: Array
    origin: Origin
    pending: ContentError | None = None
    json_columns: frozenset[str] = field(default_factory=frozenset)

    @property
    def num_rows(self) -> int:
        """Number of rows."""
        return int(self.data.num_rows)

    @property
    def all_keys(self) -> bool:
        """Whether every row has every column (CSV, Parquet); JSON rows may lack keys."""
        return self.origin.fmt in ("csv", "parquet")

    def has(self, name: str) -> bool:
        """Whether some row has a column ``name``."""
        return name in self.data.column_names

    def is_json(self, name: str) -> bool:
        """Whether the column holds each value's JSON text (its values change type)."""
        return name in self.json_columns

    def column(self, name: str) -> Any:
        """The column ``name`` as one pyarrow array (all null if absent)."""
        if not self.has(name):
            return pa.nulls(self.num_rows)
        at = len(self.data.column_names) - 1 - self.data.column_names[::-1].index(name)
        return self.data.column(at).combine_chunks()  # a CSV header's last duplicate, as dicts

    def line(self, row: int) -> int:
        """The line number of row ``row``."""
        return self.origin.line(int(self.index[row]))

    def raw(self, row: int) -> Mapping[str, Any]:
        """Row ``row`` exactly as ``read_rows`` gives it."""
        return self.origin.raw(int(self.index[row]))

    def error(self, row: int, problem: str, fix: str) -> ContentError:
        """A :class:`ContentError` naming this file and row ``row``'s line."""
        return ContentError(self.source, problem, where=f"line {self.line(row)}", fix=fix)

    def check(self) -> None:
        """Raise the error ``read_rows`` met after the rows read, if any."""
        if self.pending is not None:
            raise self.pending

    def take(self, rows: Array) -> Table:
        """These rows only, in this order."""
        return replace(self, data=self.data.take(arrow(np.asarray(rows, np.int64))),
                       index=self.index[rows])

    def present(self, name: str, rows: Array) -> Array:
        """Which of these rows have the key ``name`` (a null value counts: it is there)."""
        if self.all_keys or not self.has(name):
            return np.full(len(rows), self.has(name))
        out = valid(self.column(name).take(arrow(np.asarray(rows, np.int64))))
        null = np.flatnonzero(~out)
        quoted = json.dumps(name)
        if self.origin.fmt == "jsonl" and len(null) and quoted[1:-1] == name:
            null = null[self.origin.mention(self.index[rows[null]], quoted.encode())]
        for i in null:  # the name is on the line: a key, or only inside a value?
            out[i] = name in self.raw(int(rows[i]))
        return out

    def values(self, name: str, fn: Callable[[Any], Any], type_: Any = None,
               exact: bool = False) -> Any:
        """``fn`` of each row's value, once per distinct value, as a pyarrow array.

        Args:
            name: The column.
            fn: Applied to each value as ``read_rows`` gives it.
            type_: The result's pyarrow type (default string).
            exact: Tell JSON ``1`` from ``1.0`` (pyarrow reads both as 1.0): the rows holding
                a whole float are read again from the file (needed where ``str()`` is taken).

        """
        arr = self.column(name)
        if self.is_json(name):
            return per_value(arr, lambda text: fn(None if text is None else json.loads(text)),
                             type_)
        out = per_value(arr, fn, type_)
        if exact and self.origin.fmt in ("jsonl", "rows"):
            redo = np.flatnonzero(_whole_floats(arr))
            if len(redo):
                fixed = pa.array([fn(self.raw(int(r)).get(name)) for r in redo], out.type)
                mask = np.zeros(len(arr), dtype=bool)
                mask[redo] = True
                out = pc.replace_with_mask(out, arrow(mask), fixed)
        return out

    def labels(self, name: str) -> Any:
        """The column's values spelled as labels (:func:`norm_label`): strings, null for None."""
        arr = self.column(name)
        if self.is_json(name) or _big_floats(arr):
            return self.values(name, norm_label, exact=True)
        return norm(arr)


class BadValue(ValueError):
    """A value a reader's rule refuses: what is wrong, and the fix (its row is found later)."""

    def __init__(self, problem: str, fix: str) -> None:
        super().__init__(problem)
        self.problem, self.fix = problem, fix


def raise_first(found: list[tuple[int | None, int, Callable[[int], Exception]]]) -> None:
    """Raise the error of the earliest row (then the earliest check) among those found.

    Args:
        found: Per check, ``(first row at fault or None, rank of the check within a row,
            the error for a row)``: the row reader checked row by row, in this order.

    """
    hits = [(row, rank, make) for row, rank, make in found if row is not None]
    if hits:
        row, _, make = min(hits, key=lambda h: (h[0], h[1]))
        raise make(row)


def _whole_floats(arr: Any) -> Array:
    """Rows whose value (or an element of whose list) is a float with no fraction."""
    if pa.types.is_list(arr.type):
        flat = pc.list_flatten(arr)
        rows = np.zeros(len(arr), dtype=bool)
        rows[to_numpy(pc.list_parent_indices(arr), np.int64)[_whole_floats(flat)]] = True
        return rows
    if not pa.types.is_floating(arr.type):
        return np.zeros(len(arr), dtype=bool)
    whole = np.asarray(pc.fill_null(pc.equal(pc.floor(arr), arr), False), dtype=bool)
    return np.asarray(valid(arr) & whole, dtype=bool)


def _big_floats(arr: Any) -> bool:
    """Whether a float column holds whole numbers past 2**53 (JSON integers pyarrow rounded)."""
    return pa.types.is_floating(arr.type) and (pc.max(pc.abs(arr)).as_py() or 0) >= 2 ** 53


def rows_table(rows: Sequence[Mapping[str, Any]], lines: Sequence[int], source: Path | str,
               pending: ContentError | None = None) -> Table:
    """Rows already read (by ``read_rows``, or a suite's items) as a table."""
    keys = list(dict.fromkeys(k for r in rows for k in r))
    arrays, as_json = [], set()
    for key in keys:
        values = [r.get(key) for r in rows]
        try:
            arrays.append(pa.array(values))
        except (pa.ArrowException, OverflowError):
            arrays.append(pa.array([None if v is None else json.dumps(v, ensure_ascii=False)
                                    for v in values], pa.string()))
            as_json.add(key)
    data = pa.table(dict(zip(keys, arrays, strict=True))) if keys else \
        pa.table({"": pa.nulls(len(rows))}).drop_columns([""])  # rows without columns
    return Table(Path(source), data, list(rows[0]) if rows else [],
                 np.arange(len(rows)), Origin("rows", rows=rows, lines=lines), pending,
                 frozenset(as_json))


def _csv_line(data: bytes, pos: int) -> int:
    """The line ``read_rows`` names for data row ``pos`` of a CSV.

    That is the line where the record ends, counting blank lines and quoted line breaks.
    """
    reader = csv.DictReader(line.decode("utf-8") for line in io.BytesIO(data))
    for at, _ in enumerate(reader):
        if at == pos:
            return reader.line_num
    raise IndexError(pos)


def line_spans(data: bytes, u8: Array) -> Array:
    """``(line, start, end)`` of each non-blank line (lines numbered from 1)."""
    step = 1 << 22  # bytes compared at a time: no file-sized temporary
    breaks = np.concatenate([np.flatnonzero(u8[at:at + step] == 10) + at
                             for at in range(0, len(u8), step)] or [np.zeros(0, np.int64)])
    starts = np.concatenate([[0], breaks + 1])
    ends = np.concatenate([breaks, [len(data)]])
    lead = np.full(len(starts), 10, dtype=np.uint8)
    inside = starts < ends
    lead[inside] = u8[starts[inside]]
    keep = ~np.isin(lead, _BLANK)
    for i in np.flatnonzero(~keep & inside):  # a line that starts blank may hold more
        keep[i] = bool(data[starts[i]:ends[i]].strip())
    at = np.flatnonzero(keep)
    return np.column_stack([at + 1, starts[at], ends[at]]).astype(np.int64)
