"""Audit a judge against human gold: one call from labels + gold to a versioned report.

``audit(labels, gold)`` reads both (:mod:`judgekit.auditing._io`, :mod:`judgekit.auditing._gold`),
joins them (:mod:`judgekit.auditing._join`) and assembles the report. Label and gold files are
read and joined column by column with pyarrow when they can be (:mod:`judgekit.auditing._columns`,
:mod:`judgekit.auditing._fastjoin`; same data, a million labels in seconds), else row by row. The
report holds coverage, agreement with 95% bootstrap CIs, confusion matrix, the human ceiling,
slices, bias and calibration. The report's JSON layout is documented in
``docs/report-schema.md``; :data:`SCHEMA_VERSION` changes whenever a field is renamed or
removed. Missing data never fails an audit: a section that cannot be computed says
``"available": false`` and why.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from judgekit._errors import ContentError
from judgekit._version import __version__
from judgekit.auditing._bias import length, position, self_preference
from judgekit.auditing._boot import Bootstrap
from judgekit.auditing._calib import calibration
from judgekit.auditing._ceiling import ceiling, loo_stats
from judgekit.auditing._gold import GoldSet, gold_from_suite, read_gold, suite_fields
from judgekit.auditing._io import JudgeLabels, LabelColumns, read_labels
from judgekit.auditing._join import AuditData, join
from judgekit.auditing._stats import agreement_stats, confusion, label_distribution

SCHEMA = "judgekit.audit-report"
SCHEMA_VERSION = 1

DEFAULT_SLICES = ("domain", "criterion", "criterion_type", "subset", "category", "tags")
MODEL_COLUMNS = (("model_a", "model_b"), ("response_a_model", "response_b_model"))
HEADLINE = {
    "pairwise": ("agreement", "agreement_no_ties", "cohen_kappa"),
    "ordinal": ("weighted_kappa_quadratic", "spearman", "agreement"),
    "binary": ("macro_f1", "cohen_kappa", "agreement"),
    "categorical": ("agreement", "cohen_kappa", "macro_f1"),
}


@dataclass
class AuditReport:
    """An audit's result: ``data`` is exactly what ``report.json`` holds."""

    data: dict[str, Any]

    def headline(self) -> list[tuple[str, dict[str, Any]]]:
        """The scale's main figures, then the human ceiling where there is one."""
        agree = self.data["agreement"]
        rows = [(name, agree[name]) for name in HEADLINE[self.data["scale"]] if name in agree]
        ceil = self.data["ceiling"]
        for name in ("loo_human", "loo_judge", "fleiss_kappa"):
            if ceil.get(name):
                rows.append((name, ceil[name]))
        return rows

    def to_json(self) -> str:
        """The report as indented JSON."""
        return json.dumps(self.data, indent=2, ensure_ascii=False, allow_nan=False)

    def write(self, out: Path) -> dict[str, Path]:
        """Write ``report.json`` and ``report.html`` into ``out``; return their paths."""
        from judgekit.auditing._html import render_html

        out.mkdir(parents=True, exist_ok=True)
        paths = {"json": out / "report.json", "html": out / "report.html"}
        paths["json"].write_text(self.to_json() + "\n", encoding="utf-8")
        paths["html"].write_text(render_html(self.data), encoding="utf-8")
        return paths


def audit(
    labels: Path | JudgeLabels,
    gold: Path | GoldSet | None = None,
    *,
    columns: LabelColumns | None = None,
    judge: str | None = None,
    label_map: Mapping[str, str] | None = None,
    gold_id_col: str = "id",
    gold_col: str | None = None,
    annotators_col: str | None = None,
    gold_map: Mapping[str, str] | None = None,
    slices: Sequence[str] | None = None,
    scale: str | None = None,
    replicates: int = 1000,
    seed: int = 0,
    judge_family: str | None = None,
    model_columns: Sequence[str] | None = None,
    gold_root: Path | None = None,
    max_slice_values: int = 30,
) -> AuditReport:
    """Audit a judge's labels against gold.

    Args:
        labels: A judgekit run directory, a labels file (JSONL/CSV/Parquet), or read labels.
        gold: A gold file, or read gold. Default (run directories only): the run suite's gold.
        columns: Column mapping of a labels file.
        judge: Which judge of several (``panel``: their mean).
        label_map: Judge label -> gold spelling.
        gold_id_col: Gold item id column.
        gold_col: Gold label column (default ``human_label`` / ``human_score``).
        annotators_col: Annotators' labels column (default ``annotator_labels`` /
            ``annotator_scores``; ``""`` ignores them).
        gold_map: Gold and annotator label -> the judge's spelling.
        slices: Columns to slice by (default: domain, criterion... where present).
        scale: Force ``pairwise``, ``ordinal``, ``binary`` or ``categorical``.
        replicates: Bootstrap replicates (0: no intervals).
        seed: Bootstrap seed.
        judge_family: The judge's model family (e.g. ``gpt-4``), for self-preference.
        model_columns: Gold columns naming the response models (two for pairwise).
        gold_root: Where a run suite's ``gold:`` paths point.
        max_slice_values: Most values shown per slice column (the largest ones).

    Raises:
        ContentError: Unreadable labels or gold, or no item in common.

    """
    fast = None
    if not isinstance(labels, JudgeLabels) and isinstance(gold, (str, Path)):
        fast = _columnar(Path(labels), Path(gold), columns or LabelColumns(), judge,
                         label_map or {}, gold_id_col, gold_col, annotators_col, gold_map or {},
                         slices, scale, judge_family, model_columns)
    if fast is not None:
        data, inputs = fast
    else:
        data, inputs = _by_rows(
            labels, gold, columns=columns, judge=judge, label_map=label_map,
            gold_id_col=gold_id_col, gold_col=gold_col, annotators_col=annotators_col,
            gold_map=gold_map, slices=slices, scale=scale, judge_family=judge_family,
            model_columns=model_columns, gold_root=gold_root)
    report = build_report(data, Bootstrap(replicates, seed), judge_family=judge_family,
                          max_slice_values=max_slice_values)
    report.data["inputs"] = inputs
    return report


def _choose(keys: set[str], suite_slices: Sequence[str], slices: Sequence[str] | None,
            model_columns: Sequence[str] | None) -> tuple[list[str], Sequence[str]]:
    """Slice columns and response-model columns: as given, else the ones the gold has."""
    chosen = list(slices) if slices is not None else \
        [c for c in (*DEFAULT_SLICES, *suite_slices) if c in keys]
    if model_columns is None:
        pair = next((p for p in MODEL_COLUMNS if set(p) <= keys), None)
        model_columns = pair or (("response_model",) if "response_model" in keys else ())
    return list(dict.fromkeys(chosen)), model_columns


def _inputs(labels: tuple[str, str, str], gold: tuple[str, str, str | None],
            slices: list[str], model_columns: Sequence[str]) -> dict[str, Any]:
    return {
        "labels": dict(zip(("source", "kind", "judge"), labels, strict=True)),
        "gold": dict(zip(("source", "label_column", "annotators_column"), gold, strict=True)),
        "slices": slices, "model_columns": list(model_columns),
    }


def _columnar(labels: Path, gold: Path, columns: LabelColumns, judge: str | None,
              label_map: Mapping[str, str], gold_id_col: str, gold_col: str | None,
              annotators_col: str | None, gold_map: Mapping[str, str],
              slices: Sequence[str] | None, scale: str | None, judge_family: str | None,
              model_columns: Sequence[str] | None) -> tuple[AuditData, dict[str, Any]] | None:
    """Labels and gold files read and joined column by column (pyarrow), or None.

    None whenever the row readers must read them (no pyarrow, a run directory, anything the
    columnar readers cannot reproduce exactly, any error to report): same data either way.
    """
    if labels.is_dir():
        return None
    try:
        import pyarrow as pa
    except ModuleNotFoundError:
        return None
    from judgekit.auditing._columns import column_gold, column_labels
    from judgekit.auditing._fastjoin import join_columns

    try:
        lab = column_labels(labels, columns, judge, label_map)
        gs = None if lab is None else column_gold(
            gold, id_col=gold_id_col, label_col=gold_col, annotators_col=annotators_col,
            mapping=gold_map)
        if lab is None or gs is None:
            return None
        chosen, models = _choose(set(gs.first_keys), (), slices, model_columns)
        data = join_columns(lab, gs, slices=chosen, scale=scale, judge_family=judge_family,
                            model_columns=models)
    except pa.ArrowException:
        return None
    if data is None:
        return None
    return data, _inputs((lab.source, "file", lab.judge),
                         (gs.source, gs.label_column, gs.annotators_column), chosen, models)


def _by_rows(labels: Path | JudgeLabels, gold: Path | GoldSet | None, *,
             columns: LabelColumns | None, judge: str | None,
             label_map: Mapping[str, str] | None, gold_id_col: str, gold_col: str | None,
             annotators_col: str | None, gold_map: Mapping[str, str] | None,
             slices: Sequence[str] | None, scale: str | None, judge_family: str | None,
             model_columns: Sequence[str] | None,
             gold_root: Path | None) -> tuple[AuditData, dict[str, Any]]:
    """Labels and gold read row by row (every input kind; the reference for the fast path)."""
    lab = labels if isinstance(labels, JudgeLabels) else read_labels(
        Path(labels), columns, judge=judge, label_map=label_map)
    if isinstance(gold, GoldSet):
        gs = gold
    elif gold is not None:
        gs = read_gold(Path(gold), id_col=gold_id_col, label_col=gold_col,
                       annotators_col=annotators_col, label_map=gold_map)
    elif lab.suite_path is not None:
        gs = gold_from_suite(lab.suite_path, gold_root)
    else:
        raise ContentError(lab.source, "no gold to audit against",
                           fix="pass --gold FILE (JSONL/CSV with id and human_label)")
    # a suite's gold already holds its item rows: load the suite again only beside other gold
    extra = suite_fields(lab.suite_path, gold_root) \
        if lab.kind == "run" and gold is not None else {}
    first = next(iter(gs.fields.values()), {})
    keys = set(first) | set(next(iter(extra.values()), {}))
    chosen, models = _choose(keys, gs.slices, slices, model_columns)
    data = join(lab, gs, extra_fields=extra, slices=chosen, scale=scale,
                judge_family=judge_family, model_columns=models)
    if not data.ids:
        raise ContentError(lab.source, f"no item id in common with the gold ({gs.source})",
                           fix="check that both use the same ids (map with --id-col)")
    return data, _inputs((lab.source, lab.kind, lab.judge),
                         (gs.source, gs.label_column, gs.annotators_column), chosen, models)


def build_report(d: AuditData, boot: Bootstrap, *, judge_family: str | None = None,
                 max_slice_values: int = 30) -> AuditReport:
    """Compute every section of the report from joined data."""
    t0 = time.perf_counter()
    cov = dict(d.coverage)
    notes = []
    if cov.get("judge_errors"):
        notes.append(f"{cov['judge_errors']} matched items have no readable judge verdict; "
                     "they are left out of every statistic")
    if cov.get("gold_without_label"):
        notes.append(f"{cov['gold_without_label']} gold items have no judge label")
    if cov.get("labels_without_gold"):
        notes.append(f"{cov['labels_without_gold']} labeled items are not in the gold")
    data: dict[str, Any] = {
        "schema": SCHEMA, "schema_version": SCHEMA_VERSION, "judgekit": __version__,
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "scale": d.scale, "labels": d.space, "coverage": cov,
        "bootstrap": {"replicates": boot.replicates, "seed": boot.seed, "confidence": 0.95,
                      "method": "percentile; items resampled with replacement"},
        "agreement": agreement_stats(d, boot),
        "confusion": confusion(d),
        "distribution": label_distribution(d),
        "ceiling": ceiling(d, boot),
        "slices": _slices(d, boot, max_slice_values),
        "bias": {"position": position(d, boot), "length": length(d, boot),
                 "self_preference": self_preference(d, boot, judge_family)},
        "calibration": calibration(d, boot),
        "notes": notes,
    }
    data["seconds"] = round(time.perf_counter() - t0, 3)
    return AuditReport(data)


def _slices(d: AuditData, boot: Bootstrap, limit: int) -> list[dict[str, Any]]:
    out = []
    for s, (column, masks) in enumerate(d.slices.items()):
        sizes = sorted(((int(m.sum()), v) for v, m in masks.items()), key=lambda x: (-x[0], x[1]))
        for r, (size, value) in enumerate(sizes[:limit]):
            mask = masks[value]
            entry: dict[str, Any] = {"column": column, "value": value, "n": size}
            entry.update(agreement_stats(d, boot, mask, brief=True, salt=1000 + 100 * s + r))
            entry.update({k: v for k, v in loo_stats(d, boot, mask, salt=5000 + 100 * s + r)
                          .items() if k in ("loo_human", "loo_judge")})
            out.append(entry)
        if len(sizes) > limit:
            out.append({"column": column, "value": f"({len(sizes) - limit} smaller values not "
                        "shown)", "n": sum(n for n, _ in sizes[limit:]), "truncated": True})
    return out
