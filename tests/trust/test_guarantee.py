"""The guarantee holds on real gold, over hundreds of random calibration draws.

The population is a real gold set (every item, with its human label); a simulated judge
(informative but imperfect confidence, ~79% agreement overall: below both targets) labels it.
Each draw takes a calibration set of 500 items from the population (with replacement: i.i.d.,
the theorem's setting), certifies a threshold, and measures agreement with the humans on the
labels that threshold keeps, over the whole population. Trust or Escalate promises that
agreement >= target in >= 1 - delta of draws. The check can fail: a threshold chosen by
observed calibration agreement alone (no bound) fails it at target 0.9.

The same draws are also run as calibration/test *splits* of the gold set (500 / the rest),
with agreement measured on the kept test items only, as a team would audit it: that adds the
test set's own sampling error (and, the test being the calibration's complement, its luck is
the calibration's misfortune), so its rate is reported beside, not asserted.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from judgekit.trust import TrustOptions, calibrate, select_threshold

from .conftest import PAIRWISE_SETS, read_gold, simulate

DRAWS = 300
CALIBRATION = 500
DELTA = 0.1
SKILL = 1.5


def _judge(path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    gold = np.array([r["human_label"] for r in read_gold(path)], dtype=object)
    label, conf = simulate(list(gold), seed=0, skill=SKILL)
    return gold, label == gold, conf


def _naive(conf: np.ndarray, right: np.ndarray, target: float) -> float:
    """The lowest threshold whose observed agreement (>= 30 kept) reaches the target."""
    order = np.argsort(-conf)
    rate = np.cumsum(right[order]) / np.arange(1, conf.size + 1)
    ok = np.nonzero(rate >= target)[0]
    ok = ok[ok >= 29]
    return float(conf[order][ok[-1]]) if ok.size else np.inf


@pytest.mark.parametrize("name", PAIRWISE_SETS)
@pytest.mark.parametrize("target", [0.8, 0.9])
def test_agreement_on_kept_labels_holds_in_one_minus_delta_of_draws(
        name: str, target: float, real_gold: Callable[[str], Path]) -> None:
    gold, right, conf = _judge(real_gold(name))
    rng = np.random.default_rng(1)
    valid, naive, cover, split_valid, split_cover = [], [], [], [], []
    for _ in range(DRAWS):
        cal = rng.integers(0, gold.size, CALIBRATION)
        keep = select_threshold(conf[cal], right[cal], TrustOptions(target, DELTA)).keep(conf)
        valid.append(not keep.any() or right[keep].mean() >= target)
        cover.append(keep.mean())
        lazy = conf >= _naive(conf[cal], right[cal], target)
        naive.append(not lazy.any() or right[lazy].mean() >= target)
        perm = rng.permutation(gold.size)
        cal, test = perm[:CALIBRATION], perm[CALIBRATION:]
        th = select_threshold(conf[cal], right[cal], TrustOptions(target, DELTA))
        kept = th.keep(conf[test])
        split_valid.append(not kept.any() or right[test][kept].mean() >= target)
        split_cover.append(kept.mean())
    print(  # noqa: T201 - the figures, shown with -s
        f"{name} target {target}: judge agreement {right.mean():.3f}; validity "
        f"{np.mean(valid):.3f} over {DRAWS} draws, coverage {np.mean(cover):.3f}; naive "
        f"{np.mean(naive):.3f}; splits: realised {np.mean(split_valid):.3f}, coverage "
        f"{np.mean(split_cover):.3f}")
    assert np.mean(valid) >= 1 - DELTA
    assert np.mean(cover) > 0.05  # valid without keeping nothing
    if target == 0.9:  # the same check catches a method without the bound
        assert np.mean(naive) < 1 - DELTA


def test_cascade_keeps_more_than_its_first_judge_at_the_same_guarantee(
        real_gold: Callable[[str], Path]) -> None:
    rows = read_gold(real_gold(PAIRWISE_SETS[1]))
    gold = np.array([r["human_label"] for r in rows], dtype=object)
    weak = simulate(list(gold), seed=1, skill=1.2, noise=0.08)
    strong = simulate(list(gold), seed=2, skill=4.0, noise=0.03)
    rng = np.random.default_rng(3)
    valid, first, both = [], [], []
    opts = TrustOptions(0.85, DELTA)
    for _ in range(200):
        perm = rng.permutation(gold.size)
        cal, test = perm[:CALIBRATION], perm[CALIBRATION:]
        cascade = calibrate(["weak", "strong"], [weak[1][cal], strong[1][cal]],
                            [weak[0][cal] == gold[cal], strong[0][cal] == gold[cal]], opts)
        route = cascade.route([weak[1][test], strong[1][test]])
        label = np.where(route == 0, weak[0][test], strong[0][test])
        kept = route >= 0
        valid.append(not kept.any() or (label[kept] == gold[test][kept]).mean() >= 0.85)
        first.append((route == 0).mean())
        both.append(kept.mean())
    assert np.mean(valid) >= 1 - DELTA
    assert np.mean(both) > np.mean(first) + 0.1
