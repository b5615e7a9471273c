"""The one place trust reads labels and gold: through the audit's readers, into plain values.

Everything else in :mod:`judgekit.trust` works on numpy arrays (ids, judge label, confidence,
gold label), so it does not depend on how the audit reads files. This adapter reads labels
(a judgekit run or any JSONL/CSV/Parquet file from another judge, with the audit's
:class:`~judgekit.auditing.LabelColumns` mapping) and gold with the audit's readers, and
builds *stages*: one judge, or several judges / prompt variants as one stage (``a+b``).

A stage's confidence is the probability of its verdict (both orders averaged by the audit's
reader). A several-judge stage averages its members' distributions when every member has one
(as Simulated Annotators do), else takes the share of members that voted for the verdict.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from judgekit._errors import ContentError, JudgekitError
from judgekit.auditing._io import ItemLabel, read_gold, read_labels
from judgekit.auditing._options import LabelColumns
from judgekit.content._files import read_rows
from judgekit.trust._bounds import Array

SLICE_COLUMNS = ("domain", "criterion", "criterion_type", "subset", "category")
"""Gold columns qualification is sliced by, where the gold has them."""


@dataclass(frozen=True)
class LabelSource:
    """Where judge labels come from and how to read them (as ``judgekit audit`` does).

    Attributes:
        paths: Run directories or label files (several: a cascade, in order).
        columns: Column mapping of label files.
        label_map: Judge label -> gold spelling.
        judges: Stage specs: a judge name, ``a+b`` (several judges as one stage), or
            ``panel`` (every judge of a source); default: each source's judge (or all its
            judges as one stage).

    """

    paths: tuple[Path, ...]
    columns: LabelColumns = field(default_factory=LabelColumns)
    label_map: Mapping[str, str] = field(default_factory=dict)
    judges: tuple[str, ...] = ()


@dataclass(frozen=True)
class GoldSource:
    """A gold file and its columns (as ``judgekit audit --gold``).

    Attributes:
        path: JSONL/CSV/Parquet with an id and a human label per item.
        id_col: Item id column.
        label_col: Gold label column (default ``human_label``/``human_score``/...).
        label_map: Gold label -> the judge's spelling.

    """

    path: Path
    id_col: str = "id"
    label_col: str | None = None
    label_map: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Gold:
    """Gold labels by item id, with each item's row (texts, slice columns)."""

    source: str
    labels: dict[str, str]
    fields: dict[str, Mapping[str, Any]]


@dataclass(frozen=True)
class Stage:
    """One stage's labels by item id: ``(label, confidence, distribution)``.

    Attributes:
        name: The judge (``a+b`` for several as one stage).
        source: Where its labels were read.
        items: Item id -> (label or None, confidence or None, label distribution or None).

    """

    name: str
    source: str
    items: dict[str, tuple[str | None, float | None, Mapping[str, float] | None]]

    def arrays(self, ids: Sequence[str]) -> tuple[Array, Array]:
        """Labels (object; None: no label) and confidences (NaN: none) for ``ids``."""
        got = [self.items.get(i, (None, None, None)) for i in ids]
        label = np.array([g[0] for g in got], dtype=object)
        conf = np.array([np.nan if g[1] is None or g[0] is None else g[1] for g in got])
        return label, conf


def read_gold_labels(gold: GoldSource) -> Gold:
    """Read gold with the audit's reader (annotators' columns are not needed here)."""
    gs = read_gold(gold.path, id_col=gold.id_col, label_col=gold.label_col,
                   annotators_col="", label_map=gold.label_map)
    return Gold(gs.source, dict(gs.labels), dict(gs.fields))


def judges_in(path: Path, columns: LabelColumns) -> list[str]:
    """Judges with labels in a run directory or a labels file."""
    if path.is_dir():
        from judgekit.run._rundir import open_run

        return open_run(path).judges()
    col = columns.judge
    names: set[str] = set()
    for _, row in read_rows(path):
        col = col or ("judge" if "judge" in row else "")
        names.add(str(row.get(col) or "judge") if col else "judge")
    return sorted(names)


def read_stages(source: LabelSource, *, confidence: bool = True) -> list[Stage]:
    """The stages, in order (see :class:`LabelSource`).

    Args:
        source: Where and how to read.
        confidence: Require a confidence for each stage (trust needs it; scoring does not).

    Raises:
        ContentError: A judge no source has, or (``confidence``) a one-judge stage without
            any confidence.

    """
    present = {p: judges_in(p, source.columns) for p in source.paths}
    specs: list[tuple[Path, list[str]]] = []
    if not source.judges:
        specs = [(p, names) for p, names in present.items()]
    for spec in source.judges:
        members = spec.split("+")
        where = next((p for p, names in present.items()
                      if spec == "panel" or set(members) <= set(names)), None)
        if where is None:
            every = sorted({n for names in present.values() for n in names})
            raise ContentError(source.paths[0], f"no labels of judge {spec!r}",
                               fix=f"use one of: {', '.join(every)} (a+b: several as one stage)")
        specs.append((where, present[where] if spec == "panel" else members))
    return [_stage(path, members, source, confidence) for path, members in specs]


def _stage(path: Path, members: list[str], source: LabelSource, confidence: bool) -> Stage:
    read = [read_labels(path, source.columns, judge=m, label_map=source.label_map).items
            for m in members]
    if len(read) == 1:
        items = {i: (it.label, it.conf, it.probs) for i, it in read[0].items()}
        if confidence and not any(c is not None for lab, c, _ in items.values()
                                  if lab is not None):
            raise ContentError(path, f"the labels of {members[0]} carry no confidence, and "
                               "one judge alone gives no agreement to use instead",
                               fix="map the probability column (--prob-col), or label with "
                               "several judges or prompt variants and pass --judge a+b+c")
        return Stage(members[0], str(path), items)
    ids = list(dict.fromkeys(i for r in read for i in r))
    return Stage("+".join(members), str(path),
                 {i: _combine([r.get(i) for r in read]) for i in ids})


def _combine(members: list[ItemLabel | None]) -> tuple[str | None, float | None,
                                                         Mapping[str, float] | None]:
    """Several judges' labels of one item -> one label, its confidence and distribution."""
    probs = [m.probs for m in members if m is not None and m.probs]
    if len(probs) == len(members):
        keys = sorted({k for p in probs for k in p})
        mean = {k: sum(p.get(k, 0.0) for p in probs) / len(probs) for k in keys}
        best = max(keys, key=lambda k: (mean[k], -keys.index(k)))
        return best, mean[best], mean
    votes = Counter(m.label for m in members if m is not None and m.label is not None)
    if not votes:
        return None, None, None
    top = max(votes.values())
    label = min(k for k, v in votes.items() if v == top)
    return label, top / len(members), None


def correct(label: Array, gold: Array) -> Array:
    """Whether each label equals the gold (None never does)."""
    return np.array([a is not None and a == b for a, b in zip(label, gold, strict=True)],
                    dtype=bool)


def slice_masks(gold: Gold, ids: Sequence[str],
                columns: Sequence[str] | None = None) -> dict[str, dict[str, Array]]:
    """Column -> value -> mask over ``ids``, for the gold columns that exist (lists: each)."""
    rows = [gold.fields.get(i, {}) for i in ids]
    chosen = [c for c in (SLICE_COLUMNS if columns is None else columns)
              if any(c in r for r in rows)]
    out: dict[str, dict[str, Array]] = {}
    for c in chosen:
        masks: dict[str, Array] = {}
        for n, row in enumerate(rows):
            value = row.get(c)
            for v in value if isinstance(value, list) else [value]:
                if v is not None and v != "":
                    masks.setdefault(str(v), np.zeros(len(rows), dtype=bool))[n] = True
        if len(masks) > 1:
            out[c] = masks
    return out


def item_texts(paths: Sequence[Path], items: Path | None,
               gold: Gold | None, gold_root: Path | None = None) -> dict[str, Mapping[str, Any]]:
    """Each item's row (prompt, responses...): gold rows, a run's suite items, ``items`` file.

    A run whose suite cannot be loaded here (moved, gold root absent) gives no texts; the
    queue then carries ids and verdicts only.
    """
    out: dict[str, Mapping[str, Any]] = dict(gold.fields) if gold else {}
    for path in paths:
        if path.is_dir():
            from judgekit.run._rundir import open_run

            try:
                suite = open_run(path).suite(gold_root)
            except JudgekitError:
                continue
            fields = suite.renderer.fields  # template name -> column
            for it in suite.items:
                out[it.id] = {**it.fields, **{k: it.fields.get(v) for k, v in fields.items()}}
    if items is not None:
        for _, row in read_rows(items):
            if row.get("id") is not None:
                out[str(row["id"])] = row
    return out
