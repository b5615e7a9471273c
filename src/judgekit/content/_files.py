"""Read content files (YAML, JSONL, CSV, Parquet) into values, or fail naming file, line, fix."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from judgekit._errors import ContentError
from judgekit._types import Item
from judgekit.content._items import CHUNK, ItemSource
from judgekit.content._items import MAX_ITEM_CHARS as MAX_ITEM_CHARS
from judgekit.content._sources import locate, read_each

M = TypeVar("M", bound=BaseModel)

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
    """Yield ``(line, row)`` from a JSONL, CSV or Parquet file, streamed.

    The rows are read by :mod:`judgekit.content._sources` (the readers suites use); an error
    in the file is raised after every row before it.
    """
    _check_file(path)
    for line, row, _ in read_each(locate(str(path), path), CHUNK):
        yield line, row


def _check_file(path: Path) -> None:
    suffix = path.suffix.lower()
    if suffix not in ITEM_FORMATS:
        raise ContentError(path, f"unsupported items format '{suffix}'",
                           fix="use a .jsonl, .csv or .parquet file")
    if not path.exists():  # a missing local file is a broken reference, not absent data
        raise ContentError(path, "file not found",
                           fix="check the 'items:' path (relative to the suite file)")


def read_items(path: Path, id_column: str = "id") -> list[Item]:
    """Read items: unique non-empty ids, no oversized row, at least one item."""
    _check_file(path)
    source = ItemSource(locate(str(path), path), fields={"id": id_column})
    source.check()
    return list(source)
