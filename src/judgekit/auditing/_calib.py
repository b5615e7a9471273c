"""Calibration of the judge's probabilities against gold: ECE, Brier scores, reliability bins.

Top-label calibration: confidence = the probability the judge gave to its own verdict, correct =
the verdict equals gold. ``ece``: expected calibration error over 10 equal-width confidence bins
(|accuracy - mean confidence| weighted by the bin's share of items). ``brier``: mean squared
error of that confidence (sklearn ``brier_score_loss``). ``brier_multiclass``: mean over items
of sum over labels of (P(label) - 1[label = gold])^2, where the full distribution is known
(sklearn ``brier_score_loss(labels=...)``). Point estimates are exact (computed with numpy as
sklearn defines them; the tests check both against it). The bootstrap takes the table path of
:mod:`judgekit.auditing._boot` over items grouped by (bin, correct, confidence rounded to
0.001) for ECE and top-label Brier, and by the per-item multiclass Brier term rounded to 0.001
for ``brier_multiclass`` (two draws, so each table has at most ~2,000 rows whatever n is):
rounding moves a replicate's ECE and Brier by at most 0.001, and the resampling itself is
exactly the item bootstrap's.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from judgekit.auditing._boot import Bootstrap, Patterns, patterns
from judgekit.auditing._join import AuditData
from judgekit.auditing._stats import stat

Array = NDArray[Any]

BINS = 10
Q = 1000


def bin_of(conf: Array) -> Array:
    """Equal-width bin of each confidence (1.0 falls in the last bin)."""
    out: Array = np.minimum((np.asarray(conf) * BINS).astype(np.int64), BINS - 1)
    return out


def _bin_sums(conf: Array, correct: Array) -> tuple[Array, Array, Array]:
    """Per bin: items, correct items, confidence sum."""
    b = bin_of(conf)
    return (np.bincount(b, minlength=BINS),
            np.bincount(b, weights=correct.astype(float), minlength=BINS),
            np.bincount(b, weights=conf, minlength=BINS))


def _ece(acc: Array, cs: Array, n: int) -> float:
    return float(np.abs(acc - cs).sum() / n)


def ece_value(conf: Array, correct: Array) -> float:
    """Expected calibration error over :data:`BINS` equal-width bins."""
    _, acc, cs = _bin_sums(conf, correct)
    return _ece(acc, cs, len(conf))


def calibration(d: AuditData, boot: Bootstrap) -> dict[str, Any]:
    """The calibration section of the report."""
    ok = (d.judge >= 0) & np.isfinite(d.conf)
    if not ok.any():
        return {"available": False, "reason": "no probabilities with the labels"}
    conf = np.clip(d.conf[ok], 0.0, 1.0)
    correct = (d.judge[ok] == d.gold[ok]).astype(np.int64)
    n = int(ok.sum())
    cnt, acc, cs = _bin_sums(conf, correct)
    bins = [{"lo": i / BINS, "hi": (i + 1) / BINS, "n": int(cnt[i]),
             "confidence": float(cs[i] / cnt[i]) if cnt[i] else None,
             "accuracy": float(acc[i] / cnt[i]) if cnt[i] else None} for i in range(BINS)]
    full = np.isfinite(d.probs[ok]).all(axis=1)
    reps = _replicates(patterns(np.stack([bin_of(conf), correct, np.rint(conf * Q)], axis=1)),
                       boot)
    out: dict[str, Any] = {
        "available": True, "items": n, "mean_confidence": float(conf.mean()),
        "accuracy": float(correct.mean()),
        "ece": stat(_ece(acc, cs, n), reps["ece"], n,
                    "numpy: 10 equal-width bins, sum |acc - conf| * share"),
        "brier": stat(float(np.mean((correct - conf) ** 2)), reps["brier"], n,
                      "sklearn.metrics.brier_score_loss(correct, confidence)"),
        "bins": bins,
    }
    out["brier_multiclass"] = _brier_multiclass(d.probs[ok], d.gold[ok], full, boot) \
        if full.any() else None
    return out


def _brier_multiclass(probs: Array, gold: Array, full: Array, boot: Bootstrap) -> dict[str, Any]:
    """Mean over items with a full distribution of sum over labels of (P - 1[gold])^2."""
    pm = probs[full]
    hit = np.zeros_like(pm)
    hit[np.arange(len(pm)), gold[full]] = 1.0
    term = ((pm - hit) ** 2).sum(axis=1)
    q = np.full(len(full), -1, dtype=np.int64)  # -1: no full distribution (resampled, not counted)
    q[full] = np.rint(term * Q).astype(np.int64)
    pat = patterns(q)
    rows = pat.rows[:, 0]
    sums = boot.sums(Patterns(np.stack([np.where(rows >= 0, rows, 0) / Q, rows >= 0], axis=1),
                              pat.counts), salt=32)
    with np.errstate(divide="ignore", invalid="ignore"):
        reps = sums[:, 0] / sums[:, 1]
    return stat(float(term.mean()), reps, int(full.sum()),
                "sklearn.metrics.brier_score_loss(gold, probs, labels=...)")


def _replicates(pat: Patterns, boot: Bootstrap) -> dict[str, Array]:
    """Vectorized ECE / top-label Brier replicates from grouped (bin, correct, conf) rows."""
    rows = pat.rows
    b, corr, conf = rows[:, 0], rows[:, 1].astype(float), rows[:, 2] / Q
    # derived per-row features: per-bin count, correct and confidence sums, brier term
    derived = np.zeros((len(rows), 3 * BINS + 2))
    idx = np.arange(len(rows))
    derived[idx, b] = 1
    derived[idx, BINS + b] = corr
    derived[idx, 2 * BINS + b] = conf
    derived[:, 3 * BINS] = (conf - corr) ** 2
    derived[:, 3 * BINS + 1] = 1
    sums = boot.sums(Patterns(derived, pat.counts), salt=31)
    n = sums[:, 3 * BINS + 1]
    with np.errstate(divide="ignore", invalid="ignore"):
        ece = np.abs(sums[:, BINS:2 * BINS] - sums[:, 2 * BINS:3 * BINS]).sum(axis=1) / n
        return {"ece": ece, "brier": sums[:, 3 * BINS] / n}
