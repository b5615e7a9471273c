"""Read item rows a chunk at a time: JSONL, CSV, Parquet, Arrow, or a Hugging Face dataset.

Where items come from is written in a suite's ``items:`` (or given to
:class:`judgekit.content.ItemSource`), optionally followed by ``?key=value&...`` options::

    items.jsonl | items.csv | items.parquet | items.arrow      a file
    data/                     a folder: a dataset saved by ``datasets.save_to_disk``, or a
                              folder of Parquet / Arrow files
    hf:ORG/NAME               a dataset on the Hugging Face Hub, streamed (needs ``datasets``)
    ...?split=test&revision=v1.0&config=default&seed=7

``split`` picks a split (required where a dataset has several), ``revision`` a Hub branch,
tag or commit (a commit sha makes a run reproducible), ``config`` a Hub configuration, and
``seed`` the seed of the A/B order rule of preference data (:mod:`judgekit.content._items`).

Columnar sources (Parquet, Arrow, datasets) are read with pyarrow, one record batch at a time.
JSONL and CSV are streamed line by line through Python's ``json`` and ``csv`` modules, which
keep today's exact values (a CSV cell ``007`` stays the string ``007``; a key missing from a
JSON line stays missing, so a template that needs it fails) where pyarrow's readers would
infer types and fill in nulls. No reader holds more than one chunk.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from judgekit._errors import ContentError
from judgekit.content._location import Location as Location
from judgekit.content._location import unavailable as unavailable

Row = dict[str, Any]
Rows = list[tuple[int, Row, int]]
"""A chunk: ``(line or row number, row, size in characters)``."""

FILE_FORMATS = (".jsonl", ".csv", ".parquet", ".arrow", ".feather")
OPTIONS = ("split", "revision", "config", "seed")
_DATASET_MARKS = ("dataset_dict.json", "state.json", "dataset_info.json")
_BOM = "\ufeff"


def split_options(spec: str, origin: Path | None = None) -> tuple[str, dict[str, str]]:
    """``(location, options)`` of ``LOCATION?key=value&...``; unknown keys are an error."""
    where, _, query = spec.partition("?")
    options = dict(parse_qsl(query, keep_blank_values=True)) if query else {}
    unknown = sorted(set(options) - set(OPTIONS))
    if unknown:
        raise ContentError(origin, f"unknown items option(s) {unknown} in {spec!r}",
                           where="field 'items'", fix=f"use only {', '.join(OPTIONS)}")
    return where, options


def locate(spec: str, path: Path | None, origin: Path | None = None) -> Location:
    """A :class:`Location` for ``spec``, whose local part (if any) resolved to ``path``.

    Raises:
        ContentError: An unknown option, a seed that is not an integer, an unsupported file.

    """
    where, options = split_options(spec, origin)
    try:
        seed = int(options.get("seed", 0))
    except ValueError:
        raise ContentError(origin, f"items option seed={options['seed']!r} is not an integer",
                           where="field 'items'", fix="write e.g. '?seed=7'") from None
    common = {"text": spec, "split": options.get("split"), "revision": options.get("revision"),
              "config": options.get("config"), "seed": seed}
    if where.startswith("hf:"):
        return Location(kind="hub", name=where.removeprefix("hf:"), **common)  # type: ignore[arg-type]
    if path is None:
        path = Path(where)
    if path.is_dir():
        saved = any((path / m).is_file() for m in _DATASET_MARKS)
        return Location(kind="saved" if saved else "folder", path=path, **common)  # type: ignore[arg-type]
    suffix = path.suffix.lower()
    if suffix not in FILE_FORMATS:
        raise ContentError(origin, f"items {spec!r} is not a .jsonl, .csv, .parquet or .arrow "
                           "file, a dataset folder, or hf:NAME", where="field 'items'",
                           fix="point 'items:' at one of those")
    kind = "arrow" if suffix == ".feather" else suffix[1:]
    return Location(path=path, kind=kind, **common)  # type: ignore[arg-type]


def read_chunks(loc: Location, size: int) -> Iterator[Rows]:
    """The rows of ``loc``, ``size`` at a time (the last chunk may be shorter)."""
    yield from _regroup(read_each(loc, size), size)


def read_each(loc: Location, size: int) -> Iterator[tuple[int, Row, int]]:
    """The rows of ``loc`` one at a time: ``(line, row, characters of its strings)``.

    An error in the file is raised after every row before it was given (``size``: rows per
    record batch of a columnar source).
    """
    if loc.kind == "jsonl":
        yield from _jsonl(_path(loc))
    elif loc.kind == "csv":
        yield from _csv(_path(loc))
    else:
        yield from _columnar(loc, size)


def _path(loc: Location) -> Path:
    assert loc.path is not None
    return loc.path


def _regroup(rows: Iterator[tuple[int, Row, int]], size: int) -> Iterator[Rows]:
    chunk: Rows = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _open(path: Path) -> Any:
    try:
        return open(path, "rb")
    except OSError as exc:
        raise ContentError(path, f"cannot read: {exc.strerror}",
                           fix="check the 'items:' path (relative to the suite file)") from None


def _not_utf8(path: Path, n: int, exc: UnicodeDecodeError) -> ContentError:
    return ContentError(path, f"not valid UTF-8 (byte {exc.start} of the line)",
                        where=f"line {n}", fix="re-save the file as UTF-8")


_decode = json.JSONDecoder().decode
"""What ``json.loads`` calls for a ``str`` without options."""


def _jsonl(path: Path) -> Iterator[tuple[int, Row, int]]:
    with _open(path) as fh:
        for n, raw in enumerate(fh, start=1):
            if n == 1:
                raw = raw.removeprefix(_BOM.encode())
            if not raw.strip():
                continue
            try:  # a line that opens an object: decoded as json.loads(bytes) does, less its
                row = (_decode(raw.decode("utf-8", "surrogatepass"))  # encoding detection
                       if raw[:1] == b"{" else json.loads(raw))
            except UnicodeDecodeError as exc:
                raise _not_utf8(path, n, exc) from None
            except json.JSONDecodeError as exc:
                raise ContentError(path, f"invalid JSON: {exc.msg}", where=f"line {n}",
                                   fix="write one JSON object per line") from None
            if not isinstance(row, dict):
                raise ContentError(path, "expected a JSON object", where=f"line {n}",
                                   fix="write one JSON object per line")
            yield n, row, len(raw)


def _text_lines(path: Path) -> Iterator[str]:
    with _open(path) as fh:
        for n, raw in enumerate(fh, start=1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise _not_utf8(path, n, exc) from None
            yield line.removeprefix(_BOM) if n == 1 else line


def _csv(path: Path) -> Iterator[tuple[int, Row, int]]:
    reader = csv.DictReader(_text_lines(path))
    for row in reader:
        if None in row:
            raise ContentError(path, "row has more cells than the header",
                               where=f"line {reader.line_num}",
                               fix="quote cells that contain commas")
        yield reader.line_num, row, sum(len(v) for v in row.values() if v)


def _columnar(loc: Location, size: int) -> Iterator[tuple[int, Row, int]]:
    n = 0
    for batch in _batches(loc, size):
        for row in batch.to_pylist():
            n += 1
            yield n, row, sum(len(v) for v in row.values() if isinstance(v, str))


def _batches(loc: Location, size: int) -> Iterator[Any]:
    """Arrow record batches (or tables) of at most ``size`` rows."""
    import pyarrow as pa

    if loc.kind in ("saved", "hub"):
        from judgekit.content._hub import dataset_batches

        yield from dataset_batches(loc, size)
        return
    path = _path(loc)
    try:
        if loc.kind == "parquet":
            import pyarrow.parquet as pq

            yield from pq.ParquetFile(path).iter_batches(batch_size=size)
        elif loc.kind == "folder":
            import pyarrow.dataset as ds

            files = sorted(p for p in path.rglob("*") if p.suffix in (".parquet", ".arrow"))
            if not files:
                raise ContentError(path, "folder holds no dataset, .parquet or .arrow files",
                                   fix="save the dataset with datasets' save_to_disk, or put "
                                   "Parquet files in the folder")
            fmt = "parquet" if files[0].suffix == ".parquet" else "ipc"
            yield from ds.dataset([str(f) for f in files], format=fmt).to_batches(
                batch_size=size)
        else:
            with pa.memory_map(str(path)) as source:
                try:
                    reader = pa.ipc.open_file(source)
                    parts = (reader.get_batch(i) for i in range(reader.num_record_batches))
                except pa.ArrowInvalid:  # the streaming IPC format (datasets writes it)
                    parts = iter(pa.ipc.open_stream(source))
                for part in parts:
                    for start in range(0, part.num_rows, size):
                        yield part.slice(start, size)
    except (pa.ArrowException, OSError) as exc:
        raise ContentError(path, f"cannot read as {loc.kind}: {exc}",
                           fix=f"check that the file is a valid {loc.kind} file") from None


def digest(loc: Location) -> str:
    """sha256 of the source's bytes (a folder: of its files' names and digests), streamed.

    A Hub dataset is not downloaded to be hashed: its digest is that of its name, config,
    split and revision (pin ``revision`` to a commit to make that mean the data).
    """
    if loc.kind == "hub":
        return hashlib.sha256(json.dumps(loc.describe(), sort_keys=True).encode()).hexdigest()
    path = _path(loc)
    if not path.is_dir():
        return _file_sha(path)
    h = hashlib.sha256()
    for f in sorted(p for p in path.rglob("*") if p.is_file()):
        h.update(f"{f.relative_to(path).as_posix()}\0{_file_sha(f)}\n".encode())
    return h.hexdigest()


def _file_sha(path: Path) -> str:
    h = hashlib.sha256()
    with _open(path) as fh:
        while block := fh.read(1 << 20):
            h.update(block)
    return h.hexdigest()
