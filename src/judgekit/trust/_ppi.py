"""What humans would have said: prediction-powered inference (PPI++) of a mean from judge labels.

Angelopoulos, Duchi and Zrnic, "PPI++" (arXiv 2311.01453). A few gold items (expert value
``Y`` and judge value ``Yhat``) and many judge-only items (``Yhat_u``) give

    theta = mean(lam * Yhat_u) + mean(Y - lam * Yhat)

the judge's average, rectified by its measured bias on the gold. ``lam`` is tuned to minimize
the variance (``lam = 0`` is the gold-only estimate, so a useless judge costs nothing
asymptotically), and the interval is the normal one with both variance terms. The formulas
follow ``ppi_py.ppi_mean_ci`` / ``ppi_mean_pointestimate`` exactly (tests compare on real
gold); it is re-implemented here in numpy to keep numba out of judgekit's dependencies.
The effective gold sample size is ``n * (classical width / PPI width)^2``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from judgekit._errors import JudgekitError
from judgekit.trust._bounds import Array
from judgekit.trust._qualify import check_probability


@dataclass(frozen=True)
class PPIEstimate:
    """A PPI++ estimate beside the gold-only one.

    Attributes:
        estimate: PPI++ point estimate.
        ci: Its two-sided confidence interval.
        classical: Gold-only estimate (mean of ``Y``).
        classical_ci: Gold-only (CLT) interval.
        judge_only: The judge's own average over the judge-only items.
        judge_bias: Mean of ``Y - Yhat`` on the gold (the judge's measured bias).
        lam: The tuned power parameter in [0, 1].
        n: Gold items.
        big_n: Judge-only items.
        effective_n: Gold items the classical interval would need to be as narrow.
        confidence: Interval confidence.

    """

    estimate: float
    ci: tuple[float, float]
    classical: float
    classical_ci: tuple[float, float]
    judge_only: float
    judge_bias: float
    lam: float
    n: int
    big_n: int
    effective_n: float
    confidence: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(self).items()}


def tuned_lambda(y: Array, yhat: Array, yhat_u: Array) -> float:
    """PPI++'s variance-minimizing ``lam`` for a mean, clipped to [0, 1]."""
    n, big_n = y.size, yhat_u.size
    g, gh = y - y.mean(), yhat - yhat.mean()
    cov = 2.0 * float(g @ gh) / n
    var = float(np.var(np.concatenate([yhat, yhat_u]), ddof=1))
    if var <= 0.0:
        return 0.0
    return float(np.clip(cov / (2.0 * (1.0 + n / big_n) * var), 0.0, 1.0))


def ppi_mean(y: Array, yhat: Array, yhat_unlabeled: Array, *, confidence: float = 0.95,
             lam: float | None = None) -> PPIEstimate:
    """PPI++ estimate and interval of the mean of ``y`` (see the module docstring).

    Args:
        y: Expert values on the gold items.
        yhat: Judge values on the same items.
        yhat_unlabeled: Judge values on items without gold.
        confidence: Interval confidence.
        lam: Fixed power parameter (1: plain PPI, 0: gold only); default tuned.

    Raises:
        JudgekitError: Fewer than 2 gold or judge-only items, or a bad confidence.

    """
    check_probability(confidence, "--confidence", "the interval confidence")
    y, yhat = np.asarray(y, dtype=float), np.asarray(yhat, dtype=float)
    yu = np.asarray(yhat_unlabeled, dtype=float)
    if y.size < 2 or yu.size < 2:
        raise JudgekitError(f"PPI needs at least 2 gold items and 2 items without gold that "
                            f"the judge labeled; got {y.size} and {yu.size}\n  fix: label "
                            "more items with the judge, or give more gold")
    n, big_n = y.size, yu.size
    lam = tuned_lambda(y, yhat, yu) if lam is None else lam
    est = float((lam * yu).mean() + (y - lam * yhat).mean())
    se = float(np.sqrt((lam * yu).std() ** 2 / big_n + (y - lam * yhat).std() ** 2 / n))
    from scipy import stats  # here, not at the top: scipy.stats takes ~0.7 s to import

    z = float(stats.norm.ppf(1.0 - (1.0 - confidence) / 2.0))
    se_classical = float(y.std() / np.sqrt(n))
    eff = float(n * (se_classical / se) ** 2) if se > 0 else float("inf")
    return PPIEstimate(est, (est - z * se, est + z * se), float(y.mean()),
                       (float(y.mean()) - z * se_classical, float(y.mean()) + z * se_classical),
                       float(yu.mean()), float((y - yhat).mean()), float(lam), n, big_n, eff,
                       confidence)


def value_of(label: str | None, probs: Mapping[str, float] | None, kind: str,
             positive: str | None = None) -> float:
    """The number a label stands for in the estimated mean (NaN: none).

    ``win_rate``: P(A) + P(tie)/2 (from the distribution when known, else the label: A 1,
    B 0, tie 0.5). ``score``: the expected numeric score (or the label's number).
    ``share``: P(``positive``) (or 1/0 for the label).
    """
    if label is None:
        return float("nan")
    if kind == "win_rate":
        if probs:
            total = sum(probs.get(k, 0.0) for k in ("A", "B", "tie"))
            if total > 0:
                return (probs.get("A", 0.0) + probs.get("tie", 0.0) / 2) / total
        return {"A": 1.0, "B": 0.0, "tie": 0.5}.get(label, float("nan"))
    if kind == "score":
        if probs:
            try:
                pairs = [(float(k), p) for k, p in probs.items()]
            except ValueError:
                pairs = []
            if pairs and sum(p for _, p in pairs) > 0:
                return sum(v * p for v, p in pairs) / sum(p for _, p in pairs)
        try:
            return float(label)
        except ValueError:
            return float("nan")
    if probs and positive is not None and positive in probs:
        return float(probs[positive]) / max(sum(probs.values()), 1e-12)
    return 1.0 if label == positive else 0.0


def estimand(gold_labels: Sequence[str], positive: str | None) -> str:
    """``win_rate`` (A/B/tie gold), ``score`` (numbers) or ``share`` (``positive`` given)."""
    if positive is not None:
        return "share"
    if set(gold_labels) <= {"A", "B", "tie"}:
        return "win_rate"
    try:
        [float(x) for x in gold_labels]
    except ValueError:
        seen = ", ".join(sorted(set(gold_labels))[:5])
        raise JudgekitError(f"the gold labels are categories ({seen}), not A/B/tie or "
                            "numbers\n  fix: estimate the share of one category with "
                            "--positive LABEL") from None
    return "score"
