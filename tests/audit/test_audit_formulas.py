"""Vectorized table formulas and the pattern bootstrap against the reference libraries."""

from __future__ import annotations

import krippendorff
import numpy as np
import pytest
from scipy import stats as sst
from sklearn.metrics import cohen_kappa_score, f1_score
from statsmodels.stats.inter_rater import aggregate_raters, fleiss_kappa

from judgekit.auditing import _formulas as F
from judgekit.auditing._boot import Bootstrap, index_sums, onehot, patterns
from judgekit.auditing._stats import cell_patterns


def table(g: np.ndarray, j: np.ndarray, k: int) -> np.ndarray:
    t = np.zeros((k, k))
    np.add.at(t, (g, j), 1)
    return t


def test_hand_computed_two_by_two() -> None:
    # 10 items: 4 both-yes, 3 both-no, 2 gold-yes/judge-no, 1 gold-no/judge-yes
    t = np.array([[4.0, 2.0], [1.0, 3.0]])
    # p_o = 0.7; p_e = 0.6*0.5 + 0.4*0.5 = 0.5; kappa = 0.2 / 0.5 = 0.4
    assert F.agreement(t) == pytest.approx(0.7)
    assert F.kappa(t) == pytest.approx(0.4)
    # F1 yes = 8 / (8 + 1 + 2) = 8/11; F1 no = 6 / (6 + 2 + 1) = 6/9
    assert F.macro_f1(t) == pytest.approx((8 / 11 + 6 / 9) / 2)
    # MAE on 0/1 values: 3 disagreements of 1 step over 10 items
    assert F.mae(t, np.array([0.0, 1.0])) == pytest.approx(0.3)


def test_hand_computed_ordinal() -> None:
    g = np.array([0, 1, 2, 2])
    j = np.array([0, 2, 2, 1])
    t = table(g, j, 3)
    # quadratic weights: observed = (1 + 1) / 4 = 0.5 per item weighted; expected from marginals
    rows, cols = t.sum(1), t.sum(0)
    w = np.array([[0, 1, 4], [1, 0, 1], [4, 1, 0]], float)
    expected = 1 - (w * t).sum() / (w * np.outer(rows, cols) / 4).sum()
    assert F.kappa(t, "quadratic") == pytest.approx(expected)
    assert F.agreement(t) == pytest.approx(0.5)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("k", [2, 3, 5])
def test_formulas_equal_libraries_on_random_samples(seed: int, k: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(20, 400))
    g = rng.integers(0, k, n)
    j = np.where(rng.random(n) < 0.6, g, rng.integers(0, k, n))
    t = table(g, j, k)
    labels = list(range(k))
    v = np.arange(k, dtype=float) * 1.5 + 1
    assert F.kappa(t) == pytest.approx(cohen_kappa_score(g, j, labels=labels))
    for w in ("linear", "quadratic"):
        assert F.kappa(t, w) == pytest.approx(cohen_kappa_score(g, j, labels=labels, weights=w))
    assert F.macro_f1(t) == pytest.approx(f1_score(g, j, average="macro"))
    assert F.spearman(t) == pytest.approx(sst.spearmanr(g, j).statistic)
    assert F.kendall_tau_b(t) == pytest.approx(sst.kendalltau(g, j).statistic)
    assert F.pearson(t, v) == pytest.approx(sst.pearsonr(v[g], v[j]).statistic)
    assert F.mae(t, v) == pytest.approx(np.mean(np.abs(v[g] - v[j])))
    data = np.vstack([g, j]).astype(float)
    for level in ("nominal", "ordinal"):
        ref = krippendorff.alpha(reliability_data=data, value_domain=labels,
                                 level_of_measurement=level)
        assert F.krippendorff_alpha(t, level) == pytest.approx(ref)
    ref = krippendorff.alpha(reliability_data=np.vstack([v[g], v[j]]),
                             level_of_measurement="interval")
    assert F.krippendorff_alpha(t, "interval", v) == pytest.approx(ref)


def test_vectorized_kappa_over_index_replicates_equals_sklearn_per_replicate() -> None:
    rng = np.random.default_rng(7)
    n, k, b = 300, 3, 50
    g = rng.integers(0, k, n)
    j = np.where(rng.random(n) < 0.7, g, rng.integers(0, k, n))
    index = rng.integers(0, n, size=(b, n))  # the B x n index matrix of a plain bootstrap
    cells = onehot(g * k + j, k * k)
    t = F.tables(index_sums(cells, index), k)
    vec = F.kappa(t)
    vec_q = F.kappa(t, "quadratic")
    for r in range(b):
        gi, ji = g[index[r]], j[index[r]]
        assert vec[r] == pytest.approx(cohen_kappa_score(gi, ji, labels=[0, 1, 2]))
        assert vec_q[r] == pytest.approx(
            cohen_kappa_score(gi, ji, labels=[0, 1, 2], weights="quadratic"))
        assert F.agreement(t[r]) == pytest.approx(np.mean(gi == ji))


def test_multinomial_bootstrap_matches_index_bootstrap_distribution() -> None:
    rng = np.random.default_rng(3)
    n, k = 500, 3
    g = rng.integers(0, k, n)
    j = np.where(rng.random(n) < 0.7, g, rng.integers(0, k, n))
    boot = Bootstrap(4000, seed=1)
    fast = F.kappa(F.tables(boot.sums(cell_patterns(g, j, k)), k))
    index = rng.integers(0, n, size=(4000, n))
    slow = F.kappa(F.tables(index_sums(onehot(g * k + j, k * k), index), k))
    assert fast.mean() == pytest.approx(slow.mean(), abs=0.005)
    assert fast.std() == pytest.approx(slow.std(), rel=0.08)
    lo_f, hi_f = Bootstrap.interval(fast)  # type: ignore[misc]
    lo_s, hi_s = Bootstrap.interval(slow)  # type: ignore[misc]
    assert lo_f == pytest.approx(lo_s, abs=0.015) and hi_f == pytest.approx(hi_s, abs=0.015)


def test_patterns_group_rows_and_keep_totals() -> None:
    f = np.array([[1, 0], [1, 0], [0, 2], [-1, 5], [1, 0]])
    pat = patterns(f)
    assert pat.n == 5 and len(pat.rows) == 3
    assert pat.total().tolist() == f.sum(axis=0).tolist()
    sums = Bootstrap(20, seed=0).sums(pat)
    assert sums.shape == (20, 2)
    assert Bootstrap(0).sums(pat).shape == (0, 2)


def test_fleiss_formula_equals_statsmodels() -> None:
    rng = np.random.default_rng(5)
    truth = rng.integers(0, 3, 200)
    ann = np.where(rng.random((200, 4)) < 0.7, truth[:, None], rng.integers(0, 3, (200, 4)))
    tbl, _ = aggregate_raters(ann, n_cat=3)
    votes = tbl.astype(float)
    ours = F.fleiss_kappa(votes.sum(0), (votes**2).sum(), np.array(200.0), 4)
    assert ours == pytest.approx(fleiss_kappa(tbl, method="fleiss"))


def test_interval_ignores_nan_and_is_none_when_empty() -> None:
    assert Bootstrap.interval(np.array([np.nan, np.nan])) is None
    lo, hi = Bootstrap.interval(np.r_[np.arange(101.0), np.nan])  # type: ignore[misc]
    assert (lo, hi) == pytest.approx((2.5, 97.5))


@pytest.mark.parametrize("level", ["nominal", "ordinal"])
@pytest.mark.parametrize("seed", range(4))
def test_alpha_from_coincidences_of_vote_rows_equals_krippendorff_with_missing(
        seed: int, level: str) -> None:
    rng = np.random.default_rng(seed)
    n, m, k = 300, 4, 4
    truth = rng.integers(0, k, n)
    ann = np.where(rng.random((n, m)) < 0.6, truth[:, None], rng.integers(0, k, (n, m)))
    ann[rng.random((n, m)) < 0.3] = -1  # missing: some items keep 0 or 1 annotator
    votes = np.stack([(ann == c).sum(axis=1) for c in range(k)], axis=1)
    rows, counts = np.unique(votes, axis=0, return_counts=True)  # items grouped by votes
    ours = F.alpha_from_coincidences(F.coincidences(rows, counts), level)
    data = np.where(ann >= 0, ann, np.nan).T.astype(float)
    ref = krippendorff.alpha(reliability_data=data, value_domain=list(range(k)),
                             level_of_measurement=level)
    assert ours == pytest.approx(ref, rel=1e-12, abs=1e-12)


def test_point_estimates_from_the_table_equal_the_libraries_to_1e12() -> None:
    rng = np.random.default_rng(11)
    for _ in range(20):
        k, n = int(rng.integers(2, 6)), int(rng.integers(50, 5000))
        g = rng.integers(0, k, n)
        j = np.where(rng.random(n) < rng.random(), g, rng.integers(0, k, n))
        t, labels = table(g, j, k), list(range(k))
        pairs = [(F.kappa(t), cohen_kappa_score(g, j, labels=labels)),
                 (F.kappa(t, "quadratic"), cohen_kappa_score(g, j, labels=labels,
                                                             weights="quadratic")),
                 (F.macro_f1(t), f1_score(g, j, average="macro")),
                 (F.spearman(t), sst.spearmanr(g, j).statistic),
                 (F.kendall_tau_b(t), sst.kendalltau(g, j).statistic),
                 (F.krippendorff_alpha(t), krippendorff.alpha(
                     reliability_data=np.vstack([g, j]).astype(float), value_domain=labels,
                     level_of_measurement="nominal"))]
        for ours, ref in pairs:
            assert ours == pytest.approx(ref, rel=1e-12, abs=1e-12)
