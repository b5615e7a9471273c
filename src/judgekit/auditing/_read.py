"""Read a labels or gold file into a :class:`~judgekit.auditing._table.Table`.

What a file holds is what :func:`judgekit.content._files.read_rows` reads: UTF-8 (a leading
BOM dropped); CSV with a header, every cell a string, a short row padded with None, a longer
row an error; JSON Lines, one object per line, blank lines skipped; Parquet. pyarrow reads the
file whenever it reads it exactly so (checked: the same header and rows, no control character
``json`` refuses, a valid table). The rest (a CSV row shorter or longer than the header, a
JSON Lines column whose type changes from row to row, an invalid line, bad UTF-8) is read by
``read_rows`` itself, and its rows become the same kind of table. Either way the file is read
by one reader, once.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from itertools import islice
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from judgekit._errors import ContentError
from judgekit.auditing._prefetch import InCaller, in_background
from judgekit.auditing._table import Origin, Table, line_spans, rows_table

_JSON_BLOCK = 1 << 24
"""Bytes per pyarrow JSON block: a line must fit in one (gold rows with long texts do)."""
_SCAN = 1 << 22
"""Bytes scanned at a time for control characters."""
_THREADS = False
"""pyarrow's reader threads can abort the interpreter as it exits soon after a read ("terminate
called without an active exception": 3 of 300 runs of a CSV read and exit, 0 of 300 without
threads); on a few cores they gain little (1,000,000 gold rows: 1.3 s vs 1.4 s)."""


def read_table(path: Path) -> Table:
    """Read a labels or gold file (JSONL, CSV or Parquet) into a table.

    Raises:
        ContentError: An unsupported format, a missing or unreadable file, bad UTF-8.

    """
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".jsonl", ".parquet") or not path.exists():
        _no_import_here()
        from judgekit.content._files import read_rows  # here: judgekit.content takes 0.2 s

        next(read_rows(path))  # words the error: unsupported format, file not found
        return _by_read_rows(path)  # a format read_rows reads and pyarrow is not asked to
    if suffix == ".parquet":
        import pyarrow.parquet as pq

        try:
            table = pq.read_table(path, use_threads=_THREADS)
        except (pa.ArrowException, OSError) as exc:
            raise parquet_error(path, exc) from None
        return parquet_table(path, table)
    try:
        data = path.read_bytes()
    except OSError:
        return _by_read_rows(path)  # words the error
    if not is_utf8(data):
        return _by_read_rows(path)  # its rows up to the line it names
    data = data.removeprefix(b"\xef\xbb\xbf")
    table = _csv(path, data) if suffix == ".csv" else _jsonl(path, data)
    return table if table is not None else _by_read_rows(path)


def _by_read_rows(path: Path) -> Table:
    """The file read by ``read_rows``: its rows up to the first error it raises."""
    _no_import_here()
    return next(row_blocks(path, None))


def row_blocks(path: Path, size: int | None) -> Iterator[Table]:
    """The file read by ``read_rows``, ``size`` rows at a time (None: all in one table).

    The last table holds the error ``read_rows`` raised (:attr:`Table.pending`), if any;
    a file without rows gives one table without rows.
    """
    from judgekit.content._files import read_rows  # here: judgekit.content takes 0.2 s

    each, count = read_rows(path), 0
    while True:
        rows: list[dict[str, Any]] = []
        lines: list[int] = []
        pending = None
        try:
            for line, row in each if size is None else islice(each, size):
                rows.append(row)
                lines.append(line)
        except ContentError as exc:
            pending = exc
        except csv.Error as exc:
            pending = ContentError(path, f"not valid CSV: {exc}",
                                   where=f"line {count + len(lines) + 2}",
                                   fix="quote cells that hold commas, quotes or line breaks")
        if rows or pending is not None or not count:
            yield rows_table(rows, lines, path, pending)
        count += len(rows)
        if pending is not None or size is None or len(rows) < size:
            return


def parquet_table(path: Path, table: Any, offset: int = 0) -> Table:
    """A Parquet file's rows read by pyarrow (``offset``: rows of the file before them)."""
    return Table(path, table, list(table.column_names), np.arange(table.num_rows),
                 Origin("parquet", table=table, offset=offset))


def parquet_error(path: Path, exc: Exception) -> ContentError:
    """The error of a Parquet file pyarrow cannot read."""
    return ContentError(path, f"cannot read this Parquet file: {exc}",
                        fix="write it again with pyarrow or pandas")


def is_utf8(data: bytes) -> bool:
    """Whether ``data`` is valid UTF-8 (only bytes past ASCII are decoded to tell)."""
    if int(np.frombuffer(data, np.uint8).max(initial=0)) < 0x80:
        return True
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _no_import_here() -> None:
    """Refuse to go on in a prefetch thread (what follows imports; see :mod:`._prefetch`)."""
    if in_background():
        raise InCaller


def preload(path: Path) -> None:
    """Import what :func:`read_table` imports to read ``path``, before a thread reads it."""
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        import pyarrow.parquet
    elif suffix == ".csv":
        import pyarrow.csv
    elif suffix == ".jsonl":
        import pyarrow.json  # noqa: F401


def _csv(path: Path, data: bytes) -> Table | None:
    """The CSV read by pyarrow, or None when only ``read_rows`` reads it as judgekit does."""
    import pyarrow.csv as pcsv

    header = next(csv.reader(io.StringIO(data.decode("utf-8"), newline="")), None)
    if header is None:  # an empty file: no rows
        return rows_table([], [], path)
    odd: list[Any] = []

    def skip(row: Any) -> str:
        odd.append(row)
        return "skip"

    try:
        table = pcsv.read_csv(
            pa.BufferReader(data), read_options=pcsv.ReadOptions(use_threads=_THREADS),
            parse_options=pcsv.ParseOptions(newlines_in_values=True,
                                            invalid_row_handler=skip),
            convert_options=pcsv.ConvertOptions(
                column_types={h: pa.string() for h in header}, strings_can_be_null=False,
                quoted_strings_can_be_null=False),
        )
    except pa.ArrowException:
        return None
    if odd or table.column_names != header:
        return None  # rows shorter or longer than the header, a header read otherwise
    return Table(path, table, list(dict.fromkeys(header)), np.arange(table.num_rows),
                 Origin("csv", table=table, data=data))


def _jsonl(path: Path, data: bytes) -> Table | None:
    """The JSON Lines read by pyarrow, or None when only ``read_rows`` reads it so."""
    import pyarrow.json as pjson

    u8 = np.frombuffer(data, np.uint8)
    controls = sum(int(np.count_nonzero(u8[at:at + _SCAN] < 0x20))  # no n-byte temporary
                   for at in range(0, len(u8), _SCAN))
    breaks = data.count(b"\n")
    if controls != breaks and not (data.count(b"\r") == data.count(b"\r\n") == controls - breaks):
        return None  # a control byte json.loads refuses in strings
    lines = breaks + (not data.endswith(b"\n"))
    plain = bool(data) and data.count(b"\n{") + data.startswith(b"{") == lines
    spans = None if plain else line_spans(data, u8)  # plain: line k is row k, nothing to find
    if spans is not None and not len(spans):
        return rows_table([], [], path)
    try:
        head = (0, data.find(b"\n") % (len(data) + 1)) if spans is None else spans[0, 1:]
        first = json.loads(data[head[0]:head[1]])
        options = pjson.ReadOptions(block_size=_JSON_BLOCK, use_threads=_THREADS)
        table = pjson.read_json(pa.BufferReader(data), read_options=options)
        dates = [f.name for f in table.schema if pa.types.is_timestamp(f.type)]
        if dates:  # pyarrow reads date-like strings as timestamps: read them again as text
            schema = pa.schema([pa.field(name, pa.string()) for name in dates])
            table = pjson.read_json(pa.BufferReader(data), read_options=options,
                                    parse_options=pjson.ParseOptions(
                                        explicit_schema=schema,
                                        unexpected_field_behavior="infer"))
        table.validate()  # pyarrow 26 builds a broken list from [null, "z"] after a row without it
    except (ValueError, pa.ArrowException):
        return None  # invalid JSON, a column whose type changes, a broken column
    if not isinstance(first, dict) or table.num_rows != (lines if spans is None else len(spans)):
        return None  # a line that is no object, or two objects on one line
    return Table(path, table, list(first), np.arange(table.num_rows),
                 Origin("jsonl", data=data, spans=spans))
