"""A streamed audit's gold, a chunk of items at a time.

Two sources, one interface (:class:`GoldChunks`): a gold file, read whole (its rows, their
lines and the duplicate-id check are the gold reader's, :mod:`._gold`) and then cut into
chunks, with the run suite's fields read whole beside it (the file's order is not the
suite's); or the run suite's own gold, read a chunk of items at a time straight from the
suite's item source (:func:`._suite_items.items_fields`), never held whole.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace
from itertools import islice
from typing import TYPE_CHECKING, Any

import numpy as np

from judgekit._errors import ContentError
from judgekit.auditing._audit_gold import Gold, choose, gold_rule
from judgekit.auditing._options import AuditOptions

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

    def chunks(self, size: int) -> Iterator[Chunk]:
        """The gold items, about ``size`` at a time, in gold order."""
        raise NotImplementedError


class FileChunks(GoldChunks):
    """A gold file's items (read whole by the gold reader), ``size`` at a time."""

    def __init__(self, got: Gold) -> None:
        t = got.table
        self.got = got
        self.source, self.label_column, self.annotators_column = \
            t.source, t.label_column, t.annotators_column
        self.slices, self.models = got.slices, got.models
        self.items, self.whole_extra = len(t.ids), True

    def chunks(self, size: int) -> Iterator[Chunk]:
        """The gold items, ``size`` at a time, in file order."""
        gold, extra = self.got.table, self.got.extra
        at = None if extra is None else _rows_in(gold.ids, extra[1])
        for lo in range(0, self.items, size):
            n = min(size, self.items - lo)
            yield replace(gold, ids=gold.ids.slice(lo, n), label=gold.label.slice(lo, n),
                          annotators=None if gold.annotators is None else
                          gold.annotators.slice(lo, n),
                          rows=gold.rows.take(np.arange(lo, lo + n))), \
                None if extra is None or at is None else (extra[0], at[lo:lo + n])


def _rows_in(ids: Any, among: Any) -> Any:
    """Each id's row among ``among`` (-1: none), looked up once for every chunk."""
    import pyarrow.compute as pc

    from judgekit.auditing._columns import scalar, to_numpy

    pos = pc.index_in(ids, value_set=among)
    return to_numpy(pc.fill_null(pos, scalar(-1, pos.type)), np.int64)


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

    def chunks(self, size: int) -> Iterator[Chunk]:
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
