"""Judge-vs-gold agreement: point estimates from the reference libraries, bootstrap 95% CIs.

Point estimates come from scikit-learn, scipy and ``krippendorff`` on the label arrays; the
intervals resample items through :mod:`judgekit.auditing._boot` and evaluate the same statistic on
every replicate with the vectorized formulas of :mod:`judgekit.auditing._formulas` (which equal the
libraries on any sample; the tests check it).

Statistics by scale:

- every scale: ``agreement`` (exact), ``cohen_kappa``, ``krippendorff_alpha``, confusion matrix;
- ``pairwise``: ``agreement_no_ties`` (items where neither judge nor gold said tie: MT-Bench's
  "without ties" convention; ``agreement`` is its "with ties" one) and ``macro_f1``;
- ``binary`` / ``categorical``: ``macro_f1`` (HealthBench's met / not-met metric);
- ``ordinal``: ``weighted_kappa_quadratic`` / ``_linear``, ``spearman``, ``kendall_tau_b``,
  ``pearson``, ``mae`` (absolute score difference).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any, cast

import numpy as np
from numpy.typing import NDArray

from judgekit.auditing import _formulas as F
from judgekit.auditing._boot import Bootstrap, Patterns
from judgekit.auditing._join import AuditData

Array = NDArray[Any]


def stat(value: float | None, reps: Array | None, n: int, reference: str) -> dict[str, Any]:
    """One reported figure: value, 95% CI (None when not computable), n, reference function."""
    v = None if value is None or not np.isfinite(value) else float(value)
    ci = Bootstrap.interval(reps) if reps is not None and v is not None else None
    return {"value": v, "ci": list(ci) if ci else None, "n": int(n), "reference": reference}


def _lib(fn: Callable[[], Any]) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            out = fn()
        except ValueError:
            return float("nan")
    return float(out)


def cell_patterns(gold: Array, judge: Array, k: int) -> Patterns:
    """Items as one-hot cells of the ``K x K`` gold-by-judge table."""
    counts = np.bincount(gold * k + judge, minlength=k * k).astype(np.int64)
    return Patterns(np.eye(k * k, dtype=np.int64), counts)


def agreement_stats(d: AuditData, boot: Bootstrap, mask: Array | None = None,
                    brief: bool = False, salt: int = 0) -> dict[str, Any]:
    """Agreement statistics of the judge with gold on the items in ``mask`` (default all).

    ``brief`` keeps the slice set: agreement, kappa, plus the scale's main extra.
    """
    from scipy import stats as sst
    from sklearn.metrics import cohen_kappa_score, f1_score

    ok = d.judge >= 0
    if mask is not None:
        ok &= mask
    g, j, k = d.gold[ok], d.judge[ok], d.k
    n = len(g)
    out: dict[str, Any] = {}
    if n == 0:
        return out
    pat = cell_patterns(g, j, k)
    t = F.tables(boot.sums(pat, salt), k)
    labels = list(range(k))
    out["agreement"] = stat(float(np.mean(g == j)), F.agreement(t), n, "numpy mean(judge == gold)")
    out["cohen_kappa"] = stat(_lib(lambda: cohen_kappa_score(g, j, labels=labels)),
                              F.kappa(t), n, "sklearn.metrics.cohen_kappa_score")
    if d.scale == "pairwise" and k >= 3:
        keep = (g < 2) & (j < 2)
        out["agreement_no_ties"] = stat(float(np.mean(g[keep] == j[keep])) if keep.any()
                                        else None, F.agreement(t[..., :2, :2]), int(keep.sum()),
                                        "numpy mean(judge == gold) where neither is tie")
    if d.scale == "ordinal":
        out["weighted_kappa_quadratic"] = stat(
            _lib(lambda: cohen_kappa_score(g, j, labels=labels, weights="quadratic")),
            F.kappa(t, "quadratic"), n, "sklearn.metrics.cohen_kappa_score(weights='quadratic')")
    if brief:
        return out
    if d.scale != "ordinal":
        out["macro_f1"] = stat(_lib(lambda: f1_score(g, j, average="macro", zero_division=0)),
                               F.macro_f1(t), n, "sklearn.metrics.f1_score(average='macro')")
    level = "ordinal" if d.scale == "ordinal" else "nominal"
    out["krippendorff_alpha"] = stat(_lib(lambda: _alpha(g, j, k, level)),
                                     F.krippendorff_alpha(t, level), n,
                                     f"krippendorff.alpha(level_of_measurement='{level}')")
    if d.scale == "ordinal":
        v = d.values()
        gv, jv = v[g], v[j]
        out["weighted_kappa_linear"] = stat(
            _lib(lambda: cohen_kappa_score(g, j, labels=labels, weights="linear")),
            F.kappa(t, "linear"), n, "sklearn.metrics.cohen_kappa_score(weights='linear')")
        out["spearman"] = stat(_lib(lambda: sst.spearmanr(gv, jv).statistic), F.spearman(t), n,
                               "scipy.stats.spearmanr")
        out["kendall_tau_b"] = stat(_lib(lambda: sst.kendalltau(gv, jv).statistic),
                                    F.kendall_tau_b(t), n, "scipy.stats.kendalltau")
        out["pearson"] = stat(_lib(lambda: sst.pearsonr(gv, jv).statistic), F.pearson(t, v), n,
                              "scipy.stats.pearsonr")
        out["mae"] = stat(float(np.mean(np.abs(gv - jv))), F.mae(t, v), n,
                          "numpy mean(|judge - gold|)")
    return out


def _alpha(g: Array, j: Array, k: int, level: str) -> float:
    import krippendorff

    data = np.vstack([g, j]).astype(float)
    return float(krippendorff.alpha(reliability_data=data, value_domain=list(range(k)),
                                     level_of_measurement=cast(Any, level)))


def confusion(d: AuditData) -> dict[str, Any]:
    """Gold-by-judge confusion matrix (sklearn), rows gold, columns judge."""
    from sklearn.metrics import confusion_matrix

    ok = d.judge >= 0
    if not ok.any():
        return {"labels": d.space, "matrix": None}
    m = confusion_matrix(d.gold[ok], d.judge[ok], labels=list(range(d.k)))
    return {"labels": d.space, "rows": "gold", "columns": "judge",
            "matrix": m.astype(int).tolist(), "reference": "sklearn.metrics.confusion_matrix"}


def label_distribution(d: AuditData) -> dict[str, Any]:
    """How often gold and judge use each label (matched items)."""
    ok = d.judge >= 0
    return {"labels": d.space,
            "gold": np.bincount(d.gold, minlength=d.k).astype(int).tolist(),
            "judge": np.bincount(d.judge[ok], minlength=d.k).astype(int).tolist()}
