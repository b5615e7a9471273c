"""Trust or Escalate: pick the confidence threshold above which a judge's labels are trusted.

Jung, Brahman and Choi (ICLR 2025, arXiv 2407.18370): on calibration gold, walk candidate
thresholds from high to low and test each with an exact binomial bound (fixed-sequence
testing); stop at the first that fails. Keeping the labels whose confidence clears the last
threshold that passed gives agreement with the experts >= ``target`` on the kept labels, with
probability >= ``1 - delta`` over the draw of the calibration set (calibration and production
items exchangeable).

Two choices differ from the paper's code, both without loss of the guarantee:

- The candidates are every float, walked downwards, not a 5,000-point grid: between two
  neighbouring observed confidences every candidate keeps the same calibration items and gets
  the same test, so the walk is computed once per observed value (exact and fast), and the
  threshold returned is the lowest candidate that passed: just above the next observed value
  down, which keeps more production items than a coarse grid would.
- As in the paper, candidates keeping fewer than ``min_n`` calibration items are skipped (a
  bound on a handful of items always fails and would end the walk at once); but ``min_n``
  grows with the target (:func:`default_min_n`) instead of being 30 for every target.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from judgekit.trust._bounds import Array, items_needed, lower_bound
from judgekit.trust._qualify import check_probability

NEEDED_PROBES = 16
"""Candidate thresholds tried when estimating the calibration size a failed run needed."""


@dataclass(frozen=True)
class TrustOptions:
    """The guarantee asked for.

    Attributes:
        target: Agreement with the experts required on the kept labels (1 - alpha).
        delta: Allowed probability that the guarantee fails (over the calibration draw).
        min_n: Fewest calibration items a candidate threshold must keep to be tested.
            Default (None): :func:`default_min_n` of ``target`` and ``delta``.

    """

    target: float = 0.9
    delta: float = 0.1
    min_n: int | None = None

    def checked(self) -> TrustOptions:
        """Self, after checking every field (a :class:`JudgekitError` names the option)."""
        from judgekit._errors import JudgekitError

        check_probability(self.target, "--target", "the target agreement")
        check_probability(self.delta, "--delta", "delta (the allowed failure probability)")
        if self.min_n is None:
            return replace(self, min_n=default_min_n(self.target, self.delta))
        if self.min_n < 1:
            raise JudgekitError(f"--min-n is {self.min_n}; it must be at least 1\n"
                                "  fix: e.g. --min-n 30")
        return self


def default_min_n(target: float, delta: float) -> int:
    """Where the walk starts: the fewest kept items that can certify a good judge.

    That is the kept count at which a judge halfway between the target and perfect would
    certify the target (at least 30, the paper's fixed choice). A fixed 30 makes high targets
    unreachable: at 0.9 the first 30 kept items must then all agree (29 of 30 gives a bound
    of 0.86), so the walk usually stops at once. Starting where a good judge could pass
    depends only on ``target`` and ``delta``, never on the data, so the sequence of tests is
    still fixed in advance. (0.8 / 0.1: 38 items; 0.9 / 0.1: 78.)
    """
    return max(30, items_needed((1.0 + target) / 2.0, target, 1.0 - delta) or 30)


@dataclass(frozen=True)
class Threshold:
    """A calibrated threshold, or the statement that none could be certified.

    Attributes:
        threshold: Labels with confidence >= this are trusted (``inf``: none is).
        target: The agreement certified.
        delta: The failure probability allowed.
        calibration_n: Calibration items offered (items without a confidence included).
        kept: Calibration items the threshold keeps.
        agreed: Of those, items whose label equals the gold.
        bound: Clopper-Pearson lower bound (confidence ``1 - delta``) of agreement on the kept
            calibration items; None when nothing is kept.
        needed: When nothing is certified: about how many calibration items would be, if
            agreement and coverage stayed as measured (None: no size would do).
        below: The highest observed confidence that is *not* trusted (for the rule's wording).

    """

    threshold: float
    target: float
    delta: float
    calibration_n: int
    kept: int
    agreed: int
    bound: float | None
    needed: int | None = None
    below: float | None = None

    @property
    def certified(self) -> bool:
        """Whether some labels are trusted."""
        return math.isfinite(self.threshold)

    @property
    def coverage(self) -> float:
        """Share of calibration items kept."""
        return self.kept / self.calibration_n if self.calibration_n else 0.0

    def keep(self, conf: Array) -> Array:
        """Mask of the labels to trust (a NaN confidence is never trusted)."""
        c = np.asarray(conf, dtype=float)
        return np.where(np.isnan(c), False, c >= self.threshold)

    def rule(self) -> str:
        """The rule in words: ``confidence > 0.8312``, ``every label``, or ``no label``."""
        if not self.certified:
            return "no label"
        if self.below is None:
            return "every label with a confidence"
        return f"confidence > {self.below:.4g}"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        return {"threshold": self.threshold if self.certified else None,
                "rule": self.rule(), "certified": self.certified, "target": self.target,
                "delta": self.delta, "calibration_n": self.calibration_n, "kept": self.kept,
                "agreed": self.agreed, "coverage": round(self.coverage, 6),
                "bound": None if self.bound is None else round(self.bound, 6),
                "calibration_needed": self.needed}


def select_threshold(conf: Array, correct: Array, options: TrustOptions) -> Threshold:
    """Fixed-sequence testing on calibration items (see the module docstring).

    Args:
        conf: Judge confidence per calibration item (NaN: none; never trusted).
        correct: Whether the judge's label equals the gold label, per item.
        options: Target, delta and the fewest items a candidate must keep.

    """
    opts = options.checked()
    conf = np.asarray(conf, dtype=float)
    correct = np.asarray(correct, dtype=bool)
    total = int(conf.size)
    valid = ~np.isnan(conf)
    order = np.argsort(-conf[valid], kind="stable")
    c, ok = conf[valid][order], correct[valid][order]
    ends = np.nonzero(np.r_[c[1:] != c[:-1], True])[0] if c.size else np.zeros(0, np.int64)
    values, n, agree = c[ends], ends + 1, np.cumsum(ok)[ends] if c.size else ends
    bounds = lower_bound(agree, n, 1.0 - opts.delta) if c.size else np.zeros(0)
    tested = np.nonzero(n >= (opts.min_n or 1))[0]
    last = -1
    for j in tested:  # the walk: stop at the first candidate that fails
        if bounds[j] < opts.target:
            break
        last = int(j)
    if last < 0:
        return Threshold(math.inf, opts.target, opts.delta, total, 0, 0, None, None,
                         float(values[0]) if c.size else None)
    below = float(values[last + 1]) if last + 1 < values.size else None
    threshold = float(np.nextafter(below, np.inf)) if below is not None else 0.0
    return Threshold(threshold, opts.target, opts.delta, total, int(n[last]),
                     int(agree[last]), float(bounds[last]), None, below)


def calibration_needed(conf: Array, correct: Array, options: TrustOptions) -> int | None:
    """About how many calibration items would certify some threshold, or None.

    For a few candidate thresholds whose kept calibration items agree more often than the
    target, the kept count that would certify that rate (:func:`items_needed`) scaled up by
    the share of items the threshold keeps; the smallest. It assumes agreement and coverage
    stay as measured, so it is an estimate, not a promise. None: no threshold's agreement
    exceeds the target, so no calibration size would do (a better judge is needed).
    """
    opts = options.checked()
    c = np.asarray(conf, dtype=float)
    ok = np.asarray(correct, dtype=bool)[~np.isnan(c)]
    c = c[~np.isnan(c)]
    order = np.argsort(-c, kind="stable")
    n = np.arange(1, c.size + 1)
    rate = np.cumsum(ok[order]) / n if c.size else np.zeros(0)
    good = np.nonzero(rate > opts.target)[0]
    if not good.size:
        return None
    probes = good[np.unique(np.linspace(0, good.size - 1, NEEDED_PROBES).astype(int))]
    best: int | None = None
    for j in probes:
        kept = items_needed(float(rate[j]), opts.target, 1.0 - opts.delta)
        if kept is not None:
            size = math.ceil(max(kept, opts.min_n or 1) * np.asarray(conf).size / int(n[j]))
            best = size if best is None else min(best, size)
    return best
