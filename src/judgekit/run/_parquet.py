"""Write export records as Parquet, a chunk at a time, with a schema fixed up front.

Every column has a declared type (a column that is null in the first rows is still a
``double`` or a ``string``), so DuckDB, polars and pandas read any export the same way:
``probs`` is a struct with one field per label of the run (``probs.A``), ``errors`` a list
of strings, ``extra`` (checker results, free-form) a JSON string, and a column whose first
value is a list of chat messages (a multi-turn prompt) a list of ``{role, content}`` structs.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from pathlib import Path
from typing import Any

_FLOAT = ("score", "confidence", "p_a_better", "margin", "p_chosen_better")
ROWS = 65_536
"""Rows per Parquet row group (and per chunk held in memory)."""


def write_parquet(records: Iterable[dict[str, Any]], path: Path, labels: Sequence[str]) -> int:
    """Write ``records`` to ``path`` as Parquet; the number written.

    Args:
        records: Export records (dicts with the same keys).
        path: The file to write.
        labels: The run's labels (the fields of the ``probs`` struct).

    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = iter(records)
    written = 0
    writer: Any = None
    schema: Any = None
    try:
        while chunk := list(islice(rows, ROWS)):
            if writer is None:
                schema = _schema(pa, chunk[0], labels)
                writer = pq.ParquetWriter(str(path), schema)
            writer.write_table(pa.Table.from_pylist(list(_cells(chunk)), schema=schema))
            written += len(chunk)
        if writer is None:  # nothing to write: an empty file with the labels schema
            schema = _schema(pa, dict.fromkeys(["id", "order", "judge", "verdict", "probs"]),
                             labels)
            writer = pq.ParquetWriter(str(path), schema)
    finally:
        if writer is not None:
            writer.close()
    return written


def _schema(pa: Any, first: dict[str, Any], labels: Sequence[str]) -> Any:
    def kind(name: str) -> Any:
        value = first[name]
        if isinstance(value, list) and value and all(isinstance(m, dict) for m in value):
            keys = list(dict.fromkeys(k for m in value for k in m))  # chat messages
            return pa.list_(pa.struct([(k, pa.string()) for k in keys]))
        if name == "probs":
            return pa.struct([(lab, pa.float64()) for lab in labels])
        if name in _FLOAT:
            return pa.float64()
        if name == "consistent":
            return pa.bool_()
        if name == "orders":
            return pa.int64()
        if name == "errors":
            return pa.list_(pa.string())
        return pa.string()

    return pa.schema([(name, kind(name)) for name in first])


def _cells(chunk: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for rec in chunk:
        if "extra" in rec:
            rec = {**rec, "extra": json.dumps(rec["extra"], ensure_ascii=False)}
        yield rec
