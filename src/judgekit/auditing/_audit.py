"""Audit a judge against human gold: one call from labels + gold to a versioned report.

``audit(labels, gold)`` reads the judge's labels one row per judgment (:mod:`._labels`: a
labels file, a run directory or Label objects), combines them into one label per item
(:mod:`._items`), reads the gold (:mod:`._gold`: a gold file, or the run's suite), joins both
into arrays (:mod:`._join`) and computes the report (:mod:`._report`). Everything is read
column by column (pyarrow, numpy): a million labels take seconds.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from judgekit._errors import ContentError, JudgekitError
from judgekit._types import Label
from judgekit.auditing._boot import Bootstrap
from judgekit.auditing._options import AuditOptions, GoldColumns, LabelColumns
from judgekit.auditing._report import AuditReport, build_report

if TYPE_CHECKING:
    from judgekit.auditing._gold import GoldTable
    from judgekit.auditing._items import ItemLabels
    from judgekit.auditing._join import AuditData
    from judgekit.auditing._labels import LabelRows
    from judgekit.auditing._table import Table
    from judgekit.content._suite import LoadedSuite
    from judgekit.run._rundir import Run

DEFAULT_SLICES = ("domain", "criterion", "criterion_type", "subset", "category", "tags")
MODEL_COLUMNS = (("model_a", "model_b"), ("response_a_model", "response_b_model"))


def audit(labels: str | os.PathLike[str] | Run | Sequence[Label],
          gold: str | os.PathLike[str] | None = None, *, columns: LabelColumns | None = None,
          gold_columns: GoldColumns | None = None,
          options: AuditOptions | None = None) -> AuditReport:
    """Audit a judge's labels against gold.

    Args:
        labels: A judgekit run directory (or :class:`judgekit.Run`), a labels file
            (JSONL/CSV/Parquet), or judgekit :class:`Label` objects.
        gold: A gold file. Default (runs only): the run suite's gold.
        columns: Column names of a labels file.
        gold_columns: Column names of the gold file, and its label map.
        options: Judge, label map, slices, scale, bootstrap, bias inputs.

    Raises:
        ContentError: Unreadable labels or gold, or no item in common.
        RunError: ``labels`` is a directory that holds no run.

    """
    from judgekit.auditing._labels import read_labels

    return audit_rows(read_labels(labels, columns), gold, gold_columns,
                      options or AuditOptions())


def audit_rows(rows: LabelRows, gold: str | os.PathLike[str] | None,
               gold_columns: GoldColumns | None, opts: AuditOptions) -> AuditReport:
    """:func:`audit` of judgments already read (:func:`._labels.read_labels`)."""
    from judgekit.auditing._disagree import disagreements

    suite = SuiteOnce(rows.run, opts.gold_root)
    once = GoldOnce(gold, gold_columns, suite)
    data, inputs = judge_data(rows, gold, gold_columns, opts, suite=suite, once=once)
    report = build_report(data, Bootstrap(opts.replicates, opts.seed),
                          judge_family=opts.judge_family, max_slice_values=opts.max_slice_values)
    report.data["inputs"] = inputs
    if data.scale == "pairwise":
        from judgekit.auditing._orders import by_order

        report.data["agreement_by_order"] = by_order(
            rows, opts, lambda some: judge_data(some, gold, gold_columns, opts, once=once)[0])
    report.data["disagreements"] = disagreements(
        data, rows, judge=inputs["labels"]["judge"], label_map=opts.label_map,
        limit=opts.max_disagreements)
    robustness = _robustness(rows.run)
    if robustness is not None:
        report.data["bias"]["robustness"] = robustness
    no_error = opts.no_error or _suite_no_error(suite)
    if no_error is not None and no_error in data.space:
        report.data["steps"] = steps_section(data, no_error, Bootstrap(opts.replicates,
                                                                       opts.seed))
    return report


PROBE_FILES = ("probe/probe.json", "probe.json")
"""Where ``judgekit probe --out RUN/probe`` (or ``--out RUN``) leaves its report in a run."""


def _robustness(run: Run | None) -> dict[str, Any] | None:
    """The flip rates of a ``judgekit probe`` of this run, copied from its ``probe.json``."""
    if run is None:
        return None
    path = next((run.path / p for p in PROBE_FILES if (run.path / p).is_file()), None)
    if path is None:
        return None
    try:
        probe = json.loads(path.read_text(encoding="utf-8"))
        rates = {kind: {"value": p["flip_rate"], "ci": p["ci"], "n": p["n"], "flips": p["flips"]}
                 for kind, p in probe["perturbations"].items()}
        head = probe["probe"]
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        return {"available": False, "reason": f"{path} is not a readable probe.json ({exc})"}
    return {"available": True, "source": str(path), "judge": head.get("judge"),
            "sample": head.get("sample"), "seed": head.get("seed"), "flip_rate": rates}


def steps_section(data: AuditData, no_error: str, boot: Bootstrap) -> dict[str, Any] | None:
    """The step-level figures (:func:`._steps.step_report`) of a step review's joined data."""
    import numpy as np

    from judgekit.auditing._steps import step_report

    k = data.space.index(no_error)
    p_error = 1.0 - data.probs[:, k]
    out = step_report(data.ids, [None if j < 0 else bool(j != k) for j in data.judge],
                      [bool(g != k) for g in data.gold],
                      p_error=[None if np.isnan(p) else float(p) for p in p_error], boot=boot)
    return None if out is None else {"no_error": no_error, **out}


class SuiteOnce:
    """The suite a run names, loaded at most once per audit (its items are read and checked).

    Args:
        run: The run (None: labels from a file or in memory).
        gold_root: Where the suite's ``gold:`` paths point.

    """

    def __init__(self, run: Run | None, gold_root: Path | None) -> None:
        self.run, self.gold_root = run, gold_root
        self._got: LoadedSuite | JudgekitError | None = None

    @property
    def named(self) -> bool:
        """Whether there is a run and its manifest names a suite."""
        return self.run is not None and _names_suite(self.run)

    def load(self) -> LoadedSuite:
        """The suite; raises the error loading it raised (the same one on every call)."""
        if self._got is None:
            assert self.run is not None
            try:
                self._got = self.run.suite(self.gold_root)
            except JudgekitError as exc:
                self._got = exc
        if isinstance(self._got, JudgekitError):
            raise self._got
        return self._got


def _suite_no_error(suite: SuiteOnce) -> str | None:
    """The ``no_error`` label of a run's suite rubric (a step review), else None."""
    if not suite.named:
        return None
    try:
        return suite.load().rubric.no_error
    except JudgekitError:
        return None


def prepare(labels: str | os.PathLike[str] | Run | Sequence[Label],
            gold: str | os.PathLike[str] | None = None, *, columns: LabelColumns | None = None,
            gold_columns: GoldColumns | None = None,
            options: AuditOptions | None = None) -> tuple[AuditData, dict[str, Any]]:
    """What :func:`audit` computes its report from: the joined arrays, and the inputs section.

    Arguments and errors as :func:`audit`.
    """
    from judgekit.auditing._labels import read_labels

    return judge_data(read_labels(labels, columns), gold, gold_columns,
                      options or AuditOptions())


class GoldOnce:
    """One audit's gold (and, for a run with a gold file, its suite's items), read once.

    The per-order agreements join the same gold again; they ask this instead of the files.
    """

    def __init__(self, gold: str | os.PathLike[str] | None, columns: GoldColumns | None,
                 suite: SuiteOnce) -> None:
        self.gold, self.columns, self.suite = gold, columns, suite
        self._got: tuple[GoldTable, tuple[Table, Any] | None] | None = None

    def get(self, lab: ItemLabels) -> tuple[GoldTable, tuple[Table, Any] | None]:
        """The gold and the suite items (``lab`` names the labels in an error)."""
        if self._got is None:
            self._got = _gold(lab, self.gold, self.columns, self.suite)
        return self._got


def judge_data(rows: LabelRows, gold: str | os.PathLike[str] | None,
               gold_columns: GoldColumns | None, opts: AuditOptions, *,
               suite: SuiteOnce | None = None,
               once: GoldOnce | None = None) -> tuple[AuditData, dict[str, Any]]:
    """One judge's (``opts.judge``) judgments joined with the gold, and the inputs section.

    ``suite``: the run's suite, when the caller loads it too (default: loaded here if needed).
    ``once``: the gold already read for this audit (default: read here).
    """
    from judgekit.auditing._items import item_labels
    from judgekit.auditing._join import join
    from judgekit.auditing._memory import release

    lab = item_labels(rows, opts.judge, opts.label_map)
    release()
    once = once or GoldOnce(gold, gold_columns, suite or SuiteOnce(rows.run, opts.gold_root))
    gs, extra = once.get(lab)
    release()
    keys = set(gs.keys) | set(extra[0].first_keys if extra is not None else ())
    chosen, models = _choose(keys, gs.slices, opts.slices, opts.model_columns)
    data = join(lab, gs, extra=extra, slices=chosen, scale=opts.scale,
                judge_family=opts.judge_family, model_columns=models)
    release()
    if not data.ids:
        raise ContentError(_where(lab), f"no item id in common with the gold ({gs.source})",
                           fix="check that both use the same ids (map with --id-col)")
    return data, {
        "labels": {"source": lab.source, "kind": lab.kind, "judge": lab.judge},
        "gold": {"source": gs.source, "label_column": gs.label_column,
                 "annotators_column": gs.annotators_column},
        "slices": chosen, "model_columns": list(models),
    }


def _where(lab: ItemLabels) -> str | None:
    return None if lab.kind == "labels" else lab.source


def _gold(lab: ItemLabels, gold: str | os.PathLike[str] | None, columns: GoldColumns | None,
          suite: SuiteOnce) -> tuple[GoldTable, tuple[Table, Any] | None]:
    """The gold, and (a run with a gold file) its suite's items for the fields gold lacks."""
    from judgekit.auditing._gold import gold_from_file, gold_from_suite

    if gold is not None:
        return gold_from_file(Path(gold), columns), _suite_items(suite)
    if suite.named:
        return gold_from_suite(suite.load()), None
    raise ContentError(_where(lab), "no gold to audit against",
                       fix="pass --gold FILE (JSONL/CSV with id and human_label)")


def _names_suite(run: Run) -> bool:
    return bool(run.manifest.get("suite_path") or run.manifest.get("suite"))


def _suite_items(once: SuiteOnce) -> tuple[Table, Any] | None:
    """The items of the suite a run names, with their ids; None if it cannot be loaded."""
    if not once.named:
        return None
    import pyarrow as pa

    from judgekit.auditing._table import rows_table

    try:
        suite = once.load()
    except JudgekitError:
        return None
    items = list(suite.items)  # read from its files on each pass: one pass
    return (rows_table([it.fields for it in items], [it.line for it in items], suite.path),
            pa.array([it.id for it in items], pa.string()))


def _choose(keys: set[str], suite_slices: Sequence[str], slices: Sequence[str] | None,
            model_columns: Sequence[str] | None) -> tuple[list[str], Sequence[str]]:
    """Slice columns and response-model columns: as given, else the ones the gold has."""
    chosen = list(slices) if slices is not None else \
        [c for c in (*DEFAULT_SLICES, *suite_slices) if c in keys]
    if model_columns is None:
        pair = next((p for p in MODEL_COLUMNS if set(p) <= keys), None)
        model_columns = pair or (("response_model",) if "response_model" in keys else ())
    return list(dict.fromkeys(chosen)), model_columns
