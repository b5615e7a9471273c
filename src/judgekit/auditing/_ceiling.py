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

All of these are functions of each item's vote counts per category (and, for leave-one-out, the
judge's label): items are grouped by that row (:func:`units`), every figure is computed from the
distinct rows weighted by how many items have them, and the bootstrap draws those weights as a
multinomial (:mod:`judgekit.auditing._boot`). The point estimates reproduce statsmodels
``fleiss_kappa``, ``krippendorff.alpha`` and sklearn ``cohen_kappa_score`` (the tests check it),
without importing them.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from judgekit.auditing import _formulas as F
from judgekit.auditing._boot import Bootstrap, Patterns, groups, merge, patterns
from judgekit.auditing._join import AuditData
from judgekit.auditing._stats import cell_table, stat

Array = NDArray[Any]


def vote_counts(ann: Array, k: int) -> Array:
    """``(n, K)`` votes per category from ``(n, m)`` annotator codes (-1 ignored)."""
    n = len(ann)
    ok = ann >= 0
    flat = (np.arange(n, dtype=np.int64)[:, None] * k + ann)[ok]
    out: Array = np.bincount(flat, minlength=n * k).reshape(n, k).astype(np.int64)
    return out


def units(ann: Array, judge: Array, k: int) -> Patterns:
    """Items grouped by their row ``(votes per category..., judge code)``."""
    return patterns(np.column_stack([vote_counts(ann, k), judge]))


@dataclass(frozen=True)
class ItemUnits:
    """Every item's row ``(votes per category..., judge code)``, grouped once for all slices.

    Attributes:
        group: ``(n,)`` each item's index into ``rows``.
        rows: ``(G, K + 1)`` the distinct rows.

    """

    group: Array
    rows: Array

    def of(self, mask: Array | None) -> Patterns:
        """The items in ``mask`` (default all) grouped by row."""
        counts = np.bincount(self.group if mask is None else self.group[mask],
                             minlength=len(self.rows))
        keep = counts > 0
        return Patterns(self.rows[keep], counts[keep].astype(np.int64))


def item_units(d: AuditData) -> ItemUnits | None:
    """:class:`ItemUnits` of the joined items (None without individual annotators)."""
    if d.annotators is None:
        return None
    group, rows = groups(np.column_stack([vote_counts(d.annotators, d.k), d.judge]))
    return ItemUnits(group, rows)


def _unique_mode(counts: Array) -> tuple[Array, Array]:
    top = counts.max(axis=1)
    unique = (top > 0) & ((counts == top[:, None]).sum(axis=1) == 1)
    return counts.argmax(axis=1), unique


def loo_features(votes: Array, judge: Array) -> Array:
    """Leave-one-out counts of items given as ``(P, K)`` votes and judge codes.

    Returns ``(P, 3)``: held-out annotators whose others have a unique majority, those
    annotators agreeing with it, and the judge agreeing with those same majorities.
    """
    out = np.zeros((len(votes), 3), dtype=np.int64)
    for c in range(votes.shape[1]):
        others = votes.copy()
        others[:, c] -= 1
        maj, unique = _unique_mode(others)
        held = np.where(unique & (judge >= 0), votes[:, c], 0)  # annotators who said c
        out[:, 0] += held
        out[:, 1] += held * (maj == c)
        out[:, 2] += held * (judge == maj)
    return out


def loo_stats(d: AuditData, boot: Bootstrap, mask: Array | None = None,
              salt: int = 0, grouped: ItemUnits | None = None) -> dict[str, Any]:
    """Leave-one-out human and judge agreement (and their difference) with 95% CIs.

    ``grouped``: :func:`item_units` of ``d``, when the caller has it (slices share one).
    """
    if d.annotators is None:
        return {}
    if grouped is not None:
        return _loo(grouped.of(mask), d.k, boot, salt)
    ann, judge = d.annotators, d.judge
    if mask is not None:
        ann, judge = ann[mask], judge[mask]
    return _loo(units(ann, judge, d.k), d.k, boot, salt)


def _loo(u: Patterns, k: int, boot: Bootstrap, salt: int) -> dict[str, Any]:
    feats = loo_features(u.rows[:, :k], u.rows[:, k])
    keep = feats[:, 0] > 0
    pat = Patterns(feats[keep], u.counts[keep])
    if pat.n == 0:
        return {}
    tot, reps = pat.total(), boot.sums(pat, salt)
    with np.errstate(divide="ignore", invalid="ignore"):
        h, j = reps[:, 1] / reps[:, 0], reps[:, 2] / reps[:, 0]
    ref = "leave-one-out vs the others' majority (AlpacaEval)"
    n = pat.n
    return {"loo_human": stat(tot[1] / tot[0], h, n, ref),
            "loo_judge": stat(tot[2] / tot[0], j, n, ref),
            "loo_judge_minus_human": stat((tot[2] - tot[1]) / tot[0], j - h, n, ref),
            "loo_pairs": int(tot[0])}


SLOTS = 5
"""Most annotator positions per item whose pairs get a Cohen's kappa."""
SLOT_PAIRS = tuple(itertools.combinations(range(SLOTS), 2))


class Humans:
    """What the ceiling reads, summed over chunks of joined items.

    Attributes:
        units: Every item's row ``(votes per category..., judge code)``, grouped; None
            before a chunk with two or more annotators on an item.
        width: The most annotators on one item (0: none seen).
        slots: Per pair of annotator positions (:data:`SLOT_PAIRS`), the ``(K+1)^2`` table
            of their labels (code + 1; 0: no label) over items with two or more annotators.

    """

    def __init__(self, k: int) -> None:
        self.k = k
        self.units: Patterns | None = None
        self.width = 0
        self.slots = np.zeros((len(SLOT_PAIRS), (k + 1) ** 2), dtype=np.int64)

    def add(self, d: AuditData, grouped: ItemUnits | None) -> None:
        """Add a chunk of joined items (``grouped``: its :func:`item_units`)."""
        if d.annotators is None or grouped is None:
            return
        self.units = merge(self.units, grouped.of(None))
        width = d.annotators.shape[1]
        self.width = max(self.width, width)
        if width > SLOTS:
            return
        ann = d.annotators[(d.annotators >= 0).sum(axis=1) >= 2]
        padded = np.full((len(ann), SLOTS), -1, dtype=np.int64)
        padded[:, :width] = ann
        for p, (a, b) in enumerate(SLOT_PAIRS):
            self.slots[p] += cell_table(padded[:, a] + 1, padded[:, b] + 1, self.k + 1)


def ceiling(d: AuditData, boot: Bootstrap, grouped: ItemUnits | None = None) -> dict[str, Any]:
    """The ceiling section of the report (``grouped``: :func:`item_units` of ``d``, if known)."""
    humans = Humans(d.k)
    humans.add(d, grouped if grouped is not None else item_units(d))
    return ceiling_from(humans, d.scale, boot)


def ceiling_from(humans: Humans, scale: str, boot: Bootstrap) -> dict[str, Any]:
    """:func:`ceiling` of items summed in ``humans``."""
    if humans.width < 2 or humans.units is None:
        return {"available": False, "reason": "the gold has no individual annotators' labels"}
    k, every = humans.k, humans.units
    per_row = every.rows[:, :k].sum(axis=1)
    multi = per_row >= 2
    if not multi.any():
        return {"available": False, "reason": "no item has two or more annotators"}
    u = Patterns(every.rows[multi], every.counts[multi])
    per_row = per_row[multi]
    out: dict[str, Any] = {
        "available": True,
        "items": u.n,
        "annotators_per_item": {"mean": float(per_row @ u.counts / u.n),
                                "min": int(per_row.min()), "max": int(per_row.max())},
    }
    out.update(_loo(u, k, boot, salt=11))
    out["fleiss_kappa"] = _fleiss(u, per_row, k, boot)
    out["krippendorff_alpha_humans"] = _alpha_humans(u, scale, k)
    out["pairwise_agreement"] = _pairwise_agreement(u, per_row, k, boot)
    if len(np.unique(per_row)) == 1 and humans.width <= SLOTS:
        out["pairwise_cohen_kappa"] = _slot_kappas(humans.slots, humans.width, k)
    return out


def loo_from(units: Patterns | None, k: int, boot: Bootstrap, salt: int) -> dict[str, Any]:
    """:func:`loo_stats` of items grouped by their units row (None: no annotators)."""
    return {} if units is None else _loo(units, k, boot, salt)


def _fleiss(u: Patterns, per_row: Array, k: int, boot: Bootstrap) -> dict[str, Any]:
    sizes = np.bincount(per_row, weights=u.counts)
    m = int(sizes.argmax())  # the most common number of annotators (the smallest on a tie)
    sub = per_row == m
    votes = u.rows[sub, :k]
    pat = Patterns(np.concatenate([votes, (votes**2).sum(axis=1, keepdims=True)], axis=1),
                   u.counts[sub])
    tot = pat.total().astype(float)
    value = F.fleiss_kappa(tot[:k], tot[k], np.asarray(float(pat.n)), m)
    reps = boot.sums(pat, salt=13).astype(float)
    n = np.full(len(reps), float(pat.n))
    r = F.fleiss_kappa(reps[:, :k], reps[:, k], n, m)
    res = stat(float(value), r, pat.n, "statsmodels fleiss_kappa(aggregate_raters(...))")
    res["raters_per_item"] = m
    return res


def _alpha_humans(u: Patterns, scale: str, k: int) -> dict[str, Any]:
    level = "ordinal" if scale == "ordinal" else "nominal"
    o = F.coincidences(u.rows[:, :k], u.counts)
    value = float(F.alpha_from_coincidences(o, level))
    return stat(value, None, u.n, f"krippendorff.alpha(level_of_measurement='{level}'), "
                "all annotators; no CI")


def _pairwise_agreement(u: Patterns, per_row: Array, k: int, boot: Bootstrap) -> dict[str, Any]:
    votes = u.rows[:, :k]
    feats = np.stack([per_row * (per_row - 1) // 2, (votes * (votes - 1) // 2).sum(axis=1)],
                     axis=1)
    pat = Patterns(feats, u.counts)
    reps = boot.sums(pat, salt=17)
    tot = pat.total()
    with np.errstate(divide="ignore", invalid="ignore"):
        r = reps[:, 1] / reps[:, 0]
    return stat(tot[1] / tot[0], r, pat.n, "mean over (item, annotator pair) of equal labels")


def _slot_kappas(slots: Array, width: int, k: int) -> list[dict[str, Any]]:
    """Cohen's kappa and raw agreement of each pair of annotator positions (-1 a category)."""
    out = []
    for p, (a, b) in enumerate(SLOT_PAIRS):
        if b >= width:
            continue
        t = F.tables(slots[p], k + 1)
        out.append({"annotators": [a + 1, b + 1], "cohen_kappa": float(F.kappa(t)),
                    "agreement": float(F.agreement(t))})
    return out
