"""A gold file read a block of rows at a time, each block a :class:`._table.Table`.

The rows, their values and their line numbers are those :func:`._read.read_table` reads from
the whole file; only a block is held at a time. JSON Lines are cut at line ends into blocks of
about :data:`BLOCK` bytes, each read by pyarrow as :func:`._read.read_table` reads a whole file
(:func:`._read._jsonl`); Parquet is read a record batch at a time. A file pyarrow does not read
exactly as ``read_rows`` does (a block with a column whose type changes, an invalid line, bad
UTF-8), and every CSV (a record may hold line breaks: no cut at a line end is safe), is read by
``read_rows`` itself, :data:`ROWS` rows at a time (:func:`._read.row_blocks`): the first kind
raises :class:`Fallback` at the block that needs it, and the caller reads again by rows.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa

from judgekit.auditing._read import (
    _THREADS,
    _jsonl,
    is_utf8,
    parquet_error,
    parquet_table,
    row_blocks,
)
from judgekit.auditing._table import Table

BLOCK = 1 << 22
"""Bytes of JSON Lines per block (a longer line makes its block longer)."""
ROWS = 4096
"""Rows per block read by ``read_rows`` (rows may hold long texts) or from Parquet."""


class Fallback(Exception):
    """A block pyarrow does not read as ``read_rows`` does: read the file by rows."""


def gold_blocks(path: Path, by_rows: bool) -> Iterator[Table]:
    """The file's rows a block at a time, in file order.

    Args:
        path: A JSON Lines, CSV or Parquet file (another suffix or a missing file: the error
            ``read_rows`` words).
        by_rows: Read every block with ``read_rows`` (after a :class:`Fallback`).

    Raises:
        Fallback: A JSON Lines block only ``read_rows`` reads exactly (not with ``by_rows``).
        ContentError: An unreadable Parquet file.

    """
    suffix = path.suffix.lower()
    if suffix == ".parquet" and path.exists():
        yield from _parquet(path)
    elif suffix == ".jsonl" and path.exists() and not by_rows:
        yield from _jsonl_blocks(path)
    else:
        yield from row_blocks(path, ROWS)


def _parquet(path: Path) -> Iterator[Table]:
    import pyarrow.parquet as pq

    try:
        batches = pq.ParquetFile(path).iter_batches(batch_size=ROWS, use_threads=_THREADS)
        before = 0
        for batch in batches:
            yield parquet_table(path, pa.Table.from_batches([batch]), before)
            before += batch.num_rows
    except (pa.ArrowException, OSError) as exc:
        raise parquet_error(path, exc) from None


def _jsonl_blocks(path: Path) -> Iterator[Table]:
    """JSON Lines cut at line ends, each read by pyarrow (see the module)."""
    lines = 0
    for data in _cut(path):
        table = _jsonl(path, data) if is_utf8(data) else None
        if table is None:
            raise Fallback
        table.origin.offset = lines
        lines += data.count(b"\n")
        yield table


def _cut(path: Path) -> Iterator[bytes]:
    """The file's bytes in blocks that end at a line end (the first without a UTF-8 BOM)."""
    with open(path, "rb") as fh:
        buf = fh.read(BLOCK).removeprefix(b"\xef\xbb\xbf")
        while buf:
            more = fh.read(BLOCK)
            if not more:
                yield buf
                return
            cut = buf.rfind(b"\n") + 1
            if cut:
                yield buf[:cut]
                buf = buf[cut:] + more
            else:  # a line longer than a block
                buf += more
