"""A streamed audit's gold, a chunk of items at a time.

Two sources, one interface (:class:`GoldChunks`): a gold file, read a block at a time
(:mod:`._blocks`; its rows, their lines and its errors are the gold reader's, :mod:`._gold`)
with the run suite's fields looked up by id in a temporary database (:mod:`._gold_db`: the
file's order is not the suite's); or the run suite's own gold, read a chunk of items at a
time straight from the suite's item source (:func:`._suite_items.items_fields`). Neither is
held whole.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from judgekit._errors import ContentError
from judgekit.auditing._audit_gold import SuiteOnce, choose, gold_rule
from judgekit.auditing._options import AuditOptions, GoldColumns
from judgekit.auditing._suite_items import Wanted

if TYPE_CHECKING:
    from judgekit.auditing._gold import GoldTable
    from judgekit.auditing._suite_items import SuiteFields
    from judgekit.content._suite import LoadedSuite

Chunk = tuple["GoldTable", "tuple[SuiteFields, Any] | None"]
"""A chunk of gold items, and the suite's items (with their ids) to look their fields up in."""


class GoldChunks:
    """The gold, a chunk at a time, and what the report says of it.

    Attributes:
        source: The gold's name in the report.
        label_column: The column read as the gold label.
        annotators_column: The annotators' column, if any.
        slices: The slice columns chosen.
        models: The response-model columns chosen.
        items: Gold items (counted as the chunks are read).
        whole_extra: Whether the suite's fields are one table for every chunk (read a row's
            fields at the end), or the chunk's own (read them while the chunk is there).

    """

    source: str
    label_column: str
    annotators_column: str | None
    slices: list[str]
    models: Sequence[str]
    items: int
    whole_extra: bool

    def chunks(self, size: int, lookup: bool = True) -> Iterator[Chunk]:
        """The gold items, about ``size`` at a time, in gold order.

        ``lookup``: look up the suite's fields of each chunk's items (a pass that reads
        labels only does not need them).
        """
        raise NotImplementedError

    def suite_rows(self) -> SuiteFields | None:
        """The suite's items whose rows a chunk's fields name by position, if one table."""
        return None

    def close(self) -> None:
        """Let go of what the chunks were read from."""


class FileChunks(GoldChunks):
    """A gold file's items, read a block at a time, ``size`` at a time.

    The file is read once to check it (every error of :func:`._gold.gold_from_file`, the
    first in the file first; the ids in a temporary database find a duplicate across
    blocks) and read again for each pass over the chunks; the run suite's fields go to the
    same database and each chunk looks its items up there (:mod:`._gold_db`). Neither the
    file nor the suite is held whole. Call :meth:`close` at the end (the database's file).

    Args:
        path: The gold file.
        columns: Its columns.
        suite: The run suite (its fields are read when it loads; None: no fields read).
        opts: The audit's options (slice and response-model columns).

    Raises:
        ContentError: As :func:`._gold.gold_from_file` words it.

    """

    def __init__(self, path: Path, columns: GoldColumns | None, suite: SuiteOnce | None,
                 opts: AuditOptions) -> None:
        from judgekit.auditing._blocks import Fallback
        from judgekit.auditing._gold_db import GoldDb, SuiteTable

        self.path, self.columns = path, columns or GoldColumns()
        self.db, self.by_rows = GoldDb(), False
        try:
            try:
                keys = self._check()
            except Fallback:  # a block pyarrow does not read exactly: the file by rows
                self.by_rows = True
                self.db.reset()
                keys = self._check()
            self.source, self.whole_extra = str(path), True
            self.label_column, self.annotators_column = self.names
            loaded = None if suite is None else suite.loaded()
            first = [] if loaded is None else list(loaded.items[0].fields)
            self.slices, self.models = choose({*keys, *first}, [], opts)
            self.suite = None if loaded is None else SuiteTable(
                self.db, loaded, Wanted(tuple(self.slices), tuple(self.models)))
        except BaseException:
            self.db.close()
            raise

    def _check(self) -> list[str]:
        """Read the file once: its errors, its columns, its gold items; the first row's keys."""
        from judgekit.auditing._blocks import gold_blocks
        from judgekit.auditing._gold import first_keys, gold_names, gold_part, no_gold_labels

        self.items, keys, names = 0, None, None
        for t in gold_blocks(self.path, self.by_rows):
            if names is None:  # the file's first row names the columns
                if not t.num_rows and t.pending is None:
                    continue
                names = self.names = gold_names(t, self.columns)
            ids, _, _, rows = gold_part(t, self.columns, names, self.db.seen)
            self.db.add(ids)
            if keys is None and len(ids):
                keys = first_keys(rows)
            self.items += len(ids)
        if keys is None:
            raise no_gold_labels(self.path)
        return keys

    def chunks(self, size: int, lookup: bool = True) -> Iterator[Chunk]:
        """The gold items, ``size`` at a time, in file order."""
        from judgekit.auditing._blocks import gold_blocks
        from judgekit.auditing._gold import GoldTable, gold_part

        label, ann = self.names
        for t in gold_blocks(self.path, self.by_rows):
            if not t.num_rows:
                continue
            ids, gold, anns, rows = gold_part(t, self.columns, self.names)
            for lo in range(0, len(ids), size):
                n = min(size, len(ids) - lo)
                part = ids.slice(lo, n)
                yield GoldTable(self.source, label, ann, part, gold.slice(lo, n),
                                None if anns is None else anns.slice(lo, n),
                                rows.take(np.arange(lo, lo + n)), [], []), \
                    self.suite.fields(part.to_pylist()) if lookup and self.suite else None

    def suite_rows(self) -> SuiteFields | None:
        """The run suite's items, to read the rows the report shows."""
        return None if self.suite is None else self.suite.rows

    def close(self) -> None:
        """Remove the temporary database."""
        self.db.close()


class SuiteChunks(GoldChunks):
    """The gold a run's suite carries, read a chunk of items at a time.

    Raises:
        ContentError: The suite names no gold column (:meth:`chunks`: no item has a label).

    """

    def __init__(self, suite: LoadedSuite, opts: AuditOptions) -> None:
        self.suite = suite
        if not suite.spec.gold:
            raise self.no_gold()
        self.first = list(suite.items[0].fields)
        self.slices, self.models = choose(set(self.first), list(suite.spec.slices), opts)
        self.source = f"suite {suite.ref}"
        self.label_column = str(suite.spec.gold)
        self.annotators_column = suite.spec.annotators
        self.items, self.whole_extra = 0, False

    def no_gold(self) -> ContentError:
        """The error of a suite without gold labels."""
        return ContentError(self.suite.path, "the suite's items carry no gold labels",
                            fix="pass --gold FILE")

    def chunks(self, size: int, lookup: bool = True) -> Iterator[Chunk]:
        """The items with a gold label, about ``size`` at a time, in item order."""
        from judgekit.auditing._gold import GoldTable
        from judgekit.auditing._suite_items import Wanted, chunks, empty_rows, items_fields

        suite = self.suite
        wanted = Wanted(tuple(self.slices), tuple(self.models))
        self.items = 0
        each = (item for part in chunks(suite.items) for item in part)
        while group := list(islice(each, size)):
            fields, got = items_fields(group, suite.path, wanted, gold_rule(suite))
            if got is None or not fields.num_rows:
                continue
            self.items += fields.num_rows
            yield GoldTable(self.source, self.label_column, self.annotators_column,
                            fields.ids, got.label, got.annotators,
                            empty_rows(suite.path, fields.num_rows), self.first,
                            list(suite.spec.slices)), (fields, fields.ids)
