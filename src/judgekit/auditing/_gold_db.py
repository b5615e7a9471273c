"""What a gold file read in blocks looks up by item id, in a private temporary SQLite database.

- :meth:`GoldDb.seen`/:meth:`GoldDb.add`: the ids of the gold rows read so far, to find a
  duplicate id in a later block (the row it names is the first at fault, as in a file read
  whole);
- :class:`SuiteTable`: the run suite's items as the columns an audit reads
  (:class:`._suite_items.SuiteFields`: slice values, response lengths, response models) with
  each item's position among the items, looked up a chunk of gold ids at a time (the gold's
  order is not the suite's).

SQLite's private temporary database (``connect("")``) lives in a file it removes when the
connection closes; its page cache is bounded (:data:`CACHE_KIB`), so memory does not grow
with the gold or the suite. Ids cross into SQLite as one JSON array per block
(``json_each``): no Python loop per row.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

if TYPE_CHECKING:
    from judgekit.auditing._suite_items import SuiteFields, Wanted
    from judgekit.content._suite import LoadedSuite

CACHE_KIB = 8192
"""SQLite's page cache for the temporary database, in KiB."""


class GoldDb:
    """A private temporary database: the gold ids seen, and the suite's columns."""

    def __init__(self) -> None:
        self.db = sqlite3.connect("")
        for pragma in (f"cache_size = -{CACHE_KIB}", "journal_mode = OFF",
                       "synchronous = OFF"):
            self.db.execute(f"PRAGMA {pragma}")
        self.reset()

    def reset(self) -> None:
        """Forget the ids seen (a file read again from its start)."""
        self.db.execute("DROP TABLE IF EXISTS seen")
        self.db.execute("CREATE TABLE seen (id TEXT PRIMARY KEY) WITHOUT ROWID")
        self.any = False

    def seen(self, ids: Any) -> int | None:
        """The first of these ids (pyarrow strings, null: none) already added, None if none."""
        if not self.any:
            return None
        got = self.db.execute("SELECT min(key) FROM json_each(?) WHERE value IN seen",
                              (json.dumps(ids.to_pylist()),)).fetchone()[0]
        return None if got is None else int(got)

    def add(self, ids: Any) -> None:
        """Add these ids (pyarrow strings, unique, none added before)."""
        if len(ids):
            self.db.execute("INSERT OR IGNORE INTO seen SELECT value FROM json_each(?)",
                            (json.dumps(ids.to_pylist()),))
            self.any = True

    def close(self) -> None:
        """Close the database (SQLite removes its file)."""
        self.db.close()


class SuiteTable:
    """The run suite's items as the columns :class:`._suite_items.Wanted` names, by id.

    Args:
        db: The temporary database.
        suite: The suite (its items are read once, a chunk at a time).
        wanted: The columns read.

    """

    def __init__(self, db: GoldDb, suite: LoadedSuite, wanted: Wanted) -> None:
        from judgekit.auditing._suite_items import SuiteFields, chunks, items_fields

        self.db, self.suite = db.db, suite
        self.keys = [*(("tags", n) for n in wanted.tags),
                     *(("lengths", n) for n in wanted.lengths),
                     *(("models", n) for n in wanted.models)]
        names = "".join(f", c{i}" for i in range(len(self.keys)))
        self.db.execute("DROP TABLE IF EXISTS suite")
        self.db.execute(f"CREATE TABLE suite (id TEXT PRIMARY KEY, pos INTEGER{names}) "
                        "WITHOUT ROWID")
        insert = f"INSERT INTO suite VALUES (?, ?{', ?' * len(self.keys)})"
        pos = 0
        for part in chunks(suite.items):
            got, _ = items_fields(part, suite.path, wanted)
            cols = [_values(got.columns[key]) for key in self.keys]
            self.db.executemany(insert, zip(got.ids.to_pylist(),
                                            range(pos, pos + got.num_rows), *cols,
                                            strict=True))
            pos += got.num_rows
        self.rows = SuiteFields(suite.items, suite.path, pa.array([], pa.string()), {})
        """Every item, to read the rows the report shows (:meth:`SuiteFields.raw_rows`)."""

    def fields(self, ids: Sequence[str]) -> tuple[SuiteFields, Any]:
        """The items among ``ids`` as columns, and their ids: the ``extra`` of :func:`._join.join`.

        Each row's position among all the items is in the columns' ``place``.
        """
        from judgekit.auditing._suite_items import SuiteFields

        got = self.db.execute("SELECT s.* FROM json_each(?) AS j JOIN suite AS s "
                              "ON s.id = j.value", (json.dumps(list(ids)),)).fetchall()
        cols = list(zip(*got, strict=True)) or [()] * (len(self.keys) + 2)
        found = pa.array(cols[0], pa.string())
        columns = {key: _column(key[0], values)
                   for key, values in zip(self.keys, cols[2:], strict=True)}
        out = SuiteFields(self.suite.items, self.suite.path, found, columns)
        out.place = np.asarray(cols[1], dtype=np.int64)
        return out, found


def _values(arr: Any) -> list[Any]:
    """A column's values as SQLite stores them (dictionary-encoded text decoded)."""
    if pa.types.is_dictionary(arr.type):
        arr = arr.dictionary_decode()
    return list(arr.to_pylist())


def _column(kind: str, values: Sequence[Any]) -> Any:
    """A column as :class:`._suite_items.SuiteFields` holds it."""
    if kind == "lengths":
        return pa.array(values, pa.int32())
    return pa.array(values, pa.string()).dictionary_encode()
