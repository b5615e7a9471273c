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

Every float sum (per bin, of confidences, of Brier terms) is added one item at a time in item
order, carried from chunk to chunk (:class:`Calibration`), so a report is bit-identical however
its items were chunked; numpy's ``mean`` sums pairwise instead, and the means here differ from
it by rounding alone (relative 1e-12 at most on a million items; the tests check it).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from judgekit.auditing._boot import Bootstrap, Patterns, merge, patterns
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


def _running(carry: Array, index: Array, values: Array, size: int) -> Array:
    """``carry`` plus the per-index sums of ``values``, added one by one in item order.

    The carry enters first, so the sums over chunks are bit-identical to one pass over all
    the items (``np.bincount`` adds its weights sequentially).
    """
    out: Array = np.bincount(np.concatenate([np.arange(size), index]),
                             weights=np.concatenate([carry, values]), minlength=size)
    return out


class Calibration:
    """What the calibration section reads, summed over chunks of joined items.

    Attributes:
        bins: ``(3, BINS)`` per bin: items, correct items, confidence sum.
        sums: items, correct items, confidence sum, top-label Brier sum, items with a full
            distribution, multiclass Brier sum (float sums added in item order).
        top: Items grouped by (bin, correct, confidence * Q rounded), or None.
        terms: Items grouped by multiclass Brier term * Q rounded (-1: no full distribution).

    """

    def __init__(self) -> None:
        self.bins = np.zeros((3, BINS))
        self.sums = np.zeros(6)
        self.top: Patterns | None = None
        self.terms: Patterns | None = None

    def add(self, d: AuditData) -> None:
        """Add a chunk of joined items."""
        ok = (d.judge >= 0) & np.isfinite(d.conf)
        if not ok.any():
            return
        conf = np.clip(d.conf[ok], 0.0, 1.0)
        correct = (d.judge[ok] == d.gold[ok]).astype(np.int64)
        b = bin_of(conf)
        for row, weights in enumerate((np.ones(len(b)), correct.astype(float), conf)):
            self.bins[row] = _running(self.bins[row], b, weights, BINS)
        probs, gold = d.probs[ok], d.gold[ok]
        full = np.isfinite(probs).all(axis=1)
        term = _terms(probs[full], gold[full])
        q = np.full(len(full), -1, dtype=np.int64)  # -1: no full distribution
        q[full] = np.rint(term * Q).astype(np.int64)
        zero = np.zeros(len(b), dtype=np.int64)
        self.sums = _running(self.sums, np.concatenate([zero + 2, zero + 3, zero[:len(term)] + 5]),
                             np.concatenate([conf, (correct - conf) ** 2, term]), 6)
        self.sums[[0, 1, 4]] += (len(b), correct.sum(), len(term))
        self.top = merge(self.top, patterns(np.stack([b, correct, np.rint(conf * Q)], axis=1)))
        self.terms = merge(self.terms, patterns(q))


def _terms(probs: Array, gold: Array) -> Array:
    """Per item: sum over labels of (P(label) - 1[label = gold])^2."""
    hit = np.zeros_like(probs)
    hit[np.arange(len(probs)), gold] = 1.0
    out: Array = ((probs - hit) ** 2).sum(axis=1)
    return out


def calibration(d: AuditData, boot: Bootstrap) -> dict[str, Any]:
    """The calibration section of the report."""
    c = Calibration()
    c.add(d)
    return calibration_from(c, boot)


def calibration_from(c: Calibration, boot: Bootstrap) -> dict[str, Any]:
    """:func:`calibration` of the items summed in ``c``."""
    if c.top is None:
        return {"available": False, "reason": "no probabilities with the labels"}
    cnt, acc, cs = c.bins
    n, n_correct, conf_sum, brier_sum, n_full, term_sum = c.sums
    bins = [{"lo": i / BINS, "hi": (i + 1) / BINS, "n": int(cnt[i]),
             "confidence": float(cs[i] / cnt[i]) if cnt[i] else None,
             "accuracy": float(acc[i] / cnt[i]) if cnt[i] else None} for i in range(BINS)]
    reps = _replicates(c.top, boot)
    out: dict[str, Any] = {
        "available": True, "items": int(n), "mean_confidence": float(conf_sum / n),
        "accuracy": float(n_correct / n),
        "ece": stat(_ece(acc, cs, int(n)), reps["ece"], int(n),
                    "numpy: 10 equal-width bins, sum |acc - conf| * share"),
        "brier": stat(float(brier_sum / n), reps["brier"], int(n),
                      "sklearn.metrics.brier_score_loss(correct, confidence)"),
        "bins": bins,
    }
    out["brier_multiclass"] = _brier_multiclass(c.terms, float(term_sum / n_full), int(n_full),
                                                boot) if n_full else None
    return out


def _brier_multiclass(pat: Patterns | None, value: float, n: int,
                      boot: Bootstrap) -> dict[str, Any]:
    """Mean over items with a full distribution of sum over labels of (P - 1[gold])^2."""
    assert pat is not None
    rows = pat.rows[:, 0]
    sums = boot.sums(Patterns(np.stack([np.where(rows >= 0, rows, 0) / Q, rows >= 0], axis=1),
                              pat.counts), salt=32)
    with np.errstate(divide="ignore", invalid="ignore"):
        reps = sums[:, 0] / sums[:, 1]
    return stat(value, reps, n, "sklearn.metrics.brier_score_loss(gold, probs, labels=...)")


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
