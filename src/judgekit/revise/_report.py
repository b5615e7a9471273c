"""The revise report: acceptance rate, the verifier's P(revision better) distribution, examples.

Every figure counts what happened, failures included: the acceptance rate is accepted
revisions over **all** attempts (an unreadable answer or an unchanged revision is an attempt
that did not improve anything), with a Wilson 95% interval; the rate over verified revisions
is given beside it. The distribution is over every verified revision.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import asdict
from typing import Any

import numpy as np

from judgekit.revise._attempt import STATUSES, Attempt, ReviseResult
from judgekit.revise._suite import attempt_id

BINS = 10
"""Histogram bins of P(revision better) over [0, 1]."""
QUANTILES = (0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 1.0)
CLIP = 400
"""Characters of each text kept in an example."""


def build_report(result: ReviseResult, examples: int = 3) -> dict[str, Any]:
    """The report of a revise job as a JSON-ready dict (``report.json``).

    Args:
        result: What the job did.
        examples: Accepted and rejected examples to show, each (best and worst P first).

    """
    attempts = result.attempts
    status = Counter(a.status for a in attempts)
    accepted = status["accepted"]
    verified = [a for a in attempts if a.p_better is not None]
    return {
        "suite": result.suite, "judge": result.judge, "verifier": result.verifier,
        "options": asdict(result.options),
        "items": len({a.item_id for a in attempts}),
        "attempts": len(attempts),
        "by_status": {s: status[s] for s in STATUSES if status[s]},
        "acceptance_rate": _rate(accepted, len(attempts)),
        "acceptance_ci95": _wilson(accepted, len(attempts)),
        "acceptance_rate_of_verified": _rate(accepted, len(verified)),
        "items_improved": len({a.item_id for a in attempts if a.accepted}),
        "p_revision_better": distribution([float(a.p_better) for a in verified
                                           if a.p_better is not None]),
        "rounds": [_round(r, [a for a in attempts if a.round == r])
                   for r in sorted({a.round for a in attempts})],
        "errors": dict(Counter(_kind(a.error) for a in attempts if a.error).most_common()),
        "counts": {"revise": asdict(result.revise), "verify": asdict(result.verify)},
        "examples": {
            "accepted": [_example(a) for a in sorted(
                (a for a in verified if a.accepted), key=lambda a: -float(a.p_better or 0))
                [:examples]],
            "rejected": [_example(a) for a in sorted(
                (a for a in verified if not a.accepted), key=lambda a: float(a.p_better or 0))
                [:examples]],
            "unreadable": [_example(a) for a in attempts if a.status == "unreadable"][:1],
        },
        "seconds": round(result.seconds, 1),
    }


def distribution(values: list[float]) -> dict[str, Any]:
    """``n``, mean, quantiles and a histogram of probabilities on [0, 1]."""
    if not values:
        return {"n": 0}
    arr = np.asarray(values, dtype=float)
    # bin i holds [i/BINS, (i+1)/BINS), the last one 1.0 too; rounding first keeps 0.3 in
    # 0.3-0.4 (float edges would put it in 0.2-0.3)
    bins = np.clip(np.floor(np.round(arr * BINS, 9)), 0, BINS - 1).astype(int)
    return {"n": int(arr.size), "mean": float(arr.mean()),
            "quantiles": {f"{q:g}": float(np.quantile(arr, q)) for q in QUANTILES},
            "histogram": {"edges": [i / BINS for i in range(BINS + 1)],
                          "counts": np.bincount(bins, minlength=BINS).tolist()}}


def report_lines(report: dict[str, Any]) -> list[str]:
    """The report as text lines for a terminal."""
    by = report["by_status"]
    lo, hi = report["acceptance_ci95"] or (0.0, 0.0)
    lines = [f"{report['suite']}: {report['items']} items, {report['attempts']} revisions "
             f"(judge {report['judge']}, verifier {report['verifier']}, threshold "
             f"{report['options']['threshold']})",
             f"accepted {by.get('accepted', 0)}/{report['attempts']} = "
             f"{_pct(report['acceptance_rate'])} (95% CI {_pct(lo)}-{_pct(hi)}); of verified: "
             f"{_pct(report['acceptance_rate_of_verified'])}; "
             + ", ".join(f"{k} {v}" for k, v in by.items() if k != "accepted")]
    dist = report["p_revision_better"]
    if dist["n"]:
        q = dist["quantiles"]
        lines.append(f"P(revision better) over {dist['n']} verified: mean {dist['mean']:.2f}, "
                     f"median {q['0.5']:.2f}, 10%-90% {q['0.1']:.2f}-{q['0.9']:.2f}")
        edges, counts = dist["histogram"]["edges"], dist["histogram"]["counts"]
        for i, c in enumerate(counts):
            bar = "#" * min(c, 60) + ("+" if c > 60 else "")
            lines.append(f"  {edges[i]:.1f}-{edges[i + 1]:.1f} {bar} {c}")
    for r in report["rounds"]:
        lines.append(f"round {r['round']}: {r['attempts']} revisions, {r['accepted']} accepted")
    if report["errors"]:
        lines.append("errors: " + ", ".join(f"{k} {v}" for k, v in report["errors"].items()))
    for kind, shown in report["examples"].items():
        for ex in shown:
            p = "" if ex["p_revision_better"] is None else f" P={ex['p_revision_better']:.2f}"
            lines += [f"--- {kind} {ex['id']}{p} principles {', '.join(ex['principles'])}",
                      f"  prompt:   {ex['prompt']}", f"  original: {ex['original']}",
                      f"  critique: {ex['critique']}", f"  revision: {ex['revision']}"]
            if ex["error"]:
                lines.append(f"  error:    {ex['error']}")
    return lines


def _round(r: int, attempts: list[Attempt]) -> dict[str, Any]:
    accepted = sum(a.accepted for a in attempts)
    return {"round": r, "attempts": len(attempts), "accepted": accepted,
            "acceptance_rate": _rate(accepted, len(attempts))}


def _example(a: Attempt) -> dict[str, Any]:
    def clip(text: str | None) -> str | None:
        if text is None:
            return None
        flat = " ".join(text.split())
        return flat if len(flat) <= CLIP else flat[:CLIP] + "..."

    return {"id": attempt_id(a.item_id, a.round), "principles": list(a.principles),
            "p_revision_better": a.p_better, "verdict": a.verdict, "consistent": a.consistent,
            "prompt": clip(a.prompt), "original": clip(a.original),
            "critique": clip(a.critique), "revision": clip(a.revision), "error": a.error}


def _rate(k: int, n: int) -> float | None:
    return k / n if n else None


def _wilson(k: int, n: int) -> list[float] | None:
    if not n:
        return None
    from statsmodels.stats.proportion import proportion_confint  # heavy: only when reporting

    lo, hi = proportion_confint(k, n, alpha=0.05, method="wilson")
    return [float(lo), float(hi)]


def _kind(error: str) -> str:
    """An error's kind: the words before its first colon or parenthesis, numbers as ``N``."""
    head = re.sub(r"\d+", "N", error.split(":")[0].split("(")[0].strip())
    return head if len(head) <= 60 else head[:60]


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f}%"
