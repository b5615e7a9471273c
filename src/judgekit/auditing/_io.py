"""Read what an audit compares: a judge's labels (a judgekit run or any JSONL/CSV) and gold.

Labels are item-level and in canonical orientation (``A`` = the item's ``response_a``). From a
run they come from the store, both orders combined with :func:`judgekit.item_verdicts`; from a
file, columns are mapped with :class:`LabelColumns`, and rows of one item in several orders
(``AB``/``BA``) are combined the same way. A numeric probability column is the probability the
judge gave to its own verdict; a JSON object column is the full distribution.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from judgekit._errors import ContentError
from judgekit._types import Label
from judgekit.content._files import read_rows
from judgekit.run._aggregate import ItemVerdict, combine_orders, item_verdicts, panel

PAIRWISE = ("A", "B", "tie")
SWAP = {"A": "B", "B": "A"}


@dataclass(frozen=True)
class LabelColumns:
    """Column names of an imported labels file (JSONL, CSV or Parquet).

    Attributes:
        id: Item id (matches the gold file's id column).
        verdict: The judge's label, canonical orientation (``A`` = the item's response_a).
        prob: Probability column: a number (P of the verdict) or a JSON object label -> P.
            Default: ``probs`` when the file has it.
        order: Presentation order (``AB``/``BA``/``single``): rows of one item in both orders
            are combined. Default: ``order`` when the file has it.
        judge: Judge name column (default ``judge`` when present); pick one with ``judge=``.

    """

    id: str = "id"
    verdict: str = "verdict"
    prob: str | None = None
    order: str | None = None
    judge: str | None = None


@dataclass(frozen=True)
class ItemLabel:
    """One item's label from the audited judge.

    Attributes:
        label: The verdict (None: every order errored).
        probs: Label distribution, if known.
        conf: Probability of ``label``, if known.
        consistent: Pairwise, both orders read: did they agree?
        presented: Per order, ``(order, label the judge chose in the position it saw)``.

    """

    label: str | None
    probs: Mapping[str, float] | None
    conf: float | None
    consistent: bool | None
    presented: tuple[tuple[str, str | None], ...] = ()


@dataclass(frozen=True)
class JudgeLabels:
    """A judge's item labels, with where they came from."""

    source: str
    kind: str
    judge: str
    items: dict[str, ItemLabel]
    suite_path: Path | None = None
    notes: list[str] = field(default_factory=list)


def norm_label(value: Any) -> str | None:
    """Spell a label the way judgekit does: strings as-is, ``3.0`` -> ``3``, None stays None."""
    if type(value) is str and value and not value.endswith(".0") and \
            not value[0].isspace() and not value[-1].isspace():
        return value  # the common case, kept fast for million-row files
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).strip()
    if text.endswith(".0") and text[:-2].lstrip("-").isdigit():
        text = text[:-2]
    return text or None


def read_labels(path: Path, columns: LabelColumns | None = None, *, judge: str | None = None,
                label_map: Mapping[str, str] | None = None) -> JudgeLabels:
    """Read a judge's labels from a judgekit run directory or a labels file.

    Args:
        path: Run directory (has ``manifest.json``) or a JSONL/CSV/Parquet file.
        columns: Column mapping for a file.
        judge: Which judge, when there are several; ``panel`` averages them.
        label_map: Judge label -> gold spelling (e.g. ``{"yes": "safe"}``).

    Raises:
        ContentError: Missing columns, several judges without ``judge``, bad values.

    """
    mapping = dict(label_map or {})
    if path.is_dir():
        return _from_run(path, judge, mapping)
    return _from_file(path, columns or LabelColumns(), judge, mapping)


def _pick(names: list[str], judge: str | None, path: Path) -> str | None:
    if judge is None and len(names) > 1:
        raise ContentError(path, f"labels of {len(names)} judges: {', '.join(names)}",
                           fix="choose one with --judge NAME, or --judge panel to average them")
    if judge not in (None, "panel") and judge not in names:
        raise ContentError(path, f"no labels of judge {judge!r}",
                           fix=f"use one of: {', '.join(names)}, or panel")
    return judge


def _item(v: ItemVerdict, labels: list[Label], mapping: dict[str, str]) -> ItemLabel:
    probs = None if v.probs is None else {mapping.get(k, k): p for k, p in v.probs.items()}
    label = None if v.label is None else mapping.get(v.label, v.label)
    conf = probs.get(label) if probs is not None and label is not None else None
    if conf is None and label is not None:
        confs = [lab.extra.get("conf") for lab in labels if lab.label is not None]
        if confs and all(isinstance(c, float) for c in confs) and \
                all(lab.label == v.label for lab in labels if lab.label is not None):
            conf = sum(confs) / len(confs)  # type: ignore[arg-type]
    pres = tuple((lab.order, lab.label_presented) for lab in labels)
    return ItemLabel(label, probs, conf, v.consistent, pres)


def _single(lab: Label, mapping: dict[str, str]) -> ItemLabel:
    label = mapping.get(str(lab.label), str(lab.label))
    probs = None if lab.probs is None else {mapping.get(k, k): p for k, p in lab.probs.items()}
    conf = probs.get(label) if probs is not None else lab.extra.get("conf")
    return ItemLabel(label, probs, conf, None, (("single", lab.label_presented),))


def _group(labels: list[Label]) -> dict[tuple[str, str], list[Label]]:
    groups: dict[tuple[str, str], list[Label]] = defaultdict(list)
    for lab in labels:
        groups[(lab.judge, lab.item_id)].append(lab)
    return groups


def _assemble(labels: list[Label], judge: str | None, path: Path, kind: str,
              mapping: dict[str, str], suite_path: Path | None = None) -> JudgeLabels:
    names = sorted({lab.judge for lab in labels})
    chosen = _pick(names, judge, path)
    groups = _group(labels)
    items: dict[str, ItemLabel] = {}
    if chosen == "panel":
        members: dict[str, list[Label]] = defaultdict(list)
        for (_, item_id), labs in groups.items():
            members[item_id].extend(labs)
        for v in panel(item_verdicts(labels)):
            pres = tuple((m.order, m.label_presented) for m in members[v.item_id])
            items[v.item_id] = replace(_item(v, [], mapping), consistent=None, presented=pres)
        name = "panel(" + ", ".join(names) + ")"
    else:
        name = chosen or (names[0] if names else "judge")
        for (jname, item_id), labs in groups.items():
            if jname != name:
                continue
            if len(labs) == 1 and labs[0].order == "single" and labs[0].label is not None:
                items[item_id] = _single(labs[0], mapping)  # nothing to combine
            else:
                items[item_id] = _item(combine_orders(labs), labs, mapping)
    if not items:
        raise ContentError(path, "no labels", fix="label some items first")
    return JudgeLabels(str(path), kind, name, items, suite_path)


def _from_run(path: Path, judge: str | None, mapping: dict[str, str]) -> JudgeLabels:
    from judgekit.run._rundir import open_run

    run = open_run(path)
    manifest, labels = run.manifest, run.labels()
    suite = manifest.get("suite_path")
    return _assemble(labels, judge, path, "run", mapping, Path(suite) if suite else None)


def _probs(value: Any, path: Path, line: int, column: str) -> tuple[dict[str, float] | None,
                                                                  float | None]:
    if value is None or value == "":
        return None, None
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            raise ContentError(path, f"'{column}' is neither a number nor a JSON object: "
                               f"{value[:40]!r}", where=f"line {line}",
                               fix="write P(verdict) as a number, or {\"A\": 0.7, ...}") from None
    if isinstance(value, dict):
        try:
            return {str(norm_label(k)): float(v) for k, v in value.items()}, None
        except (TypeError, ValueError):
            raise ContentError(path, f"'{column}' has a probability that is not a number: "
                               f"{str(value)[:60]}", where=f"line {line}",
                               fix="write each label's probability as a number") from None
    if isinstance(value, (int, float)) and 0.0 <= float(value) <= 1.0:
        return None, float(value)
    raise ContentError(path, f"'{column}' value {value!r} is not a probability",
                       where=f"line {line}", fix="use a number in [0, 1] or a JSON object")


def _from_file(path: Path, cols: LabelColumns, judge: str | None,
               mapping: dict[str, str]) -> JudgeLabels:
    labels: list[Label] = []
    prob_col, order_col, judge_col = cols.prob, cols.order, cols.judge
    for line, row in read_rows(path):
        if not labels:
            for name in (cols.id, cols.verdict, prob_col, order_col, judge_col):
                if name is not None and name not in row:
                    raise ContentError(path, f"no column '{name}' (columns: "
                                       f"{', '.join(row)})", where=f"line {line}",
                                       fix="map the columns with --id-col, --verdict-col, "
                                       "--prob-col, --order-col, --judge-col")
            prob_col = prob_col or ("probs" if "probs" in row else None)
            order_col = order_col or ("order" if "order" in row else None)
            judge_col = judge_col or ("judge" if "judge" in row else None)
        item_id = norm_label(row.get(cols.id))
        if item_id is None:
            raise ContentError(path, f"row has no '{cols.id}'", where=f"line {line}",
                               fix="give every row an item id")
        verdict = norm_label(row.get(cols.verdict))
        order = str(row.get(order_col) or "single") if order_col else "single"
        if order not in ("AB", "BA", "single"):
            raise ContentError(path, f"order {order!r} is not AB, BA or single",
                               where=f"line {line}", fix="use AB, BA or single")
        probs, conf = _probs(row.get(prob_col), path, line, prob_col) if prob_col else (None,
                                                                                         None)
        presented = SWAP.get(verdict, verdict) if order == "BA" and verdict else verdict
        labels.append(Label(
            item_id=item_id, order=order,  # type: ignore[arg-type]
            judge=str(row.get(judge_col) or "judge") if judge_col else "judge", key="",
            label=verdict, label_presented=presented, probs=probs, score=None, rationale=None,
            error=None if verdict else "no verdict", raw="",
            extra={"conf": conf} if conf is not None else {},
        ))
    return _assemble(labels, judge, path, "file", mapping)
