"""A step review's inputs held as small arrays (:class:`StepTally`), added in chunks: the
per-solution counts equal a plain reference (ProcessBench's first-error rule written step by
step), and the AUROC sklearn's, on random reviews with gaps, twin step numbers (``s#1`` and
``s#01``), step 0, unknown labels and ids that are no step ids."""

from __future__ import annotations

import random
from typing import Any

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from judgekit.auditing._step_tally import StepTally, classes
from judgekit.auditing._steps import COUNTS
from judgekit.content._steps import split_step_id


def reference(ids: list[str], judge: list[bool | None], gold: list[bool | None]) -> Any:
    """Per-solution counts, one solution at a time, in order of first appearance."""
    per: dict[str, list[tuple[int, bool | None, bool | None]]] = {}
    for item, j, g in zip(ids, judge, gold, strict=True):
        parts = split_step_id(item)
        if parts is not None:
            per.setdefault(parts[0], []).append((parts[1], j, g))
    rows = []
    for steps in per.values():
        both = [(n, j, g) for n, j, g in steps if j is not None and g is not None]
        row = [sum(1 for _, j, g in both if j and g), sum(1 for _, j, g in both if j and not g),
               sum(1 for _, j, g in both if not j and g),
               sum(1 for _, j, g in both if not j and not g)]
        numbers = sorted(n for n, _, _ in both)
        if len(both) == len(steps) and numbers == list(range(1, len(numbers) + 1)):
            first_j = min((n for n, j, _ in both if j), default=0)
            first_g = min((n for n, _, g in both if g), default=0)
            found, err = first_j == first_g, first_g > 0
            row += [1, found, err, err and found, not err, not err and found]
        else:
            row += [0] * 6
        rows.append(row)
    return np.array(rows, dtype=np.int64).reshape(len(rows), len(COUNTS))


def review(rng: random.Random) -> tuple[list[str], list[Any], list[Any], list[Any]]:
    ids, judge, gold, p = [], [], [], []
    for s in range(rng.randint(1, 30)):
        n = rng.randint(1, 6)
        numbers = list(range(1, n + 1))
        if rng.random() < 0.15:
            numbers.remove(rng.choice(numbers))  # a gap
        for k in numbers:
            ids.append(f"sol{s}#{'0' if rng.random() < 0.05 else ''}{k}")
        if rng.random() < 0.05:
            ids.append(f"sol{s}#0")
        if numbers and rng.random() < 0.08:  # a twin number: s#1 beside s#01 (or a third step s#0k)
            ids.append(f"sol{s}#0{numbers[0]}" if f"sol{s}#{numbers[0]}" in ids else
                       f"sol{s}#{numbers[0]}")
    ids += [f"plain{i}" for i in range(rng.randint(0, 3))]
    rng.shuffle(ids)
    for _ in ids:
        judge.append(None if rng.random() < 0.05 else rng.random() < 0.3)
        gold.append(None if rng.random() < 0.05 else rng.random() < 0.3)
        p.append(rng.random())
    return ids, judge, gold, p


@pytest.mark.parametrize("seed", range(40))
def test_counts_and_auroc_match_the_references(seed: int) -> None:
    rng = random.Random(seed)
    ids, judge, gold, p = review(rng)
    whole, parts = StepTally(), StepTally()
    whole.add(ids, classes(judge), classes(gold), np.array(p))
    cut = sorted(rng.sample(range(len(ids) + 1), 3))
    for lo, hi in zip([0, *cut], [*cut, len(ids)], strict=True):
        parts.add(ids[lo:hi], classes(judge[lo:hi]), classes(gold[lo:hi]), np.array(p[lo:hi]))
    want = reference(ids, judge, gold)
    for tally in (whole, parts):
        assert np.array_equal(tally.counts(len(COUNTS)), want)
        assert tally.steps() == sum(split_step_id(i) is not None for i in ids)
    labeled = [(pp, g) for i, g, pp in zip(ids, gold, p, strict=True)
               if g is not None and split_step_id(i) is not None]
    truth = [g for _, g in labeled]
    if any(truth) and not all(truth):
        assert parts.auroc() == pytest.approx(roc_auc_score(truth, [pp for pp, _ in labeled]),
                                              abs=1e-12)
    else:
        assert parts.auroc() is None


def test_a_missing_p_error_leaves_the_auroc_out() -> None:
    tally = StepTally()
    tally.add(["s#1", "s#2"], classes([True, False]), classes([True, False]),
              np.array([0.9, np.nan]))
    assert tally.auroc() is None
    assert tally.counts(len(COUNTS))[0, 4:].tolist() == [1, 1, 1, 1, 0, 0]
