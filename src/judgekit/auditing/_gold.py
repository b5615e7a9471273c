"""Read gold: one human label per item, and the individual annotators' labels where given.

The default schema is the gold sets' (``../shared/gold/INDEX.md``): ``id``; ``human_label``
(pairwise A/B/tie) or ``human_score`` (rubric); optionally ``annotator_labels`` /
``annotator_scores`` (a list per item, any length). Every other column is kept for slices
(``domain``, ``criterion_type``...), lengths (``response_a``/``response_b``) and response models.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from judgekit._errors import ContentError
from judgekit.auditing._io import norm_label
from judgekit.content._files import read_rows

LABEL_COLUMNS = ("human_label", "human_score", "gold", "label")
ANNOTATOR_COLUMNS = ("annotator_labels", "annotator_scores", "annotators")


@dataclass(frozen=True)
class GoldSet:
    """Gold labels by item id.

    Attributes:
        source: Where they came from.
        label_column: The column read as the gold label.
        annotators_column: The column read as individual annotators' labels, if any.
        labels: Gold label per item id.
        annotators: Individual labels per item id (items without them are absent).
        fields: Every column of each item's row, by id.
        slices: Slice columns the source suggests (a suite's ``slices:``).

    """

    source: str
    label_column: str
    annotators_column: str | None
    labels: dict[str, str]
    annotators: dict[str, list[str]] = field(default_factory=dict)
    fields: dict[str, Mapping[str, Any]] = field(default_factory=dict)
    slices: list[str] = field(default_factory=list)


def read_gold(path: Path, *, id_col: str = "id", label_col: str | None = None,
              annotators_col: str | None = None,
              label_map: Mapping[str, str] | None = None) -> GoldSet:
    """Read a gold file (JSONL, CSV or Parquet).

    Args:
        path: The file.
        id_col: Item id column.
        label_col: Gold label column (default: the first of ``human_label``, ``human_score``,
            ``gold``, ``label`` the file has).
        annotators_col: List-of-labels column (default: ``annotator_labels`` or
            ``annotator_scores`` when present; ``""`` to ignore annotators).
        label_map: Gold (and annotator) label -> the spelling the judge uses.

    Raises:
        ContentError: No id or label column, duplicate ids, bad annotator lists.

    """
    mapping = dict(label_map or {})
    labels: dict[str, str] = {}
    annotators: dict[str, list[str]] = {}
    fields: dict[str, Mapping[str, Any]] = {}
    col, ann_col = label_col, annotators_col
    first = True
    for line, row in read_rows(path):
        if first:
            col = col or next((c for c in LABEL_COLUMNS if c in row), None)
            if col is None or col not in row or id_col not in row:
                missing = id_col if id_col not in row else (label_col or "human_label")
                raise ContentError(path, f"no column '{missing}' (columns: {', '.join(row)})",
                                   where=f"line {line}",
                                   fix="name the columns with --gold-id-col / --gold-col")
            if ann_col is None:
                ann_col = next((c for c in ANNOTATOR_COLUMNS if c in row), None)
            first = False
        item_id = norm_label(row.get(id_col))
        if item_id is None:
            raise ContentError(path, f"row has no '{id_col}'", where=f"line {line}",
                               fix="give every gold row an item id")
        if item_id in labels:
            raise ContentError(path, f"duplicate item id {item_id!r}", where=f"line {line}",
                               fix="keep one gold row per item")
        gold = norm_label(row.get(col))  # type: ignore[arg-type]
        if gold is None:
            continue
        labels[item_id] = mapping.get(gold, gold)
        fields[item_id] = row
        if ann_col:
            anns = row.get(ann_col)
            if isinstance(anns, str) and anns.startswith("["):
                try:
                    anns = json.loads(anns)
                except json.JSONDecodeError as exc:
                    raise ContentError(path, f"'{ann_col}' of item {item_id!r} is not a JSON "
                                       f"list: {exc.msg}", where=f"line {line}",
                                       fix='write it as ["A", "B", ...]') from None
            if isinstance(anns, list):
                spelled = [norm_label(a) for a in anns]
                annotators[item_id] = [mapping.get(a, a) for a in spelled if a is not None]
            elif anns not in (None, ""):
                raise ContentError(path, f"'{ann_col}' of item {item_id!r} is not a list",
                                   where=f"line {line}",
                                   fix="write the annotators' labels as a list")
    if not labels:
        raise ContentError(path, "no gold labels", fix="check the gold label column")
    return GoldSet(str(path), str(col), ann_col or None, labels, annotators, fields)


def gold_from_suite(suite_path: Path, gold_root: Path | None = None) -> GoldSet:
    """The gold a run's suite carries (its ``gold:`` and ``annotators:`` columns)."""
    from judgekit.content._suite import load_suite

    loaded = load_suite(str(suite_path), gold_root=gold_root)
    if not loaded.gold:
        raise ContentError(suite_path, "the suite's items carry no gold labels",
                           fix="pass --gold FILE")
    return GoldSet(
        source=f"suite {loaded.ref}", label_column=str(loaded.spec.gold),
        annotators_column=loaded.spec.annotators, labels=dict(loaded.gold),
        annotators={k: list(v) for k, v in loaded.annotators.items()},
        fields={it.id: it.fields for it in loaded.items}, slices=list(loaded.spec.slices),
    )


def suite_fields(suite_path: Path | None,
                 gold_root: Path | None = None) -> dict[str, Mapping[str, Any]]:
    """Item rows of a run's suite (for response lengths), or empty if it cannot be loaded."""
    if suite_path is None or not suite_path.is_file():
        return {}
    from judgekit._errors import JudgekitError
    from judgekit.content._suite import load_suite

    try:
        loaded = load_suite(str(suite_path), gold_root=gold_root)
    except JudgekitError:
        return {}
    return {it.id: it.fields for it in loaded.items}
