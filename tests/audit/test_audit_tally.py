"""The report's sums accumulated chunk by chunk equal one pass over all the items.

A report is computed from a :class:`Tally` of joined items; the streamed audit of a run adds
its items in chunks. Chunks of 1, 7 and all the items must give the same report, bit for bit
(the bootstrap draws included), on synthetic data that reaches every section: slices,
annotators (of varying numbers per item, so that chunks differ in width), both orders,
response lengths, self-preference, probabilities, judge errors.
"""

from __future__ import annotations

import json
import random
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from judgekit.auditing import AuditOptions, LabelColumns, build_report
from judgekit.auditing._audit import prepare
from judgekit.auditing._boot import Bootstrap, merge, patterns
from judgekit.auditing._join import AuditData
from judgekit.auditing._report import report_from
from judgekit.auditing._tally import Tally

ARRAYS = ("gold", "judge", "probs", "conf", "first", "second", "gold_first", "gold_second",
          "consistent", "longer", "own")


def take(d: AuditData, lo: int, hi: int) -> AuditData:
    """Items lo..hi of ``d`` as a join of only those items makes them.

    The annotators' array is as wide as the chunk's most annotated item (None under two), as
    :func:`judgekit.auditing._join.join` makes it for the items it is given.
    """
    ann = None
    if d.annotators is not None:
        part = d.annotators[lo:hi]
        width = int(((part >= 0).sum(axis=1)).max(initial=0))
        ann = part[:, :width] if width >= 2 else None
    return replace(d, ids=list(d.ids)[lo:hi], annotators=ann,
                   slices={c: {v: m[lo:hi] for v, m in masks.items()}
                           for c, masks in d.slices.items()},
                   **{a: getattr(d, a)[lo:hi] for a in ARRAYS})


def chunked(d: AuditData, size: int, boot: Bootstrap, family: str | None) -> dict[str, Any]:
    t = Tally(d.scale, d.space)
    for lo in range(0, len(d.gold), size):
        t.add(take(d, lo, lo + size))
    cov = t.coverage(d.coverage["gold_items"], d.coverage["labeled_items"])
    assert cov == d.coverage
    return _plain(report_from(t, cov, boot, judge_family=family, max_slice_values=7).data)


def _plain(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k not in ("created", "seconds")}


def _write(folder: Path, n: int, *, ordinal: bool, seed: int) -> tuple[Path, Path]:
    rng = random.Random(seed)
    space = ["1", "2", "3", "4"] if ordinal else ["A", "B", "tie"]
    with open(folder / "gold.jsonl", "w") as gh, open(folder / "labels.jsonl", "w") as lh:
        for i in range(n):
            ann = [rng.choice(space[:3] if i % 3 else space) for _ in
                   range(rng.choice([1, 2, 3, 3, 4, 6] if ordinal else [0, 1, 2, 3, 4]))]
            row = {"id": f"i{i}", "human_label": rng.choice(space), "annotator_labels": ann,
                   "domain": rng.choice("xyzw"), "category": str(i % 11),
                   "model_a": rng.choice(["fam-1", "other"]), "model_b": "fam-2",
                   "response_model": rng.choice(["fam", "other"]),
                   "response_a": "a" * rng.randint(1, 5), "response_b": "b" * rng.randint(1, 5)}
            gh.write(json.dumps(row) + "\n")
            for order in ([None] if ordinal else ["AB", "BA"]):
                verdict = None if rng.random() < 0.03 else rng.choice(space)
                weights = [rng.random() for _ in space]
                rec: dict[str, Any] = {"id": f"i{i}", "verdict": verdict, "order": order,
                                       "probs": {s: w / sum(weights) for s, w in
                                                 zip(space, weights, strict=True)}}
                if rng.random() < 0.2:
                    rec["probs"] = rng.random()
                lh.write(json.dumps(rec) + "\n")
        lh.write(json.dumps({"id": "extra", "verdict": space[0], "order": None}) + "\n")
    return folder / "labels.jsonl", folder / "gold.jsonl"


@pytest.mark.parametrize("ordinal", [False, True])
def test_chunks_of_1_7_and_all_give_the_same_report(tmp_path: Path, ordinal: bool) -> None:
    labels, gold = _write(tmp_path, 240, ordinal=ordinal, seed=3)
    family = "fam"
    d, _ = prepare(labels, gold, columns=LabelColumns(prob="probs", order="order"),
                   options=AuditOptions(judge_family=family, slices=["domain", "category"],
                                        model_columns=["response_model"] if ordinal else None))
    boot = Bootstrap(200, seed=4)
    whole = _plain(build_report(d, boot, judge_family=family, max_slice_values=7).data)
    assert whole["ceiling"]["available"] and whole["calibration"]["available"]
    assert whole["bias"]["self_preference"]["available"]
    assert any(s.get("truncated") for s in whole["slices"])
    assert d.annotators is not None and d.annotators.shape[1] == (6 if ordinal else 4)
    for size in (1, 7, len(d.gold)):
        assert chunked(d, size, boot, family) == whole


def test_slot_kappas_are_summed_over_chunks_of_any_width(tmp_path: Path) -> None:
    labels, gold = _write(tmp_path, 60, ordinal=False, seed=1)
    d, _ = prepare(labels, gold, columns=LabelColumns(prob="probs", order="order"))
    ann = np.full((len(d.gold), 3), -1)  # 1 annotator on the first 30 items, 3 on the rest
    ann[:, 0] = d.gold
    ann[30:, 1] = np.where(np.arange(30) % 2, d.gold[30:], (d.gold[30:] + 1) % 3)
    ann[30:, 2] = d.gold[30:]
    d = replace(d, annotators=ann)
    boot = Bootstrap(50)
    whole = _plain(build_report(d, boot, max_slice_values=7).data)
    pairs = [p["annotators"] for p in whole["ceiling"]["pairwise_cohen_kappa"]]
    assert pairs == [[1, 2], [1, 3], [2, 3]]
    assert chunked(d, 7, boot, None) == whole


def test_merge_is_the_patterns_of_all_items() -> None:
    rng = np.random.default_rng(0)
    for big in (False, True):
        f = rng.integers(-3, 4, size=(500, 3))
        if big:  # a key space over 2^62: numpy's lexicographic order
            f[:, 0] *= 2**40
            f[:, 1] *= 2**30
        got = None
        for lo in range(0, 500, 37):
            got = merge(got, patterns(f[lo:lo + 37]))
        want = patterns(f)
        assert got is not None
        assert np.array_equal(got.rows, want.rows) and np.array_equal(got.counts, want.counts)
    assert merge(None, None) is None


def test_a_chunk_on_another_scale_is_refused(tmp_path: Path) -> None:
    labels, gold = _write(tmp_path, 20, ordinal=False, seed=2)
    d, _ = prepare(labels, gold, columns=LabelColumns(prob="probs", order="order"))
    t = Tally("pairwise", ["A", "B"])
    with pytest.raises(ValueError, match="chunk on scale pairwise"):
        t.add(d)


def test_float_sums_in_item_order_are_within_1e_12_of_numpy_means(tmp_path: Path) -> None:
    """The calibration means are sums in item order (chunk-proof), numpy's are pairwise."""
    labels, gold = _write(tmp_path, 240, ordinal=False, seed=5)
    d, _ = prepare(labels, gold, columns=LabelColumns(prob="probs", order="order"))
    cal = build_report(d, Bootstrap(0)).data["calibration"]
    ok = (d.judge >= 0) & np.isfinite(d.conf)
    conf = np.clip(d.conf[ok], 0, 1)
    correct = d.judge[ok] == d.gold[ok]
    assert cal["mean_confidence"] == pytest.approx(conf.mean(), rel=1e-12, abs=0)
    assert cal["brier"]["value"] == pytest.approx(np.mean((correct - conf) ** 2), rel=1e-12)
