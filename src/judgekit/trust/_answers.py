"""Read expert answers: CSV/JSONL/Parquet rows (id, label, annotator), or a Label Studio export.

Label Studio's JSON export (a list of tasks, each with ``annotations``) is read directly: the
item id is ``data.item_id`` (as written by the queue), the label the ``choices`` of the
``label`` control, the annotator ``completed_by`` (an e-mail or a user id). Its ``JSON_MIN``
and CSV exports are flat rows: ``--id-col item_id --annotator-col annotator``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from judgekit._errors import ContentError
from judgekit.auditing._columns import norm_label
from judgekit.content._files import read_rows


@dataclass(frozen=True)
class AnswerColumns:
    """Columns of an answers file.

    Attributes:
        id: Item id.
        label: The expert's label.
        annotator: Who answered (default: ``annotator`` when present, else ``expert``).
        label_map: Answer label -> the judge's spelling.

    """

    id: str = "id"
    label: str = "label"
    annotator: str | None = None
    label_map: Mapping[str, str] | None = None


@dataclass(frozen=True)
class Answer:
    """One expert answer."""

    item_id: str
    label: str
    annotator: str


def read_answers(path: Path, columns: AnswerColumns | None = None) -> list[Answer]:
    """Every answer in the file, in file order (empty labels skipped).

    Raises:
        ContentError: A missing column, a row without id, an unreadable file.

    """
    cols = columns or AnswerColumns()
    mapping = dict(cols.label_map or {})
    rows = _json_rows(path) if path.suffix.lower() == ".json" else read_rows(path)
    out: list[Answer] = []
    ann_col = cols.annotator
    for n, (line, row) in enumerate(rows):
        if n == 0:
            ann_col = ann_col or ("annotator" if "annotator" in row else None)
            for name in (cols.id, cols.label, ann_col):
                if name is not None and name not in row:
                    raise ContentError(path, f"no column '{name}' (columns: {', '.join(row)})",
                                       where=f"line {line}", fix="map the columns with "
                                       "--id-col, --label-col, --annotator-col")
        item = norm_label(row.get(cols.id))
        if item is None:
            raise ContentError(path, f"answer has no '{cols.id}'", where=f"line {line}",
                               fix="give every answer the item id from the queue")
        label = norm_label(row.get(cols.label))
        if label is None:
            continue
        who = str(row.get(ann_col) or "expert") if ann_col else "expert"
        out.append(Answer(item, mapping.get(label, label), who))
    if not out:
        raise ContentError(path, "no answers", fix="export the experts' answers first")
    return out


def _json_rows(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """Rows of a Label Studio JSON export (full or JSON_MIN)."""
    try:
        tasks = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ContentError(path, f"not a readable JSON export: {exc}",
                           fix="export from Label Studio as JSON, or give CSV/JSONL") from None
    if not isinstance(tasks, list):
        raise ContentError(path, "a JSON export must be a list of tasks",
                           fix="export from Label Studio as JSON or JSON_MIN")
    for n, task in enumerate(tasks, 1):
        if not isinstance(task, dict):
            continue
        if "annotations" not in task:
            yield n, task  # JSON_MIN: already flat
            continue
        data = task.get("data") or {}
        for ann in task["annotations"] or []:
            if ann.get("was_cancelled"):
                continue
            choices = [c for r in ann.get("result") or [] if r.get("type") == "choices"
                       for c in (r.get("value") or {}).get("choices") or []]
            who = ann.get("completed_by")
            if isinstance(who, dict):
                who = who.get("email") or who.get("id")
            yield n, {"id": data.get("item_id", task.get("id")),
                      "label": choices[0] if choices else None,
                      "annotator": f"ls-user-{who}" if isinstance(who, int) else who}
