"""A judge leaderboard: several judges audited against one gold, side by side.

After AlpacaEval's ``analyze_evaluators``: per judge, agreement and Cohen's kappa with the
gold (95% bootstrap CIs) beside the human ceiling (leave-one-out human agreement), position
consistency, P(first shown), P(prefer longer), ECE, and the seconds per 1,000 labels where a
run's manifest records its time (``summary.seconds`` over ``summary.judged``). Tokens are not
stored by runs, so there is no token column. Then the judge-vs-judge agreement matrix over the
items both judges labeled. Every figure comes from the report's own statistics modules.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow.compute as pc

from judgekit._errors import ContentError
from judgekit.auditing._bias import length, position
from judgekit.auditing._boot import Bootstrap
from judgekit.auditing._calib import calibration
from judgekit.auditing._ceiling import ceiling as human_ceiling
from judgekit.auditing._options import AuditOptions, GoldColumns, LabelColumns
from judgekit.auditing._stats import agreement_stats

if TYPE_CHECKING:
    from judgekit.auditing._join import AuditData
    from judgekit.auditing._labels import LabelRows
    from judgekit.run._rundir import Run

Source = str | os.PathLike[str]


def judges_of(sources: Sequence[Source],
              columns: LabelColumns | None = None) -> list[tuple[str, LabelRows]]:
    """Every judge of every source, in order: ``(judge name, the source's judgments)``.

    Raises:
        ContentError: Two sources hold a judge of the same name.

    """
    from judgekit.auditing._labels import read_labels

    out: list[tuple[str, LabelRows]] = []
    where: dict[str, str] = {}
    for source in sources:
        rows = read_labels(source, columns)
        for name in sorted(pc.unique(rows.judge).to_pylist()):
            if name in where:
                raise ContentError(rows.path, f"judge {name!r} is also in {where[name]}",
                                   fix="give each judge its own name (a labels file's judge "
                                   "column, --judge-col) or audit the two files apart")
            where[name] = rows.source
            out.append((name, rows))
    return out


def leaderboard(judges: Sequence[tuple[str, LabelRows]], gold: Source | None = None, *,
                gold_columns: GoldColumns | None = None,
                options: AuditOptions | None = None) -> dict[str, Any]:
    """The ``leaderboard`` section: one row per judge, the human ceiling, the judge matrix.

    Args:
        judges: ``(judge name, its source's judgments)`` (:func:`judges_of`).
        gold: The gold file (default: each run's suite gold).
        gold_columns: The gold file's columns.
        options: Label map, scale, bootstrap... (``judge`` is ignored).

    """
    from dataclasses import replace

    from judgekit.auditing._audit import judge_data

    opts = options or AuditOptions()
    boot = Bootstrap(opts.replicates, opts.seed)
    rows, datas, ceiling = [], [], None
    for name, judged in judges:
        d, _ = judge_data(judged, gold, gold_columns, replace(opts, judge=name))
        datas.append(d)
        loo = human_ceiling(d, boot)  # as the report's ceiling section computes it
        ceiling = ceiling or loo.get("loo_human")
        rows.append(row_from(name, judged.source, _sections(d, boot, loo),
                             seconds_of(judged.run)))
    return board(rows, ceiling, matrix([r["judge"] for r in rows], datas))


def board(rows: list[dict[str, Any]], ceiling: dict[str, Any] | None,
          judge_matrix: dict[str, Any]) -> dict[str, Any]:
    """The ``leaderboard`` section from its rows (:func:`row_from`), ceiling and matrix."""
    has_time = any(r.get("seconds_per_1000") is not None for r in rows)
    if not has_time:  # no run knows its time: no column (never a made-up figure)
        for r in rows:
            r.pop("seconds_per_1000")
    shown = [c for c in COLUMNS if (has_time or c != "seconds_per_1000")
             and any(r.get(c) is not None for r in rows)]
    return {"judges": rows, "human_ceiling": ceiling, "columns": shown,
            "matrix": judge_matrix}


COLUMNS = ("agreement", "cohen_kappa", "loo_judge", "consistency", "p_first", "p_longer",
           "ece", "seconds_per_1000")
"""The leaderboard's figures, in table order (``columns``: those some judge has)."""


def _sections(d: AuditData, boot: Bootstrap, ceiling: dict[str, Any]) -> dict[str, Any]:
    """The report sections a leaderboard row reads, computed from one judge's joined items."""
    return {"agreement": agreement_stats(d, boot, brief=True), "ceiling": ceiling,
            "bias": {"position": position(d, boot), "length": length(d, boot)},
            "calibration": calibration(d, boot),
            "coverage": {"matched": len(d.judge), "judge_errors": int((d.judge < 0).sum())}}


def row_from(name: str, source: str, report: dict[str, Any],
             seconds: float | None) -> dict[str, Any]:
    """One judge's leaderboard row, read from its audit report's sections.

    Args:
        name: The judge.
        source: Where its labels came from.
        report: Its report's ``agreement``, ``ceiling``, ``bias``, ``calibration`` and
            ``coverage`` sections (report.json's layout; the agreement may be brief).
        seconds: Seconds per 1,000 judgments (:func:`seconds_of`), if known.

    """
    agree, cal, cov = report["agreement"], report["calibration"], report["coverage"]
    pos, long_ = report["bias"]["position"], report["bias"]["length"]
    return {
        "judge": name, "source": source, "items": int(cov["matched"] - cov["judge_errors"]),
        "agreement": agree.get("agreement"), "cohen_kappa": agree.get("cohen_kappa"),
        "loo_judge": report["ceiling"].get("loo_judge"),
        "consistency": pos.get("consistency") if pos.get("available") else None,
        "p_first": pos["p_first"]["judge"] if pos.get("available") else None,
        "p_longer": long_["p_longer"]["judge"] if long_.get("available") else None,
        "ece": cal["ece"] if cal.get("available") else None,
        "seconds_per_1000": seconds,
    }


def seconds_of(run: Run | None) -> float | None:
    """Seconds per 1,000 judgments of a run (its manifest's time over its judged count)."""
    if run is None:
        return None
    summary = run.manifest.get("summary") or {}
    seconds, count = summary.get("seconds"), summary.get("judged")
    if not isinstance(seconds, (int, float)) or not isinstance(count, int) or count <= 0:
        return None
    return round(1000 * float(seconds) / count, 3)


def matrix(names: list[str], datas: Sequence[AuditData]) -> dict[str, Any]:
    """Judge-vs-judge agreement (share of equal labels) over items both labeled, and counts."""
    labels = [{i: d.space[j] for i, j in zip(d.ids, d.judge, strict=True) if j >= 0}
              for d in datas]
    k = len(names)
    n = np.zeros((k, k), dtype=np.int64)
    same = np.zeros((k, k), dtype=np.int64)
    for a in range(k):
        for b in range(k):
            common = labels[a].keys() & labels[b].keys()
            n[a, b] = len(common)
            same[a, b] = sum(labels[a][i] == labels[b][i] for i in common)
    return matrix_from(names, n, same)


def matrix_from(names: list[str], n: Any, same: Any) -> dict[str, Any]:
    """The judge matrix from ``(k, k)`` counts of items both judges labeled, and of equal labels.

    Args:
        names: The judges, in row order.
        n: Items both labeled (a valid label, the item in the gold).
        same: Those items where both labels are equal.

    """
    k = len(names)
    agree: list[list[float | None]] = [[None] * k for _ in range(k)]
    for a in range(k):
        for b in range(k):
            if n[a, b]:
                agree[a][b] = round(int(same[a, b]) / int(n[a, b]), 6)
    return {"judges": names, "agreement": agree, "n": np.asarray(n, dtype=np.int64).tolist()}
