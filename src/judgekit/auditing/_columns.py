"""Column helpers: labels spelled the judgekit way, label maps, codes, Python per distinct value.

Every function takes and gives whole pyarrow columns. Where a value needs Python (a float to
spell, a string with spaces to trim), Python runs once per distinct value of the column: a
million labels have a handful of distinct verdicts.

Arrays cross between numpy and pyarrow through their buffers (:func:`to_numpy`, :func:`valid`,
:func:`arrow`, :func:`strings`, :func:`scalar`): pyarrow's own conversions (``pa.array``,
``pa.scalar``, a Python value given to a compute function, ``to_numpy``) import pandas the
first time (0.3-0.4 s) only to ask whether the value is a pandas object.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, overload

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

from judgekit._arrow import strings

Array = NDArray[Any]

# Values norm_label may change: empty, a non-printable-ASCII first or last character
# (whitespace among them), or a ".0" ending. Any other string is returned as it is.
_NEEDS_NORM = r"^$|^[^!-~]|[^!-~]$|\.0$"
_ROWS = 1 << 18
"""Rows :func:`needs_norm` tests at a time."""
_SCALAR = (pa.types.is_integer, pa.types.is_floating, pa.types.is_boolean, pa.types.is_string,
           pa.types.is_large_string, pa.types.is_binary, pa.types.is_date, pa.types.is_temporal)


def norm_label(value: Any) -> str | None:
    """Spell a label the way judgekit does: strings as-is, ``3.0`` -> ``3``, None stays None."""
    if type(value) is str and value and not value.endswith(".0") and \
            not value[0].isspace() and not value[-1].isspace():
        return value  # the common case
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).strip()
    if text.endswith(".0") and text[:-2].lstrip("-").isdigit():
        text = text[:-2]
    return text or None


def distinct(arr: Any) -> tuple[list[Any], Array]:
    """A column's distinct Python values (None last) and each row's index into them."""
    if pa.types.is_null(arr.type):
        return [None], np.zeros(len(arr), dtype=np.int64)
    if any(is_type(arr.type) for is_type in _SCALAR):
        enc = pc.dictionary_encode(arr)
        values = [*enc.dictionary.to_pylist(), None]
        at = enc.indices
        return values, to_numpy(pc.fill_null(at, scalar(len(values) - 1, at.type)), np.int64)
    seen: dict[str, int] = {}  # lists, objects: nothing a label column should hold
    rows = arr.to_pylist()
    index = np.array([seen.setdefault(repr(v), len(seen)) for v in rows], dtype=np.int64)
    values = [None] * len(seen)
    for v, at in zip(rows, index.tolist(), strict=True):
        values[at] = v
    return values, index


def per_value(arr: Any, fn: Callable[[Any], Any], type_: Any = None) -> Any:
    """``fn`` of each row's Python value, computed once per distinct value."""
    values, index = distinct(arr)
    return pylist([fn(v) for v in values], type_ or pa.string()).take(arrow(index))


def norm(arr: Any) -> Any:
    """:func:`norm_label` over a column: a string array, null where the label is None."""
    t = arr.type
    if pa.types.is_null(t):
        return pa.nulls(len(arr), pa.string())
    if pa.types.is_integer(t):
        return pc.cast(arr, pa.string())
    if not pa.types.is_string(t):
        return per_value(arr, norm_label)
    flag = arrow(needs_norm(arr))
    if not pc.any(flag).as_py():
        return arr
    return pc.replace_with_mask(arr, flag, per_value(arr.filter(flag), norm_label))


def needs_norm(arr: Any) -> Array:
    """Which strings of a string column match :data:`_NEEDS_NORM` (nulls: False).

    Tested on the UTF-8 bytes, without a regex: empty, a first or last byte outside ``!``..``~``
    (a non-ASCII character starts and ends with such a byte), or ending in ``.0``. Rows are
    taken :data:`_ROWS` at a time, so that the temporaries stay small.
    """
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    _, off_buf, data_buf = arr.buffers()
    offsets = np.frombuffer(off_buf, np.int32, len(arr) + 1, arr.offset * 4)
    data = np.frombuffer(data_buf, np.uint8) if data_buf is not None and data_buf.size \
        else np.zeros(1, np.uint8)
    out = np.zeros(len(arr), dtype=bool)
    for at in range(0, len(arr), _ROWS):
        stop = min(at + _ROWS, len(arr))
        start, end = offsets[at:stop].astype(np.int64), offsets[at + 1:stop + 1].astype(np.int64)
        size = end - start
        head = data[np.where(size > 0, start, 0)]
        tail = data[np.where(size > 0, end - 1, 0)]
        dot = data[np.where(size > 1, end - 2, 0)]
        out[at:stop] = (size == 0) | (head < 0x21) | (head > 0x7E) | (tail < 0x21) | \
            (tail > 0x7E) | ((size > 1) & (tail == 0x30) & (dot == 0x2E))
    out &= valid(arr)
    return out


def remap(arr: Any, mapping: Mapping[str, str]) -> Any:
    """Spell each label as ``mapping`` says (others unchanged); nulls stay null."""
    if not mapping:
        return arr
    keys = [u for u in pc.unique(arr).drop_null().to_pylist() if u in mapping]
    if not keys:
        return arr
    pos = pc.index_in(arr, value_set=strings(keys))
    hit = pc.is_valid(pos)
    new = strings([mapping[k] for k in keys]).take(pc.filter(pos, hit))
    return pc.replace_with_mask(arr, hit, new)


def codes(arr: Any, space: list[str]) -> Array:
    """Index of each label in ``space`` (-1: null or not in it)."""
    pos = pc.index_in(arr, value_set=strings(space))
    return to_numpy(pc.fill_null(pos, scalar(-1, pos.type)), np.int64)


def to_numpy(arr: Any, dtype: Any) -> Array:
    """A pyarrow array of booleans (null: False) or numbers without nulls, as numpy."""
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if pa.types.is_boolean(arr.type):  # a null reads as False
        bits = _bits(arr.buffers()[1], arr.offset, len(arr))
        return (bits & valid(arr) if arr.null_count else bits).astype(dtype, copy=False)
    kind = _NUMPY.get(arr.type.id)
    if kind is None or arr.null_count:
        return np.asarray(arr.to_numpy(zero_copy_only=False), dtype=dtype)
    width = np.dtype(kind).itemsize
    data = np.frombuffer(arr.buffers()[1], kind, len(arr), arr.offset * width) if len(arr) \
        else np.zeros(0, kind)
    return data.astype(dtype, copy=False)


def valid(arr: Any) -> Array:
    """Which rows of a column are not null."""
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if arr.null_count == 0:
        return np.ones(len(arr), dtype=bool)
    if pa.types.is_null(arr.type):
        return np.zeros(len(arr), dtype=bool)
    if pa.types.is_union(arr.type) or pa.types.is_run_end_encoded(arr.type):
        return to_numpy(pc.is_valid(arr), bool)
    return _bits(arr.buffers()[0], arr.offset, len(arr))


def _bits(buf: Any, offset: int, n: int) -> Array:
    """``n`` bits of an Arrow bitmap from bit ``offset``, as booleans."""
    if n == 0:
        return np.zeros(0, dtype=bool)
    bits = np.unpackbits(np.frombuffer(buf, np.uint8), count=offset + n, bitorder="little")
    return bits[offset:].view(bool)


_NUMPY = {pa.int8().id: np.int8, pa.int16().id: np.int16, pa.int32().id: np.int32,
          pa.int64().id: np.int64, pa.uint8().id: np.uint8, pa.uint16().id: np.uint16,
          pa.uint32().id: np.uint32, pa.uint64().id: np.uint64, pa.float32().id: np.float32,
          pa.float64().id: np.float64}
"""pyarrow number types read straight from their buffer, by type id."""


def arrow(values: Array) -> Any:
    """A numpy array (booleans, integers, floats) as a pyarrow array (no copy for numbers)."""
    v = np.ascontiguousarray(values)
    if v.dtype == bool:
        bits = np.packbits(v, bitorder="little")
        return pa.Array.from_buffers(pa.bool_(), len(v), [None, pa.py_buffer(bits)])
    if v.dtype.kind in "iub" and v.dtype != np.int64:
        v = v.astype(np.int64)
    elif v.dtype.kind == "f" and v.dtype != np.float64:
        v = v.astype(np.float64)
    kind = pa.int64() if v.dtype == np.int64 else pa.float64()
    return pa.Array.from_buffers(kind, len(v), [None, pa.py_buffer(v)])


def pylist(values: Sequence[Any], type_: Any) -> Any:
    """Python values (None: null) as a pyarrow array of ``type_`` (strings, int64, float64)."""
    if type_ == pa.string():
        return strings(values)
    if type_ not in (pa.int64(), pa.float64()):
        return pa.array(values, type_)
    nulls = np.array([v is None for v in values], dtype=bool)
    data = np.array([0 if v is None else v for v in values],
                    dtype=np.int64 if type_ == pa.int64() else np.float64)
    if not nulls.any():
        return arrow(data)
    mask = pa.py_buffer(np.packbits(~nulls, bitorder="little"))
    return pa.Array.from_buffers(type_, len(data), [mask, pa.py_buffer(data)],
                                 null_count=int(nulls.sum()))


def scalar(value: str | int | float | bool, type_: Any = None) -> Any:
    """A pyarrow scalar of a Python value (of ``type_``, default the value's own)."""
    one = strings([value]) if isinstance(value, str) else arrow(np.array([value]))
    got = one[0]
    return got if type_ is None or got.type == type_ else got.cast(type_)


def first(mask: Array) -> int | None:
    """Index of the first True, or None."""
    hits = np.flatnonzero(mask)
    return int(hits[0]) if len(hits) else None


class ItemIds(Sequence[str]):
    """Item ids kept as one pyarrow string column: a read-only list without a str per item.

    Indexing, slicing, ``len``, iteration and ``==`` (with a list too) behave as a list's.
    """

    def __init__(self, column: Any) -> None:
        self.column = column

    def __len__(self) -> int:
        return len(self.column)

    @overload
    def __getitem__(self, i: int) -> str: ...

    @overload
    def __getitem__(self, i: slice) -> list[str]: ...

    def __getitem__(self, i: int | slice) -> str | list[str]:
        if isinstance(i, slice):
            return list(self)[i]
        value: str = self.column[int(i)].as_py()
        return value

    def __iter__(self) -> Iterator[str]:
        return iter(self.column.to_pylist())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, ItemIds):
            return bool(self.column.equals(other.column))
        return isinstance(other, (list, tuple)) and list(self) == list(other)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"ItemIds({list(self)!r})" if len(self) <= 20 else f"ItemIds(<{len(self)} ids>)"
