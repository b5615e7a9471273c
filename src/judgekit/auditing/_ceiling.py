"""The human ceiling: how well humans agree with each other, beside the judge on the same items.

Leave-one-out (as AlpacaEval computes human agreement): every annotator of an item is compared
with the majority label of that item's *other* annotators; where the others have no unique
majority (a 1-1 split, say) that annotator is left out. The judge is compared with the very same
held-out majorities, so ``loo_human`` and ``loo_judge`` are rates over the same (item, held-out
annotator) pairs and directly comparable: a judge at the ceiling agrees with a majority of
humans as often as a human does. Also: Fleiss' kappa (statsmodels; items with the most common
number of annotators), Krippendorff's alpha over all annotators (missing allowed), mean pairwise
raw agreement, and Cohen's kappa of every pair of annotator positions when each item has the
same small number of annotators.
"""

from __future__ import annotations

import itertools
import warnings
from typing import Any, cast

import numpy as np
from numpy.typing import NDArray

from judgekit.auditing import _formulas as F
from judgekit.auditing._boot import Bootstrap, onehot, patterns
from judgekit.auditing._join import AuditData
from judgekit.auditing._stats import stat

Array = NDArray[Any]


def vote_counts(ann: Array, k: int) -> Array:
    """``(n, K)`` votes per category from ``(n, m)`` annotator codes (-1 ignored)."""
    n, m = ann.shape
    counts = np.zeros((n, k), dtype=np.int64)
    for s in range(m):
        counts += onehot(ann[:, s], k)
    return counts


def _unique_mode(counts: Array) -> tuple[Array, Array]:
    top = counts.max(axis=1)
    unique = (top > 0) & ((counts == top[:, None]).sum(axis=1) == 1)
    return counts.argmax(axis=1), unique


def loo_features(ann: Array, judge: Array, k: int) -> Array:
    """Per-item leave-one-out counts.

    Returns ``(n, 3)``: held-out pairs with a unique majority of the others, annotators agreeing
    with it, and the judge agreeing with those same majorities.
    """
    counts = vote_counts(ann, k)
    out = np.zeros((len(ann), 3), dtype=np.int64)
    for s in range(ann.shape[1]):
        a = ann[:, s]
        present = a >= 0
        others = counts - onehot(a, k)
        maj, unique = _unique_mode(others)
        valid = present & unique & (judge >= 0)
        out[:, 0] += valid
        out[:, 1] += valid & (a == maj)
        out[:, 2] += valid & (judge == maj)
    return out


def loo_stats(d: AuditData, boot: Bootstrap, mask: Array | None = None,
              salt: int = 0) -> dict[str, Any]:
    """Leave-one-out human and judge agreement (and their difference) with 95% CIs."""
    if d.annotators is None:
        return {}
    ann, judge = d.annotators, d.judge
    if mask is not None:
        ann, judge = ann[mask], judge[mask]
    feats = loo_features(ann, judge, d.k)
    feats = feats[feats[:, 0] > 0]
    if len(feats) == 0:
        return {}
    pat = patterns(feats)
    tot, reps = pat.total(), boot.sums(pat, salt)
    with np.errstate(divide="ignore", invalid="ignore"):
        h, j = reps[:, 1] / reps[:, 0], reps[:, 2] / reps[:, 0]
    ref = "leave-one-out vs the others' majority (AlpacaEval)"
    n = len(feats)
    return {"loo_human": stat(tot[1] / tot[0], h, n, ref),
            "loo_judge": stat(tot[2] / tot[0], j, n, ref),
            "loo_judge_minus_human": stat((tot[2] - tot[1]) / tot[0], j - h, n, ref),
            "loo_pairs": int(tot[0])}


def ceiling(d: AuditData, boot: Bootstrap) -> dict[str, Any]:
    """The ceiling section of the report."""
    if d.annotators is None:
        return {"available": False, "reason": "the gold has no individual annotators' labels"}
    ann = d.annotators
    per_item = (ann >= 0).sum(axis=1)
    multi = per_item >= 2
    if not multi.any():
        return {"available": False, "reason": "no item has two or more annotators"}
    out: dict[str, Any] = {
        "available": True,
        "items": int(multi.sum()),
        "annotators_per_item": {"mean": float(per_item[multi].mean()),
                                "min": int(per_item[multi].min()),
                                "max": int(per_item[multi].max())},
    }
    out.update(loo_stats(d, boot, multi, salt=11))
    out["fleiss_kappa"] = _fleiss(ann[multi], per_item[multi], d.k, boot)
    out["krippendorff_alpha_humans"] = _alpha_humans(ann[multi], d)
    out["pairwise_agreement"] = _pairwise_agreement(ann[multi], boot)
    if len(set(per_item[multi].tolist())) == 1 and ann.shape[1] <= 5:
        out["pairwise_cohen_kappa"] = _slot_kappas(ann[multi])
    return out


def _fleiss(ann: Array, per_item: Array, k: int, boot: Bootstrap) -> dict[str, Any]:
    from statsmodels.stats.inter_rater import aggregate_raters, fleiss_kappa

    vals, cnt = np.unique(per_item, return_counts=True)
    m = int(vals[cnt.argmax()])
    sub = ann[per_item == m]
    votes = vote_counts(sub, k)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        table, _ = aggregate_raters(np.sort(sub, axis=1)[:, -m:], n_cat=k)
        value = float(fleiss_kappa(table, method="fleiss"))
    feats = np.concatenate([votes, (votes**2).sum(axis=1, keepdims=True)], axis=1)
    pat = patterns(feats)
    reps = boot.sums(pat, salt=13)
    n = np.full(len(reps), len(sub), dtype=float)
    r = F.fleiss_kappa(reps[:, :k].astype(float), reps[:, k].astype(float), n, m)
    res = stat(value, r, len(sub), "statsmodels fleiss_kappa(aggregate_raters(...))")
    res["raters_per_item"] = m
    return res


def _alpha_humans(ann: Array, d: AuditData) -> dict[str, Any]:
    import krippendorff

    data = np.where(ann >= 0, ann, np.nan).T.astype(float)
    level = "ordinal" if d.scale == "ordinal" else "nominal"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            value = float(krippendorff.alpha(reliability_data=data,
                                             value_domain=list(range(d.k)),
                                             level_of_measurement=cast(Any, level)))
        except ValueError:
            value = float("nan")
    return stat(value, None, len(ann), f"krippendorff.alpha(level_of_measurement='{level}'), "
                "all annotators; no CI")


def _pairwise_agreement(ann: Array, boot: Bootstrap) -> dict[str, Any]:
    k = int(ann.max()) + 1
    votes = vote_counts(ann, k)
    m = (ann >= 0).sum(axis=1)
    pairs = m * (m - 1) // 2
    agree = (votes * (votes - 1) // 2).sum(axis=1)
    feats = np.stack([pairs, agree], axis=1)
    pat = patterns(feats)
    reps = boot.sums(pat, salt=17)
    tot = pat.total()
    with np.errstate(divide="ignore", invalid="ignore"):
        r = reps[:, 1] / reps[:, 0]
    return stat(tot[1] / tot[0], r, len(ann),
                "mean over (item, annotator pair) of equal labels")


def _slot_kappas(ann: Array) -> list[dict[str, Any]]:
    from sklearn.metrics import cohen_kappa_score

    out = []
    for a, b in itertools.combinations(range(ann.shape[1]), 2):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            kap = float(cohen_kappa_score(ann[:, a], ann[:, b]))
        out.append({"annotators": [a + 1, b + 1], "cohen_kappa": kap,
                    "agreement": float(np.mean(ann[:, a] == ann[:, b]))})
    return out
