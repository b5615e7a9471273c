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
from judgekit.auditing._bias import length, position, self_preference
from judgekit.auditing._boot import Bootstrap
from judgekit.auditing._calib import calibration
from judgekit.auditing._ceiling import ItemUnits, ceiling, item_units, loo_stats
from judgekit.auditing._join import AuditData
from judgekit.auditing._stats import agreement_stats, confusion, label_distribution

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
    cov = dict(d.coverage)
    notes = []
    if cov.get("judge_errors"):
        notes.append(f"{cov['judge_errors']} matched items have no readable judge verdict; "
                     "they are left out of every statistic")
    if cov.get("gold_without_label"):
        notes.append(f"{cov['gold_without_label']} gold items have no judge label")
    if cov.get("labels_without_gold"):
        notes.append(f"{cov['labels_without_gold']} labeled items are not in the gold")
    grouped = item_units(d)  # the ceiling's item rows, grouped once for it and every slice
    data: dict[str, Any] = {
        "schema": SCHEMA, "schema_version": SCHEMA_VERSION, "judgekit": __version__,
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "scale": d.scale, "labels": d.space, "coverage": cov,
        "bootstrap": {"replicates": boot.replicates, "seed": boot.seed, "confidence": 0.95,
                      "method": "percentile; items resampled with replacement"},
        "agreement": agreement_stats(d, boot),
        "confusion": confusion(d),
        "distribution": label_distribution(d),
        "ceiling": ceiling(d, boot, grouped),
        "slices": _slices(d, boot, max_slice_values, grouped),
        "bias": {"position": position(d, boot), "length": length(d, boot),
                 "self_preference": self_preference(d, boot, judge_family)},
        "calibration": calibration(d, boot),
        "notes": notes,
    }
    if d.scale == "pairwise":
        data["orders_rule"] = ORDERS_RULE
    data["seconds"] = round(time.perf_counter() - t0, 3)
    return AuditReport(data)


def _slices(d: AuditData, boot: Bootstrap, limit: int,
            grouped: ItemUnits | None) -> list[dict[str, Any]]:
    out = []
    for s, (column, masks) in enumerate(d.slices.items()):
        sizes = sorted(((int(m.sum()), v) for v, m in masks.items()), key=lambda x: (-x[0], x[1]))
        for r, (size, value) in enumerate(sizes[:limit]):
            mask = masks[value]
            entry: dict[str, Any] = {"column": column, "value": value, "n": size}
            entry.update(agreement_stats(d, boot, mask, brief=True, salt=1000 + 100 * s + r))
            loo = loo_stats(d, boot, mask, salt=5000 + 100 * s + r, grouped=grouped)
            entry.update({k: v for k, v in loo.items() if k in ("loo_human", "loo_judge")})
            out.append(entry)
        if len(sizes) > limit:
            out.append({"column": column, "value": f"({len(sizes) - limit} smaller values not "
                        "shown)", "n": sum(n for n, _ in sizes[limit:]), "truncated": True})
    return out
