"""A run suite's items as the few columns an audit reads, streamed a chunk at a time.

An audit against a gold file takes the fields its gold rows lack (slice values, response
lengths, response models, the texts of the items the report shows) from the run's suite
items; an audit against the suite's own gold takes the gold labels from them too. The items
are streamed from their source (the item source's ``chunks()``) and each chunk becomes a few
Arrow columns, so memory grows by a few bytes per item, not by its rows:

- ``ids``: the item ids;
- per slice column, the item's values as :func:`tag_rule` spells them, as JSON text
  (dictionary-encoded: a few distinct values), null where the item has no such key;
- per length column (``response_a``, ``response_b``), the characters of a string value;
- per response-model column, a non-empty string value (dictionary-encoded).

Values are taken from each item's fields exactly as read (JSON ``1`` stays apart from
``1.0``). No row is kept: the rows the report shows are read again, all in one pass
(:meth:`SuiteFields.raw_rows`). The suite was checked when it was loaded (every row, the ids,
the gold labels), so reading it here raises nothing the load did not.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from judgekit.auditing._columns import Array, to_numpy
from judgekit.auditing._table import Origin, Table

if TYPE_CHECKING:
    from judgekit._types import Item
    from judgekit.content._suite import LoadedSuite

LENGTHS = ("response_a", "response_b")
"""Fields whose lengths the length-bias statistics compare."""
CHUNK = 4096
"""Items per chunk when the item source has no ``chunks()`` of its own."""
_TEXT = pa.dictionary(pa.int32(), pa.string())


def tag_rule(value: Any) -> list[str]:
    """One row's slice values: a list's elements, else the value itself ("": none)."""
    if isinstance(value, list):
        return [str(x) for x in value]
    return [] if value is None or value == "" else [str(value)]


@dataclass(frozen=True)
class Wanted:
    """The fields an audit reads from the items.

    Attributes:
        tags: Slice columns.
        models: Response-model columns.
        lengths: Columns whose string lengths are compared.

    """

    tags: tuple[str, ...] = ()
    models: tuple[str, ...] = ()
    lengths: tuple[str, ...] = LENGTHS


@dataclass(frozen=True)
class SuiteGold:
    """The gold labels a suite's items carry (the items that have one, in item order).

    Attributes:
        label: Gold label per item (pyarrow strings).
        annotators: Annotators' labels per item (pyarrow lists of strings; empty: none).

    """

    label: Any
    annotators: Any


class SuiteFields:
    """A suite's items as the columns :class:`Wanted` names (see the module).

    Args:
        items: The suite's items (read again by :meth:`raw_rows`).
        source: The suite file.
        ids: Item ids (pyarrow strings), one per row.
        columns: ``(kind, name)`` -> pyarrow array; kinds ``tags``, ``lengths``, ``models``.
        keep: Which items are rows (None: every item).

    """

    def __init__(self, items: Sequence[Item], source: Path, ids: Any,
                 columns: Mapping[tuple[str, str], Any],
                 keep: Callable[[Item], bool] | None = None) -> None:
        self.items, self.source, self.ids = items, source, ids
        self.columns = dict(columns)
        self.keep = keep
        self.place: Array | None = None
        """Each row's position among all the suite's items (None: the row itself)."""
        self._raw: dict[int, Mapping[str, Any]] = {}

    @property
    def num_rows(self) -> int:
        """Number of rows (items)."""
        return len(self.ids)

    def placed(self, row: int) -> int:
        """Row ``row``'s position among all the suite's items (-1 stays -1: none)."""
        return row if self.place is None or row < 0 else int(self.place[row])

    def _column(self, kind: str, name: str, rows: Array) -> Any:
        col = self.columns.get((kind, name))
        return None if col is None else col.take(pa.array(rows, pa.int64()))

    def present(self, name: str, rows: Array) -> Array:
        """Which of these rows' items have the key ``name`` (read as a slice column)."""
        got = self._column("tags", name, rows)
        return np.zeros(len(rows), dtype=bool) if got is None else \
            to_numpy(got.is_valid(), bool)

    def length(self, name: str, rows: Array) -> Array:
        """Characters of these rows' string value ``name`` (NaN: absent or not a string)."""
        got = self._column("lengths", name, rows)
        if got is None:
            return np.full(len(rows), np.nan)
        return to_numpy(pc.fill_null(got.cast(pa.float64()), np.nan), float)

    def models(self, name: str, rows: Array) -> Any:
        """These rows' model names (pyarrow strings; null: none named)."""
        got = self._column("models", name, rows)
        return pa.nulls(len(rows), pa.string()) if got is None else got.dictionary_decode()

    def tags(self, name: str, rows: Array) -> tuple[Array, Any]:
        """``(index into rows, value)`` pairs of these rows' slice values."""
        got = self._column("tags", name, rows)
        if got is None:
            return np.zeros(0, np.int64), pa.array([], pa.string())
        has = got.is_valid()
        lists = pa.array([json.loads(x) for x in got.dictionary.to_pylist()],
                         pa.list_(pa.string()))
        per_row = lists.take(got.indices.filter(has))
        parent = np.flatnonzero(to_numpy(has, bool))
        return parent[to_numpy(pc.list_parent_indices(per_row), np.int64)], \
            pc.list_flatten(per_row)

    def raw_rows(self, rows: Sequence[int]) -> list[Mapping[str, Any]]:
        """These rows' items' fields exactly as read (one pass over the items for all)."""
        wanted = {int(r) for r in rows} - set(self._raw)
        if wanted:
            last = max(wanted)
            for at, item in enumerate(self._rows()):
                if at in wanted:
                    self._raw[at] = item.fields
                if at >= last:
                    break
        return [self._raw[int(r)] for r in rows]

    def _rows(self) -> Iterator[Item]:
        """The items that are rows, in row order."""
        for chunk in chunks(self.items):
            yield from (chunk if self.keep is None else filter(self.keep, chunk))


def chunks(items: Sequence[Item]) -> Iterator[Sequence[Item]]:
    """The items a chunk at a time (the source's own chunks where it has them)."""
    own = getattr(items, "chunks", None)
    if own is not None:
        yield from own()
        return
    it = iter(items)
    while chunk := list(islice(it, CHUNK)):
        yield chunk


def read_suite(suite: LoadedSuite, wanted: Wanted,
               gold: Callable[[Item], tuple[str | None, list[str] | None]] | None = None,
               ) -> tuple[SuiteFields, SuiteGold | None]:
    """Stream a suite's items into the columns ``wanted`` names.

    Args:
        suite: The suite (its items are read once, a chunk at a time).
        wanted: The fields to read.
        gold: The suite's gold rule (an item's gold label and annotators' labels): the rows
            are then only the items with a gold label, and their gold comes back too.

    """
    return items_fields(suite.items, suite.path, wanted, gold)


def items_fields(items: Sequence[Item], source: Path, wanted: Wanted,
                 gold: Callable[[Item], tuple[str | None, list[str] | None]] | None = None,
                 ) -> tuple[SuiteFields, SuiteGold | None]:
    """:func:`read_suite` of these items: the suite's, or a chunk of them (``source``: the file)."""
    columns = _Columns(wanted)
    ids: list[Any] = []
    labels: list[Any] = []
    votes: list[Any] = []
    for chunk in chunks(items):
        rows = chunk
        if gold is not None:
            got = [gold(item) for item in chunk]
            rows = [item for item, (label, _) in zip(chunk, got, strict=True)
                    if label is not None]
            labels.append(pa.array([g for g, _ in got if g is not None], pa.string()))
            votes.append(pa.array([a or [] for g, a in got if g is not None],
                                  pa.list_(pa.string())))
        ids.append(pa.array([item.id for item in rows], pa.string()))
        columns.add([item.fields for item in rows])
    keep = None if gold is None else (lambda item: gold(item)[0] is not None)
    fields = SuiteFields(items, source, _concat(ids, pa.string()), columns.finish(), keep)
    if gold is None:
        return fields, None
    return fields, SuiteGold(_concat(labels, pa.string()),
                             _concat(votes, pa.list_(pa.string())))


class _Columns:
    """The wanted columns, built a chunk at a time."""

    def __init__(self, wanted: Wanted) -> None:
        self.parts: dict[tuple[str, str], list[Any]] = {
            **{("tags", n): [] for n in wanted.tags},
            **{("lengths", n): [] for n in wanted.lengths},
            **{("models", n): [] for n in wanted.models}}
        self._tag_text: dict[str, str] = {}

    def add(self, rows: Sequence[Mapping[str, Any]]) -> None:
        for (kind, name), parts in self.parts.items():
            if kind == "tags":
                parts.append(pa.array([self._tags(r, name) for r in rows],
                                      pa.string()).dictionary_encode())
            elif kind == "lengths":
                parts.append(pa.array([len(v) if isinstance(v := r.get(name), str) else None
                                       for r in rows], pa.int32()))
            else:
                parts.append(pa.array([v if isinstance(v := r.get(name), str) and v else None
                                       for r in rows], pa.string()).dictionary_encode())

    def _tags(self, row: Mapping[str, Any], name: str) -> str | None:
        """The item's slice values as JSON text; None when it has no key ``name``."""
        if name not in row:
            return None
        value = row[name]
        if not isinstance(value, str):
            return json.dumps(tag_rule(value))
        text = self._tag_text.get(value)
        if text is None:
            text = self._tag_text[value] = json.dumps(tag_rule(value))
        return text

    def finish(self) -> dict[tuple[str, str], Any]:
        return {key: _concat(parts, pa.int32() if key[0] == "lengths" else _TEXT)
                for key, parts in self.parts.items()}


def _concat(parts: list[Any], type_: Any) -> Any:
    """One array of a column's chunks (dictionaries unified)."""
    if pa.types.is_dictionary(type_):
        return pa.chunked_array(parts, type_).unify_dictionaries().combine_chunks()
    return pa.concat_arrays(parts) if parts else pa.array([], type_)


class _NoFields(Sequence[Mapping[str, Any]]):
    """``n`` rows without a field (no dict per row)."""

    def __init__(self, n: int) -> None:
        self.n = n

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: Any) -> Any:
        if isinstance(i, slice):
            return [{}] * len(range(self.n)[i])
        if not -self.n <= i < self.n:
            raise IndexError(i)
        return {}


def empty_rows(source: Path, n: int) -> Table:
    """A table of ``n`` rows without a column: the gold rows of a suite's own gold.

    Every field of those items is the suite's (:class:`SuiteFields`), none is the gold's.
    """
    data = pa.table({"": pa.nulls(n)}).drop_columns([""])
    return Table(Path(source), data, [], np.arange(n), Origin("rows", rows=_NoFields(n)))
