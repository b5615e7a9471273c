"""Flip rates with Wilson 95% CIs -> ``probe.json`` and a self-contained ``probe.html``.

A flip is an item whose verdict was not on the worse side before the perturbation and is on
it after. Its rate is over the items that could flip: a worse side known, the perturbation
applicable, the original verdict readable and not already the worse side, the perturbed
verdict readable. It is given for the both-order verdict (the headline) and for each order
alone; ``p_worse_shift`` is the mean change in the both-order P(worse side), which moves
even where the label does not.
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from judgekit.run import ItemVerdict

Verdicts = dict[str, dict[str, ItemVerdict]]
"""Item id -> ``both`` / ``AB`` / ``BA`` -> that verdict."""
JSON_FILE = "probe.json"
HTML_FILE = "probe.html"
SCOPES = ("both", "AB", "BA")


@dataclass(frozen=True)
class ProbeReport:
    """What a probe found; ``data`` is ``probe.json`` (shape in docs/probe.md).

    Attributes:
        data: The report as written.

    """

    data: dict[str, Any]

    def flip_rates(self) -> dict[str, float | None]:
        """Perturbation -> both-order flip rate (None where no item could flip)."""
        return {k: v["flip_rate"] for k, v in self.data["perturbations"].items()}

    def lines(self) -> list[str]:
        """The report as text lines, one per perturbation."""
        meta = self.data["probe"]
        out = [f"{meta['judge']} on {meta['suite']}: {meta['sample']} items sampled (seed "
               f"{meta['seed']}), worse side from the {meta['worse_side_from']}"]
        for name, p in self.data["perturbations"].items():
            ab, ba = p["by_order"]["AB"], p["by_order"]["BA"]
            out.append(f"{name:<10} flips {p['flips']}/{p['n']} = {_pct(p['flip_rate'])} "
                       f"CI {_ci(p['ci'])}; AB {_pct(ab['flip_rate'])}, BA "
                       f"{_pct(ba['flip_rate'])}; P(worse) shift "
                       f"{_num(p['p_worse_shift']['mean'])}")
        return out


def wilson(k: int, n: int, z: float = 1.959964) -> list[float] | None:
    """Wilson score interval of ``k`` successes in ``n`` trials (None when n is 0)."""
    if n == 0:
        return None
    p = k / n
    den = 1 + z * z / n
    mid = (p + z * z / (2 * n)) / den
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    return [max(0.0, mid - half), min(1.0, mid + half)]


def build_report(original: Verdicts, runs: Mapping[str, Verdicts],
                 worse: Mapping[str, str | None], skipped: Mapping[str, int],
                 meta: dict[str, Any]) -> ProbeReport:
    """Count flips per perturbation and order.

    Args:
        original: Verdicts of the unperturbed sample.
        runs: Perturbation -> verdicts of the perturbed items.
        worse: Item id -> the side perturbed (None: no worse side, left out).
        skipped: Perturbation -> items it did not apply to (padding a longer response).
        meta: Suite, judge, sample size, seed, where the worse side came from.

    """
    perturbations = {}
    for kind, verdicts in runs.items():
        by_order = {s: _flips(original, verdicts, worse, s) for s in SCOPES}
        head = by_order.pop("both")
        shifts = [pw - po for i, side in worse.items() if side is not None
                  and (po := _p(original, i, side)) is not None
                  and (pw := _p(verdicts, i, side)) is not None]
        perturbations[kind] = {**head, "not_applicable": skipped.get(kind, 0),
                               "by_order": by_order, "p_worse_shift": _mean(shifts)}
    items = [{"id": i, "worse": side,
              "original": _label(original, i),
              **{kind: _label(v, i) for kind, v in runs.items()}} for i, side in worse.items()]
    return ProbeReport({"probe": {**meta, "no_worse_side": sum(s is None for s in
                                                                worse.values())},
                        "ci": "Wilson score interval, 95%",
                        "perturbations": perturbations, "items": items})


def _flips(original: Verdicts, perturbed: Verdicts, worse: Mapping[str, str | None],
           scope: str) -> dict[str, Any]:
    n = flips = already = unreadable = 0
    for item_id, side in worse.items():
        after = perturbed.get(item_id, {}).get(scope)
        if side is None or after is None:
            continue
        before = original.get(item_id, {}).get(scope)
        if before is None or before.label is None or after.label is None:
            unreadable += 1
        elif before.label == side:
            already += 1
        else:
            n += 1
            flips += after.label == side
    return {"n": n, "flips": flips, "flip_rate": flips / n if n else None,
            "ci": wilson(flips, n), "already_worse": already, "unreadable": unreadable}


def _p(verdicts: Verdicts, item_id: str, side: str) -> float | None:
    v = verdicts.get(item_id, {}).get("both")
    return None if v is None else v.p(side)


def _label(verdicts: Verdicts, item_id: str) -> str | None:
    v = verdicts.get(item_id, {}).get("both")
    return None if v is None else v.label


def _mean(xs: list[float]) -> dict[str, Any]:
    if not xs:
        return {"n": 0, "mean": None, "ci": None}
    m = sum(xs) / len(xs)
    sd = math.sqrt(sum((x - m) ** 2 for x in xs) / (len(xs) - 1)) if len(xs) > 1 else 0.0
    half = 1.959964 * sd / math.sqrt(len(xs))
    return {"n": len(xs), "mean": m, "ci": [m - half, m + half]}


def write_report(report: ProbeReport, folder: Path) -> None:
    """Write ``probe.json`` and ``probe.html`` into ``folder``."""
    (folder / JSON_FILE).write_text(json.dumps(report.data, indent=2) + "\n", encoding="utf-8")
    (folder / HTML_FILE).write_text(render_html(report), encoding="utf-8")


def render_html(report: ProbeReport) -> str:
    """A self-contained page: the flip-rate table, no scripts, no external files."""
    rows = []
    for name, p in report.data["perturbations"].items():
        ab, ba = p["by_order"]["AB"], p["by_order"]["BA"]
        cells = [name, f"{p['flips']}/{p['n']}", _pct(p["flip_rate"]), _ci(p["ci"]),
                 _pct(ab["flip_rate"]), _pct(ba["flip_rate"]),
                 _num(p["p_worse_shift"]["mean"]), str(p["not_applicable"])]
        rows.append("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in cells) + "</tr>")
    head = ["perturbation", "flips / n", "flip rate", "95% CI (Wilson)", "AB order",
            "BA order", "P(worse) shift", "not applicable"]
    title = html.escape(report.lines()[0])
    return ("<!doctype html><html><head><meta charset='utf-8'><title>judgekit probe</title>"
            "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
            "td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}</style></head>"
            f"<body><h1>Judge robustness probe</h1><p>{title}</p><table><tr>"
            + "".join(f"<th>{html.escape(h)}</th>" for h in head) + "</tr>" + "".join(rows)
            + "</table><p>A flip: the verdict moves to the perturbed (worse) response. See "
            "docs/probe.md.</p></body></html>\n")


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{100 * x:.1f}%"


def _ci(ci: list[float] | None) -> str:
    return "n/a" if ci is None else f"[{100 * ci[0]:.1f}, {100 * ci[1]:.1f}]%"


def _num(x: float | None) -> str:
    return "n/a" if x is None else f"{x:+.3f}"
