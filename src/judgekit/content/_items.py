"""Items streamed from their source: mapped, filtered, limited and checked a chunk at a time.

:class:`ItemSource` turns the rows of a :class:`~judgekit.content._sources.Location` into
:class:`~judgekit.Item` values without holding them all:

- **ids**: the ``id`` column, or the column ``fields: {id: COLUMN}`` names. Data without an
  id column gets content-hash ids: the first 16 hex digits of the sha256 of the row as
  canonical JSON (so the same row always gets the same id, and resuming works).
- **preference data**: ``fields: {chosen: COLUMN, rejected: COLUMN}`` (plus ``prompt``)
  maps a chosen/rejected pair to ``response_a``/``response_b``. Which side the chosen one
  is shown on is decided per item by a seeded rule, recorded in the run manifest: the chosen
  response is ``response_b`` when the first byte of ``sha256("<seed>:<item id>")`` is odd,
  else ``response_a`` (``?seed=N`` after the items location; 0 by default). The item gains
  ``chosen_label`` (``A`` or ``B``): ``gold: chosen_label`` audits the judge against the
  data's own preference.
- ``where`` keeps rows whose columns equal the given values; ``limit`` stops after N kept.
- every kept item is checked as it is read (an id, no oversized row, the template's
  required fields); :meth:`ItemSource.check` reads everything once more to prove the ids
  unique, with 8 bytes of memory per item.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from itertools import chain, islice
from pathlib import Path
from typing import Any, TypeVar, overload

import numpy as np

from judgekit._errors import ContentError
from judgekit._types import Item
from judgekit.content._sources import Location, Row, digest, read_chunks

V = TypeVar("V")

MAX_ITEM_CHARS = 1_000_000
"""Largest item row accepted (characters); far beyond any judge's context window."""
CHUNK = 4096
"""Items per chunk."""
RULE = ("chosen is response_b when the first byte of sha256('<seed>:<item id>') is odd, "
        "else response_a")


def content_id(row: Row) -> str:
    """The content-hash id of a row: 16 hex digits of the sha256 of its canonical JSON."""
    blob = json.dumps(row, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                      default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def chosen_side(item_id: str, seed: int) -> str:
    """``A`` or ``B``: where the chosen response of a preference pair is shown (see RULE)."""
    return "B" if hashlib.sha256(f"{seed}:{item_id}".encode()).digest()[0] & 1 else "A"


class ItemSource(Sequence[Item]):
    """A suite's items, streamed from their source.

    Iterating reads the source again each time (a chunk at a time); ``len()`` and indexing
    read it once and keep the result (indexing keeps every item: for small suites).

    Args:
        location: Where the rows come from.
        fields: Template field -> column (``id``, ``chosen`` and ``rejected`` included).
        required: Template field -> column every item must have (not null).
        where: Keep rows whose columns equal these values.
        limit: Keep at most this many items (after ``where``).
        origin: The suite file (named by errors about the mapping).

    """

    def __init__(self, location: Location, *, fields: Mapping[str, str] | None = None,
                 required: Mapping[str, str] | None = None,
                 where: Mapping[str, Any] | None = None, limit: int | None = None,
                 origin: Path | None = None) -> None:
        self.location = location
        self.fields = dict(fields or {})
        self.required = dict(required or {})
        self.where = dict(where or {})
        self.limit = limit
        self.origin = origin
        self.id_column = self.fields.get("id", "id")
        pair = (self.fields.get("chosen"), self.fields.get("rejected"))
        self.preference = (pair[0], pair[1]) if pair[0] and pair[1] else None
        self._count: int | None = None
        self.columns: frozenset[str] | None = None
        """Every field name the items had when :meth:`check` last read them all."""
        self._all: list[Item] | None = None
        self._digest: str | None = None

    def __repr__(self) -> str:
        return f"ItemSource({self.location.text!r})"

    def chunks(self, size: int = CHUNK,
               each: Callable[[Item], object] | None = None) -> Iterator[list[Item]]:
        """The items, ``size`` at a time; ``each`` (a check) is called on every item."""
        kept, hashed = 0, None
        where = list(self.where.items())
        for rows in read_chunks(self.location, size):
            out = []
            for line, row, chars in rows:
                if chars > MAX_ITEM_CHARS:
                    raise self._error(f"item is {chars / 1e6:.1f} M characters, over the "
                                      f"{MAX_ITEM_CHARS:,} limit", line, "shorten or split "
                                      "the item; no judge reads that much")
                if where and not all(row.get(k) == v for k, v in where):
                    continue
                if hashed is None:
                    hashed = self.id_column not in row and "id" not in self.fields
                item = self._item(line, row, hashed)
                if each is not None:
                    each(item)
                out.append(item)
                kept += 1
                if kept == self.limit:
                    break
            if out:
                yield out
            if kept == self.limit:
                return

    def __iter__(self) -> Iterator[Item]:
        return chain.from_iterable(self.chunks())

    def __len__(self) -> int:
        if self._count is None:
            self.check()
        assert self._count is not None
        return self._count

    @overload
    def __getitem__(self, index: int) -> Item: ...

    @overload
    def __getitem__(self, index: slice) -> list[Item]: ...

    def __getitem__(self, index: int | slice) -> Item | list[Item]:
        if self._all is None:
            step = index.step if isinstance(index, slice) else None
            start, stop = (index.start, index.stop) if isinstance(index, slice) else (
                index, index + 1)
            if (step in (None, 1) and (start or 0) >= 0 and stop is not None
                    and stop >= 0):  # a head: read only that far
                head = list(islice(self, start, stop))
                if isinstance(index, slice):
                    return head
                if head:
                    return head[0]
                raise IndexError(f"item {index} of {self!r} is out of range")
            self._all = list(self)
            self._count = len(self._all)
        return self._all[index]

    def check(self, each: Callable[[Item], object] | None = None) -> int:
        """Read every item once, checking it (and ``each``) and that ids are unique.

        Returns:
            The number of items.

        Raises:
            ContentError: A bad row, a duplicate id, or no items at all.

        """
        hashes: list[Any] = []
        columns: set[str] = set()
        for chunk in self.chunks(each=each):
            hashes.append(np.fromiter((hash(it.id) for it in chunk), np.int64, len(chunk)))
            for it in chunk:
                columns.update(it.fields)
        flat = np.concatenate(hashes) if hashes else np.empty(0, np.int64)
        hashes.clear()
        flat.sort()  # in place: at most twice 8 bytes per item, for a moment
        if flat.size and (flat[1:] == flat[:-1]).any():
            self._duplicates(set(flat[1:][flat[1:] == flat[:-1]].tolist()))
        if not flat.size and self.where:
            raise ContentError(self.origin or self.location.text, "no items left after "
                               f"'where: {self.where}'", where="field 'where'",
                               fix="loosen the filter")
        if not flat.size:
            raise ContentError(self.location.path or self.location.text, "no items",
                               fix="add at least one item (one JSON object per line)")
        self._count, self.columns = int(flat.size), frozenset(columns)
        return self._count

    def describe(self) -> dict[str, Any]:
        """What the run manifest records: location, id rule, preference rule, digest."""
        if self._digest is None:
            self._digest = digest(self.location)
        out: dict[str, Any] = {**self.location.describe(), "sha256": self._digest,
                               "id": self.id_column, "where": self.where, "limit": self.limit}
        if self.preference:
            out["preference"] = {"chosen": self.preference[0], "rejected": self.preference[1],
                                 "seed": self.location.seed, "rule": RULE}
        return out

    def _duplicates(self, suspects: set[int]) -> None:
        seen: dict[str, int] = {}
        for item in self:
            if hash(item.id) in suspects:
                if item.id in seen:
                    raise self._error(f"duplicate item id {item.id!r} (first on line "
                                      f"{seen[item.id]})", item.line, self._unique_fix())
                seen[item.id] = item.line

    def _unique_fix(self) -> str:
        if self.id_column in self.fields.values() or "id" in self.fields:
            return "make every item id unique"
        return ("make every item id unique (rows without an id column get content-hash "
                "ids: identical rows have the same id; remove the repeated row)")

    def _item(self, line: int, row: Row, hashed: bool) -> Item:
        if hashed:
            if self.id_column in row:
                raise self._error(f"this row has an '{self.id_column}' column and the first "
                                  "row has none", line, "give every row an id, or none")
            item_id = content_id(row)
        else:
            raw = row.get(self.id_column)
            if raw is None or str(raw).strip() == "":
                raise self._error(f"item has no '{self.id_column}'", line,
                                  f"give every item a unique '{self.id_column}'")
            item_id = str(raw)
        if self.preference:
            row = self._prefer(item_id, row, line)
        for name, col in self.required.items():
            if row.get(col) is None:
                raise self._error(f"item {item_id!r} has no '{col}'" + (
                    f" (template field '{name}')" if col != name else ""), line,
                    f"add '{col}' to every item, or map another column with "
                    f"'fields: {{{name}: COLUMN}}' in the suite")
        return Item(id=item_id, fields=row, line=line)

    def _prefer(self, item_id: str, row: Row, line: int) -> Row:
        assert self.preference is not None
        chosen, rejected = self.preference
        taken = [c for c in ("response_a", "response_b") if c in row]
        if taken:
            raise self._error(f"the row has '{taken[0]}' and the suite maps chosen/rejected "
                              "onto response_a/response_b", line, "map either chosen/"
                              "rejected or response_a/response_b, not both")
        side = chosen_side(item_id, self.location.seed)
        a, b = (row.get(chosen), row.get(rejected))
        if side == "B":
            a, b = b, a
        return {**row, "response_a": a, "response_b": b, "chosen_label": side}

    def _error(self, problem: str, line: int, fix: str) -> ContentError:
        return ContentError(self.location.path or self.location.text, problem,
                            where=f"line {line}", fix=fix)


class LazyMapping(Mapping[str, V]):
    """A mapping built on first use (a suite's gold: read only when an audit asks for it)."""

    def __init__(self, build: Callable[[], Mapping[str, V]]) -> None:
        self._build = build
        self._data: Mapping[str, V] | None = None

    def _get(self) -> Mapping[str, V]:
        if self._data is None:
            self._data = self._build()
        return self._data

    def __getitem__(self, key: str) -> V:
        return self._get()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._get())

    def __len__(self) -> int:
        return len(self._get())

    def __repr__(self) -> str:
        return repr(dict(self._get()))
