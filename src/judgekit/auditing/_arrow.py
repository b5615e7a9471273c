"""Columnar reading of audit inputs with pyarrow: whole columns instead of one dict per row.

The row reader (:func:`judgekit.content._files.read_rows`) stays the reference: every function here
returns ``None`` (never raises) when a file or a value is anything it cannot reproduce exactly
(bad UTF-8, a byte Python's ``splitlines`` would split at, a JSON number that is not a plain
probability, mixed types...), and the caller then reads the file row by row, which gives the
same result or the usual error naming file, line and fix.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from judgekit.auditing._io import norm_label

Array = NDArray[Any]

# Values norm_label may change: empty, a non-printable-ASCII first or last character
# (whitespace among them), or a ".0" ending. Any other string is returned as it is.
_NEEDS_NORM = r"^$|^[^!-~]|[^!-~]$|\.0$"
_JSON_NUMBER = r"^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$"
_CSV_FIELD_LIMIT = csv.field_size_limit()
_JSON_BLOCK = 1 << 24
"""Bytes per pyarrow JSON block: a line must fit in one (gold rows with long texts do)."""
# Line breaks of str.splitlines beyond ASCII controls (those are checked apart).
_SPLITLINES_EXTRA = (b"\xc2\x85", b"\xe2\x80\xa8", b"\xe2\x80\xa9")


@dataclass
class Table:
    """A file read column by column.

    Attributes:
        table: The pyarrow table (CSV: every column a string, as ``csv.DictReader`` gives).
        first_keys: Keys of the first row, as the row reader sees them.
        all_keys: Whether every row has every column (CSV); JSONL rows may lack keys.

    """

    table: Any
    first_keys: list[str]
    all_keys: bool

    def has(self, name: str) -> bool:
        """Whether the table has a column ``name``."""
        return name in self.table.column_names

    def column(self, name: str) -> Any:
        """The column ``name`` as one pyarrow array, or all-null if absent."""
        import pyarrow as pa

        if not self.has(name):
            return pa.nulls(self.table.num_rows)
        return self.table.column(name).combine_chunks()


def read_table(path: Path) -> Table | None:
    """Read a CSV, JSONL or Parquet file into columns, or None when only rows read it right."""
    try:
        import pyarrow as pa
    except ModuleNotFoundError:
        return None
    suffix = path.suffix.lower()
    try:
        if suffix == ".parquet":
            import pyarrow.parquet as pq

            table = pq.read_table(path)
            return Table(table, list(table.column_names), all_keys=True)
        if suffix not in (".csv", ".jsonl"):
            return None
        data = path.read_bytes()
        if int(np.frombuffer(data, np.uint8).max(initial=0)) >= 0x80:
            data.decode("utf-8")  # the row reader's UTF-8 check (ASCII always passes)
        if data.startswith(b"\xef\xbb\xbf"):
            return None  # a BOM: the row reader keeps it in the first key
        return _csv(data) if suffix == ".csv" else _jsonl(data)
    except (OSError, ValueError, TypeError, KeyError, ImportError, pa.ArrowException):
        return None


def _csv(data: bytes) -> Table | None:
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pcsv

    if data.count(b"\r") != data.count(b"\r\n"):
        return None  # a lone CR ends a line for pyarrow, not for the row reader
    text = data[:1 << 16].decode("utf-8", errors="ignore")
    header = next(csv.reader(io.StringIO(text)), [])
    if not header or len(set(header)) != len(header) or "\n" not in text:
        return None  # no header, duplicate names, or a header longer than the sample
    table = pcsv.read_csv(
        pa.BufferReader(data),
        parse_options=pcsv.ParseOptions(newlines_in_values=True),
        convert_options=pcsv.ConvertOptions(
            column_types={h: pa.string() for h in header}, strings_can_be_null=False,
            quoted_strings_can_be_null=False),
    )
    if table.column_names != header:
        return None
    if len(data) > _CSV_FIELD_LIMIT and any(
            (pc.max(pc.utf8_length(c)).as_py() or 0) > _CSV_FIELD_LIMIT for c in table.columns):
        return None  # the csv module refuses fields this long
    return Table(table, header, all_keys=True)


def _jsonl(data: bytes) -> Table | None:
    import pyarrow as pa
    import pyarrow.json as pjson

    u8 = np.frombuffer(data, np.uint8)
    controls, lines = int(np.count_nonzero(u8 < 0x20)), data.count(b"\n")
    if controls != lines and not (data.count(b"\r") == data.count(b"\r\n") == controls - lines):
        return None  # a control byte json.loads refuses in strings, or a line break it sees
    if int(u8.max(initial=0)) >= 0x80 and any(sep in data for sep in _SPLITLINES_EXTRA):
        return None  # a line break of str.splitlines inside a JSON string
    start = 0
    while True:  # the first non-blank line gives the first row's keys
        end = data.find(b"\n", start)
        line = data[start:] if end < 0 else data[start:end]
        if line.strip():
            break
        if end < 0:
            return None
        start = end + 1
    first = json.loads(line)
    if not isinstance(first, dict) or len(first) == 0:
        return None
    options = pjson.ReadOptions(block_size=_JSON_BLOCK)
    table = pjson.read_json(pa.BufferReader(data), read_options=options)
    dates = [f.name for f in table.schema if pa.types.is_timestamp(f.type)]
    if dates:  # pyarrow reads date-like strings as timestamps: read them again as text
        schema = pa.schema([pa.field(name, pa.string()) for name in dates])
        table = pjson.read_json(pa.BufferReader(data), read_options=options,
                                parse_options=pjson.ParseOptions(
                                    explicit_schema=schema, unexpected_field_behavior="infer"))
    return Table(table, list(first), all_keys=False)


def norm(arr: Any) -> Any | None:
    """:func:`norm_label` over a column: a string array, null where the label is None."""
    import pyarrow as pa
    import pyarrow.compute as pc

    t = arr.type
    if pa.types.is_null(t):
        return pa.nulls(len(arr), pa.string())
    if pa.types.is_integer(t):
        return pc.cast(arr, pa.string())
    if pa.types.is_floating(t) and (pc.max(pc.abs(arr)).as_py() or 0) >= 2 ** 53:
        return None  # pyarrow reads JSON integers past int64 as inexact floats
    if pa.types.is_floating(t) or pa.types.is_boolean(t):
        return pa.array([norm_label(v) for v in arr.to_pylist()], pa.string())
    if not pa.types.is_string(t):
        return None
    flag = pc.fill_null(pc.match_substring_regex(arr, _NEEDS_NORM), False)
    if not pc.any(flag).as_py():
        return arr
    fixed = [norm_label(v) for v in pc.filter(arr, flag).to_pylist()]
    return pc.replace_with_mask(arr, flag, pa.array(fixed, pa.string()))


def remap(arr: Any, mapping: Mapping[str, str]) -> Any:
    """Spell each label as ``mapping`` says (others unchanged); nulls stay null."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if not mapping:
        return arr
    uniq = pc.unique(arr).drop_null()
    keys = [u for u in uniq.to_pylist() if u in mapping]
    if not keys:
        return arr
    pos = pc.index_in(arr, value_set=pa.array(keys, pa.string()))
    hit = pc.fill_null(pc.is_valid(pos), False)
    new = pa.array([mapping[k] for k in keys], pa.string()).take(pc.filter(pos, hit))
    return pc.replace_with_mask(arr, hit, new)


def probabilities(arr: Any) -> Array | None:
    """P(verdict) per row as ``_audit_io._probs`` reads it (NaN: none); None for JSON objects.

    Strings are parsed as JSON, so only plain JSON numbers in [0, 1] (or empty cells) pass.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    t = arr.type
    if pa.types.is_null(t):
        return np.full(len(arr), np.nan)
    if pa.types.is_string(t):
        empty = pc.fill_null(pc.equal(arr, ""), True)
        ok = pc.or_(pc.match_substring_regex(arr, _JSON_NUMBER), empty)
        if not pc.all(pc.fill_null(ok, True)).as_py():
            return None
        arr = pc.if_else(empty, pa.scalar(None, pa.string()), arr)
        t = pa.float64()
        arr = pc.cast(arr, t)
    if not (pa.types.is_integer(t) or pa.types.is_floating(t)):
        return None
    values = np.asarray(pc.cast(arr, pa.float64()).to_numpy(zero_copy_only=False), dtype=float)
    known = ~np.isnan(values) if arr.null_count == 0 else \
        np.asarray(pc.is_valid(arr).to_numpy(zero_copy_only=False), dtype=bool)
    if np.isnan(values[known]).any() or (values[known] < 0).any() or (values[known] > 1).any():
        return None
    return np.where(known, values, np.nan)


def codes(arr: Any, space: list[str]) -> Array:
    """Index of each label in ``space`` (-1: null)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    pos = pc.index_in(arr, value_set=pa.array(space, pa.string()))
    return np.asarray(pc.fill_null(pos, -1).to_numpy(zero_copy_only=False), dtype=np.int64)


def per_unique(arr: Any, fn: Callable[[Any], int]) -> Array:
    """``fn`` of each row's Python value, computed once per distinct value (-1 for nulls)."""
    import pyarrow.compute as pc

    enc = pc.dictionary_encode(arr)
    table = np.array([fn(v) for v in enc.dictionary.to_pylist()] + [-1], dtype=np.int64)
    idx = pc.fill_null(enc.indices, len(enc.dictionary)).to_numpy(zero_copy_only=False)
    return np.asarray(table[idx], dtype=np.int64)


def to_numpy(arr: Any, dtype: Any) -> Array:
    """A pyarrow array without nulls as a numpy array."""
    return np.asarray(arr.to_numpy(zero_copy_only=False), dtype=dtype)
