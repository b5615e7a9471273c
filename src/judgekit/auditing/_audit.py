"""Audit a judge against human gold: one call from labels + gold to a versioned report.

``audit(labels, gold)`` reads the judge's labels one row per judgment (:mod:`._labels`: a
labels file, a run directory or Label objects), combines them into one label per item
(:mod:`._items`), reads the gold (:mod:`._gold`: a gold file, or the run's suite), joins both
into arrays (:mod:`._join`) and computes the report (:mod:`._report`). Everything is read
column by column (pyarrow, numpy): a million labels take seconds.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from judgekit._errors import ContentError, JudgekitError
from judgekit._types import Label
from judgekit.auditing._audit_gold import GoldOnce, SuiteOnce, where
from judgekit.auditing._boot import Bootstrap
from judgekit.auditing._options import AuditOptions, GoldColumns, LabelColumns
from judgekit.auditing._report import AuditReport, build_report
from judgekit.auditing._sections import robustness_of, steps_section, suite_no_error

if TYPE_CHECKING:
    from judgekit.auditing._items import ItemLabels
    from judgekit.auditing._join import AuditData
    from judgekit.auditing._labels import LabelRows
    from judgekit.run._rundir import Run


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
    from judgekit.auditing._stream import audit_run, streamed_run

    opts = options or AuditOptions()
    run = streamed_run(labels)
    if run is not None:  # a run's labels are looked up chunk by chunk, never all held
        return audit_run(*run, gold, gold_columns, opts)
    return audit_rows(read_labels(labels, columns), gold, gold_columns, opts)


def audit_rows(rows: LabelRows, gold: str | os.PathLike[str] | None,
               gold_columns: GoldColumns | None, opts: AuditOptions) -> AuditReport:
    """:func:`audit` of judgments already read (:func:`._labels.read_labels`)."""
    from judgekit.auditing._disagree import disagreements, ranked

    suite = SuiteOnce(rows.run, opts.gold_root)
    once = GoldOnce(gold, gold_columns, suite)
    once.early(rows, opts)
    orders, failed = _by_order(rows, opts, once)
    data, inputs = judge_data(rows, gold, gold_columns, opts, suite=suite, once=once)
    report = build_report(data, Bootstrap(opts.replicates, opts.seed),
                          judge_family=opts.judge_family, max_slice_values=opts.max_slice_values)
    report.data["inputs"] = inputs
    if data.scale == "pairwise":
        if failed is not None:
            raise failed
        report.data["agreement_by_order"] = orders
    if data.fields is not None:  # the rows the section shows, read in one pass
        data.fields.prefetch(ranked(data)[:max(opts.max_disagreements, 0)].tolist())
    report.data["disagreements"] = disagreements(
        data, rows, judge=inputs["labels"]["judge"], label_map=opts.label_map,
        limit=opts.max_disagreements)
    robustness = robustness_of(rows.run)
    if robustness is not None:
        report.data["bias"]["robustness"] = robustness
    no_error = opts.no_error or suite_no_error(suite)
    if no_error is not None and no_error in data.space:
        report.data["steps"] = steps_section(data, no_error, Bootstrap(opts.replicates,
                                                                       opts.seed))
    return report


def _by_order(rows: LabelRows, opts: AuditOptions,
              once: GoldOnce) -> tuple[dict[str, Any] | None, JudgekitError | None]:
    """The per-order agreements (:func:`._orders.by_order`), or the error they raised.

    Computed before the main join, so that their arrays are freed before the main audit's
    are made (the peak memory holds one set, not both); each order's judgments are freed
    as soon as they are combined into item labels. The error waits: the main join's own
    error comes first, as when they were computed after it, and a report that is not
    pairwise never has the section.
    """
    from judgekit.auditing._items import item_labels
    from judgekit.auditing._memory import release
    from judgekit.auditing._orders import by_order

    def joined(keep: Any) -> AuditData:
        lab = item_labels(rows.take(keep), opts.judge, opts.label_map)
        release()
        return join_gold(lab, once, opts, brief=True)[0]

    try:
        return by_order(rows, opts, joined), None
    except JudgekitError as exc:
        return None, exc


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


def judge_data(rows: LabelRows, gold: str | os.PathLike[str] | None,
               gold_columns: GoldColumns | None, opts: AuditOptions, *,
               suite: SuiteOnce | None = None,
               once: GoldOnce | None = None) -> tuple[AuditData, dict[str, Any]]:
    """One judge's (``opts.judge``) judgments joined with the gold, and the inputs section.

    ``suite``: the run's suite, when the caller loads it too (default: loaded here if needed).
    ``once``: the gold already read for this audit (default: read here).
    """
    from judgekit.auditing._items import item_labels
    from judgekit.auditing._memory import release

    lab = item_labels(rows, opts.judge, opts.label_map)
    release()
    once = once or GoldOnce(gold, gold_columns, suite or SuiteOnce(rows.run, opts.gold_root))
    return join_gold(lab, once, opts)


def join_gold(lab: ItemLabels, once: GoldOnce, opts: AuditOptions,
              brief: bool = False) -> tuple[AuditData, dict[str, Any]]:
    """Item labels joined with the gold, and the inputs section.

    ``brief``: only the labels (no slice masks, no response models): what the agreement
    statistics read.
    """
    from judgekit.auditing._join import join
    from judgekit.auditing._memory import release

    got = once.get(lab, opts)
    release()
    gs = got.table
    data = join(lab, gs, extra=got.extra, slices=() if brief else got.slices,
                scale=opts.scale, judge_family=opts.judge_family,
                model_columns=() if brief else got.models)
    release()
    if not data.ids:
        raise ContentError(where(lab), f"no item id in common with the gold ({gs.source})",
                           fix="check that both use the same ids (map with --id-col)")
    return data, {
        "labels": {"source": lab.source, "kind": lab.kind, "judge": lab.judge},
        "gold": {"source": gs.source, "label_column": gs.label_column,
                 "annotators_column": gs.annotators_column},
        "slices": got.slices, "model_columns": list(got.models),
    }
