"""A store's labels as Arrow record batches, read in chunks, with no :class:`Label` objects.

What :meth:`judgekit.run.Store.labels` gives one object at a time, column by column: the
rows come in the same order (item, order, then judge name), each chunk of ``fetchmany`` rows
becomes one :class:`pyarrow.RecordBatch`, and the packed distributions are decoded all at
once per chunk (one ``numpy.frombuffer`` over the chunk's blobs). Columns (:data:`FIELDS`):

- ``item_id``, ``label``, ``error``: strings; ``order`` and ``judge``: dictionary-encoded
  strings (the orders ``AB``, ``BA``, ``single``; every judge of the store, sorted);
- ``presented``: ``label_presented`` as :meth:`Store.labels` decodes it;
- ``probs``: a struct with one float64 field per label any distribution of the store names
  (sorted): null where the label has no distribution, a null field where its distribution
  does not name that label;
- ``score``: float64; ``extra``: the label's extra fields as JSON text (null when none).

The raw output and rationale are left out (they are read from the completions, and an audit
does not use them): :meth:`Store.labels` gives them.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from judgekit._errors import RunError
from judgekit.run._codec import ORDERS, SWAP, presented_out

FIELDS = ("item_id", "order", "judge", "label", "presented", "probs", "score", "error",
          "extra")
"""The columns of every batch, in order."""
_SELECT = ("SELECT l.item_id, l.ord, l.judge, l.label, l.presented, l.space, l.probs, l.score, "
           "l.error, l.extra FROM labels l")

_SCAN_CACHE = -2048
"""SQLite page cache while the labels are read (KiB when negative), not the store's 32 MiB."""


def label_batches(db: sqlite3.Connection, path: Path, where: tuple[str, tuple[object, ...]],
                  names: Mapping[int, str], spaces: Mapping[int, tuple[str, ...]],
                  batch: int) -> Iterator[pa.RecordBatch]:
    """The labels ``where`` selects as record batches of at most ``batch`` rows.

    Args:
        db: The store's connection.
        path: The store file (errors name it).
        where: The ``WHERE`` clause (or ``""``) and its arguments.
        names: Judge id -> name, every judge of the store.
        spaces: Label-space id -> its labels, every space of the store.
        batch: Rows per batch (at least 1).

    Raises:
        RunError: A stored distribution that does not fit its label space.

    """
    if batch < 1:
        raise ValueError(f"batch must be at least 1, not {batch}")
    judges = sorted(names.values())
    rank = {i: judges.index(n) for i, n in names.items()}
    ids = sorted(names)  # SQLite sorts the primary key by id; the labels go by judge name
    by = "l.judge" if [rank[i] for i in ids] == sorted(rank.values()) else \
        "CASE l.judge " + " ".join(f"WHEN {i} THEN {rank[i]}" for i in ids) + " END"
    sql = f"{_SELECT}{where[0]} ORDER BY l.item_id, l.ord, {by}"
    schema = _schema(judges, spaces)
    ranks = np.full(max(ids, default=0) + 1, -1, dtype=np.int32)
    ranks[list(rank)] = list(rank.values())
    cache = db.execute("PRAGMA cache_size").fetchone()[0]
    db.execute(f"PRAGMA cache_size={_SCAN_CACHE}")  # one pass in key order: few pages reused
    try:
        cursor = db.execute(sql, where[1])
        while rows := cursor.fetchmany(batch):
            yield _batch(rows, schema, ranks, spaces, path)
    finally:
        db.execute(f"PRAGMA cache_size={int(cache)}")


def _schema(judges: list[str], spaces: Mapping[int, tuple[str, ...]]) -> pa.Schema:
    fields = sorted({n for s in spaces.values() for n in s})
    text = pa.dictionary(pa.int32(), pa.string())
    return pa.schema([
        ("item_id", pa.string()), ("order", text), ("judge", text), ("label", pa.string()),
        ("presented", pa.string()), ("probs", pa.struct([(f, pa.float64()) for f in fields])),
        ("score", pa.float64()), ("error", pa.string()), ("extra", pa.string()),
    ], metadata={"judges": json.dumps(judges)})


def _batch(rows: list[tuple[Any, ...]], schema: pa.Schema, ranks: np.ndarray,
           spaces: Mapping[int, tuple[str, ...]], path: Path) -> pa.RecordBatch:
    item, ord_, jid, label, presented, space, probs, score, error, extra = zip(*rows,
                                                                              strict=True)
    judges = json.loads(schema.metadata[b"judges"])
    order = pa.DictionaryArray.from_arrays(pa.array(np.array(ord_, dtype=np.int32)),
                                           pa.array(ORDERS, pa.string()))
    judge = pa.DictionaryArray.from_arrays(pa.array(ranks[np.array(jid, dtype=np.int64)]),
                                           pa.array(judges, pa.string()))
    labels = pa.array(label, pa.string())
    return pa.RecordBatch.from_arrays([
        pa.array(item, pa.string()), order, judge, labels,
        _presented(labels, order, label, ord_, presented),
        _probs(schema.field("probs").type, space, probs, spaces, path),
        pa.array(score, pa.float64()), pa.array(error, pa.string()),
        pa.array(extra, pa.string()),
    ], schema=schema)


def _presented(labels: pa.Array, order: pa.DictionaryArray, label: tuple[Any, ...],
               ord_: tuple[Any, ...], stored: tuple[Any, ...]) -> pa.Array:
    """``label_presented``: the label, A and B swapped on ``BA`` rows, unless stored apart."""
    ba = pc.equal(order.indices, ORDERS.index("BA"))
    shown = labels
    for name, other in SWAP.items():
        shown = pc.if_else(pc.and_(ba, pc.equal(labels, name)), other, shown)
    apart = [i for i, s in enumerate(stored) if s is not None]
    if not apart:
        return shown.cast(pa.string())
    values = shown.to_pylist()
    for i in apart:
        values[i] = presented_out(label[i], stored[i], ORDERS[ord_[i]])
    return pa.array(values, pa.string())


def _probs(kind: pa.StructType, space: tuple[Any, ...], probs: tuple[Any, ...],
           spaces: Mapping[int, tuple[str, ...]], path: Path) -> pa.Array:
    """The distributions as a struct column (one field per label; see the module)."""
    n = len(probs)
    at = np.array([i for i, b in enumerate(probs) if b is not None], dtype=np.int64)
    blobs = [probs[i] for i in at.tolist()]
    sizes = np.array([len(b) for b in blobs], dtype=np.int64)
    if (sizes % 8).any():
        raise _damaged(path, "is not a whole number of float64 values")
    sizes //= 8
    flat = np.frombuffer(b"".join(blobs), dtype="<f8")
    starts = np.cumsum(sizes) - sizes
    sid = np.array([-1 if space[i] is None else space[i] for i in at.tolist()], dtype=np.int64)
    field = {kind.field(k).name: k for k in range(kind.num_fields)}
    values = np.zeros((kind.num_fields, n))
    named = np.zeros((kind.num_fields, n), dtype=bool)
    for s in np.unique(sid).tolist():
        these = sid == s
        labels = spaces.get(s)
        if labels is None or (sizes[these] != len(labels)).any():
            raise _damaged(path, f"does not fit its label space {s}")
        for k, name in enumerate(labels):
            values[field[name], at[these]] = flat[starts[these] + k]
            named[field[name], at[these]] = True
    has = np.zeros(n, dtype=bool)
    has[at] = True
    if not kind.num_fields:
        return pa.array([{} if h else None for h in has.tolist()], kind)
    return pa.StructArray.from_arrays(
        [pa.array(values[k], pa.float64(), mask=~named[k]) for k in range(kind.num_fields)],
        fields=list(kind), mask=pa.array(~has))


def _damaged(path: Path, problem: str) -> RunError:
    return RunError(f"{path}: a stored distribution {problem}; the store is damaged (judge "
                    "the run again into a new run directory)")
