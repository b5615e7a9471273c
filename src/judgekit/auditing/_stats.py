"""Judge-vs-gold agreement from the contingency table: point estimates and bootstrap 95% CIs.

Every statistic here is a function of the gold-by-judge contingency table of the items
(:func:`cell_table`), so both the point estimate and the bootstrap replicates are computed by
the vectorized formulas of :mod:`judgekit.auditing._formulas` on tables: the point estimate on
the sample's exact integer table, the replicates on the ``(B, K, K)`` tables drawn as
Multinomial(n, cell frequencies) by :class:`~judgekit.auditing._boot.Bootstrap` (the same
distribution as resampling the items). Each figure's ``reference`` names the library function
it reproduces (the tests check each against it on real gold, to 1e-9; counts and rates are
exact): no reference library is imported while auditing.

Statistics by scale:

- every scale: ``agreement`` (exact), ``cohen_kappa``, ``krippendorff_alpha``, confusion matrix;
- ``pairwise``: ``agreement_no_ties`` (items where neither judge nor gold said tie: MT-Bench's
  "without ties" convention; ``agreement`` is its "with ties" one) and ``macro_f1``;
- ``binary`` / ``categorical``: ``macro_f1`` (HealthBench's met / not-met metric);
- ``ordinal``: ``weighted_kappa_quadratic`` / ``_linear``, ``spearman``, ``kendall_tau_b``,
  ``pearson``, ``mae`` (absolute score difference).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from judgekit.auditing import _formulas as F
from judgekit.auditing._boot import Bootstrap, Patterns
from judgekit.auditing._join import AuditData, scale_values

Array = NDArray[Any]


def stat(value: float | None, reps: Array | None, n: int, reference: str) -> dict[str, Any]:
    """One reported figure: value, 95% CI (None when not computable), n, reference function."""
    v = None if value is None or not np.isfinite(value) else float(value)
    ci = Bootstrap.interval(reps) if reps is not None and v is not None else None
    return {"value": v, "ci": list(ci) if ci else None, "n": int(n), "reference": reference}


def cell_table(gold: Array, judge: Array, k: int) -> Array:
    """``(K*K,)`` item counts of the gold-by-judge table, cell ``gold * K + judge``."""
    out: Array = np.bincount(gold * k + judge, minlength=k * k).astype(np.int64)
    return out


def cell_patterns(gold: Array, judge: Array, k: int) -> Patterns:
    """Items as one-hot cells of the ``K x K`` gold-by-judge table."""
    return Patterns(np.eye(k * k, dtype=np.int64), cell_table(gold, judge, k))


def _value(x: Array) -> float:
    return float(np.asarray(x))


def judged_cells(d: AuditData, mask: Array | None = None) -> Array:
    """``(K*K,)`` gold-by-judge counts of the items in ``mask`` (default all) with a verdict."""
    ok = d.judge >= 0
    if mask is not None:
        ok &= mask
    return cell_table(d.gold[ok], d.judge[ok], d.k)


def agreement_stats(d: AuditData, boot: Bootstrap, mask: Array | None = None,
                    brief: bool = False, salt: int = 0) -> dict[str, Any]:
    """Agreement statistics of the judge with gold on the items in ``mask`` (default all).

    ``brief`` keeps the slice set: agreement, kappa, plus the scale's main extra.
    """
    return agreement_from(judged_cells(d, mask), d.scale, d.space, boot, brief=brief, salt=salt)


def agreement_from(cells: Array, scale: str, space: list[str], boot: Bootstrap, *,
                   brief: bool = False, salt: int = 0) -> dict[str, Any]:
    """:func:`agreement_stats` of items given by their gold-by-judge counts (:func:`cell_table`).

    Args:
        cells: ``(K*K,)`` item counts per cell ``gold * K + judge``.
        scale: The scale (``pairwise``, ``ordinal``...).
        space: Its categories, in code order.
        boot: Bootstrap settings.
        brief: Only the slice set of figures.
        salt: The bootstrap draw's salt.

    """
    k = len(space)
    pat = Patterns(np.eye(k * k, dtype=np.int64), np.asarray(cells, dtype=np.int64))
    n = pat.n
    out: dict[str, Any] = {}
    if n == 0:
        return out
    t0 = F.tables(pat.counts, k)
    t = F.tables(boot.sums(pat, salt), k)

    def put(name: str, fn: Any, ref: str, *args: Any) -> None:
        out[name] = stat(_value(fn(t0, *args)), fn(t, *args), n, ref)

    put("agreement", F.agreement, "numpy mean(judge == gold)")
    put("cohen_kappa", F.kappa, "sklearn.metrics.cohen_kappa_score")
    if scale == "pairwise" and k >= 3:
        kept = int(t0[:2, :2].sum())
        out["agreement_no_ties"] = stat(_value(F.agreement(t0[:2, :2])) if kept else None,
                                        F.agreement(t[..., :2, :2]), kept,
                                        "numpy mean(judge == gold) where neither is tie")
    if scale == "ordinal":
        put("weighted_kappa_quadratic", F.kappa,
            "sklearn.metrics.cohen_kappa_score(weights='quadratic')", "quadratic")
    if brief:
        return out
    if scale != "ordinal":
        put("macro_f1", F.macro_f1, "sklearn.metrics.f1_score(average='macro')")
    level = "ordinal" if scale == "ordinal" else "nominal"
    put("krippendorff_alpha", F.krippendorff_alpha,
        f"krippendorff.alpha(level_of_measurement='{level}')", level)
    if scale == "ordinal":
        v = scale_values(scale, space)
        put("weighted_kappa_linear", F.kappa,
            "sklearn.metrics.cohen_kappa_score(weights='linear')", "linear")
        put("spearman", F.spearman, "scipy.stats.spearmanr")
        put("kendall_tau_b", F.kendall_tau_b, "scipy.stats.kendalltau")
        put("pearson", F.pearson, "scipy.stats.pearsonr", v)
        put("mae", F.mae, "numpy mean(|judge - gold|)", v)
    return out


def confusion(d: AuditData) -> dict[str, Any]:
    """Gold-by-judge confusion matrix (counts), rows gold, columns judge."""
    return confusion_from(judged_cells(d), d.space)


def confusion_from(cells: Array, space: list[str]) -> dict[str, Any]:
    """:func:`confusion` of items given by their gold-by-judge counts."""
    k = len(space)
    if not np.asarray(cells).sum():
        return {"labels": space, "matrix": None}
    m = np.asarray(cells).reshape(k, k)
    return {"labels": space, "rows": "gold", "columns": "judge",
            "matrix": m.astype(int).tolist(), "reference": "sklearn.metrics.confusion_matrix"}


def label_counts(d: AuditData) -> tuple[Array, Array]:
    """How many matched items have each gold label, and each judge label (a verdict)."""
    ok = d.judge >= 0
    return (np.bincount(d.gold, minlength=d.k).astype(np.int64),
            np.bincount(d.judge[ok], minlength=d.k).astype(np.int64))


def label_distribution(d: AuditData) -> dict[str, Any]:
    """How often gold and judge use each label (matched items)."""
    gold, judge = label_counts(d)
    return {"labels": d.space, "gold": gold.astype(int).tolist(),
            "judge": judge.astype(int).tolist()}
