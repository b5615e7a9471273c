"""Read content files (YAML, JSONL, CSV, Parquet) into values, or fail naming file, line, fix."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from judgekit._errors import ContentError
from judgekit._types import Item

M = TypeVar("M", bound=BaseModel)

MAX_ITEM_CHARS = 1_000_000
"""Largest item row accepted (characters); far beyond any judge's context window."""

ITEM_FORMATS = (".jsonl", ".csv", ".parquet")

BOM = "\ufeff"
"""The UTF-8 byte-order mark Excel and Notepad write at the start of a file; dropped on read."""


class DuplicateKey(yaml.constructor.ConstructorError):
    """A key written twice in one YAML mapping (YAML would silently keep the last one)."""


class _UniqueKeyLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` that refuses a key written twice in one mapping.

    Keys brought in by a ``<<:`` merge may be overridden (that is what merging is for); two
    keys written in the mapping itself may not.
    """

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=True)
            try:
                first = seen.get(key)
            except TypeError:  # an unhashable key: the base class says what is wrong
                continue
            if first is not None:
                raise DuplicateKey(None, None, f"duplicate key {key!r} (first on line {first})",
                                   key_node.start_mark)
            seen[key] = key_node.start_mark.line + 1
        return super().construct_mapping(node, deep=deep)


def read_text(path: Path) -> str:
    """Read a UTF-8 text file (a leading BOM dropped), with errors naming the file and byte."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ContentError(path, "file not found", fix="check the path and its spelling") from None
    except OSError as exc:
        raise ContentError(path, f"cannot read: {exc.strerror}") from None
    try:
        return data.decode("utf-8").removeprefix(BOM)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ContentError(
            path,
            f"not valid UTF-8 (byte {exc.start}: {data[exc.start:exc.start + 1]!r})",
            where=f"line {line}",
            fix="re-save the file as UTF-8",
        ) from None


def load_model(path: Path, model: type[M]) -> M:
    """Load a YAML file into a pydantic model; errors name the line and field.

    A key written twice in one mapping is an error (plain YAML keeps the last one silently).
    """
    text = read_text(path)
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # a SafeLoader: no arbitrary objects
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else None
        problem = getattr(exc, "problem", None) or str(exc)
        fix = ("keep one of them: YAML would silently use the last"
               if isinstance(exc, DuplicateKey) else
               "fix the YAML syntax (indentation, quotes, colons)")
        raise ContentError(path, f"invalid YAML: {problem}", where=where, fix=fix) from None
    if not isinstance(data, dict):
        raise ContentError(path, f"expected a mapping of fields, got {type(data).__name__}",
                           fix=f"write the {model.__name__} fields as 'key: value' lines")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = [p for p in err["loc"]]
        field = ".".join(str(p) if isinstance(p, str) else f"[{p}]" for p in loc).replace(".[", "[")
        line = _line_of(text, loc)
        where = f"line {line}, field '{field}'" if line else f"field '{field}'" if field else None
        raise ContentError(path, _describe(err, model), where=where, fix=_fix(err, model)) from None


def _describe(err: Any, model: type[BaseModel]) -> str:
    if err["type"] == "extra_forbidden":
        return f"unknown key '{err['loc'][-1]}'"
    if err["type"] == "missing":
        return f"required field '{err['loc'][-1]}' is missing"
    return str(err["msg"])


def _fix(err: Any, model: type[BaseModel]) -> str:
    if err["type"] == "extra_forbidden":
        return f"remove it or correct its spelling; {model.__name__} fields are: " + ", ".join(
            model.model_fields
        ) if len(err["loc"]) == 1 else "remove it or correct its spelling"
    if err["type"] == "missing":
        return f"add '{err['loc'][-1]}:' to the file"
    return "correct the value"


def _line_of(text: str, loc: list[Any]) -> int | None:
    """Best-effort 1-based line of the YAML node at ``loc``."""
    try:
        node: Any = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return None
    line = None
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            match = [(k, v) for k, v in node.value if k.value == part]
            if not match:
                return line
            key, node = match[0]
            line = key.start_mark.line + 1
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(
            node.value
        ):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            return line
    return line


def read_rows(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield ``(line, row)`` from a JSONL, CSV or Parquet file."""
    suffix = path.suffix.lower()
    if suffix not in ITEM_FORMATS:
        raise ContentError(path, f"unsupported items format '{suffix}'",
                           fix="use a .jsonl, .csv or .parquet file")
    if not path.exists():  # a missing local file is a broken reference, not absent data
        raise ContentError(path, "file not found",
                           fix="check the 'items:' path (relative to the suite file)")
    if suffix == ".parquet":
        yield from _parquet_rows(path)
        return
    text = read_text(path)
    if suffix == ".csv":
        for n, row in enumerate(csv.DictReader(io.StringIO(text)), start=2):
            if None in row:
                raise ContentError(path, "row has more cells than the header", where=f"line {n}",
                                   fix="quote cells that contain commas")
            yield n, dict(row)
        return
    for n, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            row = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise ContentError(path, f"invalid JSON: {exc.msg}", where=f"line {n}",
                               fix="write one JSON object per line") from None
        if not isinstance(row, dict):
            raise ContentError(path, "expected a JSON object", where=f"line {n}",
                               fix="write one JSON object per line")
        yield n, row


def _parquet_rows(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    try:
        import pyarrow.parquet as pq
    except ModuleNotFoundError:
        raise ContentError(path, "reading Parquet needs pyarrow",
                           fix="pip install 'judgekit[parquet]'") from None
    table = pq.read_table(path)
    yield from enumerate(table.to_pylist(), start=1)


def read_items(path: Path, id_column: str = "id") -> list[Item]:
    """Read items: unique non-empty ids, no oversized row, at least one item."""
    items: list[Item] = []
    seen: dict[str, int] = {}
    for line, row in read_rows(path):
        size = len(raw_json := json.dumps(row, ensure_ascii=False, default=str))
        if size > MAX_ITEM_CHARS:
            raise ContentError(
                path, f"item is {size / 1e6:.1f} M characters, over the {MAX_ITEM_CHARS:,} limit",
                where=f"line {line}", fix="shorten or split the item; no judge reads that much")
        del raw_json
        item_id = row.get(id_column)
        if item_id is None or str(item_id).strip() == "":
            raise ContentError(path, f"item has no '{id_column}'", where=f"line {line}",
                               fix=f"give every item a unique '{id_column}'")
        item_id = str(item_id)
        if item_id in seen:
            raise ContentError(path, f"duplicate item id {item_id!r} (first on line "
                               f"{seen[item_id]})", where=f"line {line}",
                               fix="make every item id unique")
        seen[item_id] = line
        items.append(Item(id=item_id, fields=row, line=line))
    if not items:
        raise ContentError(path, "no items", fix="add at least one item (one JSON object per line)")
    return items
