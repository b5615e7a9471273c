"""Writing a run's items snapshot: the items' texts as Parquet rows, put in place atomically.

:class:`Plan` says where and how (it pickles: the process that prepares a run's batches
writes the snapshot from the chunks of items it reads anyway, :func:`teed`, saving one read
of every item). Rows are written a row group (:data:`ROWS` items) at a time to a temporary
file, made durable, then renamed into place: a killed run leaves no half snapshot.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from judgekit._arrow import strings
from judgekit._types import Item
from judgekit.content._turns import FIELD

COLUMNS = ("id", "prompt", "conversation", "response_a", "response_b", "gold")
ROWS = 16_384
"""Items per Parquet row group (held in memory as Arrow columns until written)."""
_PART = 4096
"""Rows held as Python values before they are encoded into a part of the row group."""

C = TypeVar("C", bound=Sequence[Item])
Gold = Callable[[Item], tuple[str | None, list[str] | None]]
"""An item's gold label and annotators (:attr:`LoadedSuite.item_gold`)."""


@dataclass(frozen=True)
class Plan:
    """Where a snapshot goes and how its rows are made.

    Attributes:
        target: The snapshot file.
        columns: Template field (``prompt``, ``response_a``, ``response_b``) -> field name.
        gold: An item's gold label (None: the suite has none).

    """

    target: Path
    columns: Mapping[str, str]
    gold: Callable[[Item], str | None] | None

    @property
    def tmp(self) -> Path:
        """Where the rows are written before the file is complete."""
        return self.target.with_name(f".{self.target.name}.tmp")


def gold_of(item_gold: Gold) -> Callable[[Item], str | None]:
    """The gold label half of ``item_gold`` (pickles when ``item_gold`` does)."""
    return partial(_label, item_gold)


def _label(item_gold: Gold, item: Item) -> str | None:
    return item_gold(item)[0]


def row_of(item: Item, columns: Mapping[str, str],
           gold: Callable[[Item], str | None] | None) -> dict[str, Any]:
    """One item's snapshot row."""
    f = item.fields
    conversation = f.get(FIELD)
    return {"id": item.id, "prompt": _text(f.get(columns["prompt"])),
            "conversation": json.dumps(conversation, ensure_ascii=False)
            if isinstance(conversation, list) and conversation else None,
            "response_a": _text(f.get(columns["response_a"])),
            "response_b": _text(f.get(columns["response_b"])),
            "gold": gold(item) if gold is not None else None}


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def write(plan: Plan, chunks: Iterable[Sequence[Item]]) -> None:
    """Write the snapshot of every item of ``chunks`` (OSError: nothing is left behind)."""
    for _ in teed(plan, chunks):
        pass


def teed(plan: Plan, chunks: Iterable[C]) -> Iterator[C]:
    """``chunks`` as they come, writing their snapshot on the way (in place after the last).

    Closed before the end (or failing), it removes what it wrote.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pa.schema([(name, pa.string()) for name in COLUMNS])
    rows: list[dict[str, Any]] = []  # at most _PART, then encoded into a part of the group
    parts: list[Any] = []
    held = 0
    plan.target.parent.mkdir(exist_ok=True)
    try:
        with pq.ParquetWriter(str(plan.tmp), schema) as writer:
            for chunk in chunks:
                for item in chunk:
                    rows.append(row_of(item, plan.columns, plan.gold))
                    held += 1
                    if len(rows) == _PART or held == ROWS:
                        parts.append(_batch(rows, schema))
                        rows.clear()
                    if held == ROWS:
                        writer.write_table(pa.Table.from_batches(parts, schema=schema))
                        parts.clear()
                        held = 0
                yield chunk
            if rows:
                parts.append(_batch(rows, schema))
            if parts:
                writer.write_table(pa.Table.from_batches(parts, schema=schema))
        with open(plan.tmp, "rb+") as fh:  # durable before it is renamed into place
            os.fsync(fh.fileno())
        plan.tmp.replace(plan.target)
    finally:
        with contextlib.suppress(OSError):
            plan.tmp.unlink(missing_ok=True)


def _batch(rows: list[dict[str, Any]], schema: Any) -> Any:
    import pyarrow as pa

    return pa.RecordBatch.from_arrays([strings([row[name] for row in rows])
                                       for name in COLUMNS], schema=schema)
