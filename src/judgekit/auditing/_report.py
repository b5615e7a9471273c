"""The audit report: every section computed from the joined arrays, as ``report.json`` holds it.

The report holds coverage, agreement with 95% bootstrap CIs, confusion matrix, the human
ceiling, slices, bias and calibration. Its JSON layout is documented in
``docs/report-schema.md``; :data:`SCHEMA_VERSION` changes whenever a field is renamed or
removed. Missing data never fails an audit: a section that cannot be computed says
``"available": false`` and why.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from judgekit._version import __version__
from judgekit.auditing._bias import bias_section
from judgekit.auditing._boot import Bootstrap
from judgekit.auditing._calib import calibration_from
from judgekit.auditing._ceiling import ceiling_from, loo_from
from judgekit.auditing._join import AuditData
from judgekit.auditing._stats import agreement_from, confusion_from
from judgekit.auditing._tally import Tally, tally_of

SCHEMA = "judgekit.audit-report"
SCHEMA_VERSION = 1

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

    def write(self, out: str | os.PathLike[str]) -> dict[str, Path]:
        """Write ``report.json`` and ``report.html`` into ``out``; return their paths."""
        from judgekit.auditing._html import render_html

        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        paths = {"json": out / "report.json", "html": out / "report.html"}
        paths["json"].write_text(self.to_json() + "\n", encoding="utf-8")
        paths["html"].write_text(render_html(self.data), encoding="utf-8")
        return paths


ORDERS_RULE = ("both orders' label distributions averaged, argmax; orders without "
               "probabilities count one-hot, so two that disagree make a tie (MT-Bench's rule)")
"""How a pairwise item's two orders became one verdict (``orders_rule`` in report.json)."""


def build_report(d: AuditData, boot: Bootstrap, *, judge_family: str | None = None,
                 max_slice_values: int = 30) -> AuditReport:
    """Compute every section of the report from joined data."""
    t0 = time.perf_counter()
    return report_from(tally_of(d, bool(judge_family)), dict(d.coverage), boot,
                       judge_family=judge_family,
                       max_slice_values=max_slice_values, started=t0)


def report_from(t: Tally, cov: dict[str, int], boot: Bootstrap, *,
                judge_family: str | None = None, max_slice_values: int = 30,
                started: float | None = None) -> AuditReport:
    """Compute every section of the report from the sums of its items (:class:`Tally`).

    Args:
        t: The items' sums.
        cov: The coverage counts (:meth:`Tally.coverage`).
        boot: Bootstrap settings.
        judge_family: The judge's model family, for self-preference.
        max_slice_values: Most values shown per slice column.
        started: When the audit's computing began (``perf_counter``), for ``seconds``.

    """
    t0 = time.perf_counter() if started is None else started
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
        "scale": t.scale, "labels": t.space, "coverage": cov,
        "bootstrap": {"replicates": boot.replicates, "seed": boot.seed, "confidence": 0.95,
                      "method": "percentile; items resampled with replacement"},
        "agreement": agreement_from(t.cells, t.scale, t.space, boot),
        "confusion": confusion_from(t.cells, t.space),
        "distribution": {"labels": t.space, "gold": t.gold.astype(int).tolist(),
                         "judge": t.judge.astype(int).tolist()},
        "ceiling": ceiling_from(t.humans, t.scale, boot),
        "slices": _slices(t, boot, max_slice_values),
        "bias": bias_section(t.biases, t.scale, boot, judge_family),
        "calibration": calibration_from(t.calibration, boot),
        "notes": notes,
    }
    if t.scale == "pairwise":
        data["orders_rule"] = ORDERS_RULE
    data["seconds"] = round(time.perf_counter() - t0, 3)
    return AuditReport(data)


def _slices(t: Tally, boot: Bootstrap, limit: int) -> list[dict[str, Any]]:
    out = []
    humans = t.humans.width >= 2
    for s, (column, sections) in enumerate(t.slices.items()):
        sizes = sorted(((sec.n, v) for v, sec in sections.items()), key=lambda x: (-x[0], x[1]))
        for r, (size, value) in enumerate(sizes[:limit]):
            sec = sections[value]
            entry: dict[str, Any] = {"column": column, "value": value, "n": size}
            entry.update(agreement_from(sec.cells, t.scale, t.space, boot, brief=True,
                                        salt=1000 + 100 * s + r))
            loo = loo_from(sec.units if humans else None, len(t.space), boot,
                           salt=5000 + 100 * s + r)
            entry.update({k: v for k, v in loo.items() if k in ("loo_human", "loo_judge")})
            out.append(entry)
        if len(sizes) > limit:
            out.append({"column": column, "value": f"({len(sizes) - limit} smaller values not "
                        "shown)", "n": sum(n for n, _ in sizes[limit:]), "truncated": True})
    return out
