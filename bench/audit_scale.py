"""Audit 1,000,000 synthetic pairwise labels with bootstrap CIs; print time and peak memory.

Two measurements in one run:

1. statistics: the joined arrays (labels, gold, 3 annotators, probabilities, both orders,
   lengths, 3 slices) through every report section with B bootstrap replicates;
2. end to end: the same labels written as a CSV and the gold as JSONL, read, joined and
   audited by ``judgekit.audit`` (what ``judgekit audit`` does), then report.json/html written.

Usage: python bench/audit_scale.py [N] [B]
"""

from __future__ import annotations

import json
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from judgekit import LabelColumns, audit
from judgekit._audit import build_report
from judgekit._audit_boot import Bootstrap
from judgekit._audit_join import AuditData


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def synthetic(n: int, seed: int = 0) -> AuditData:
    rng = np.random.default_rng(seed)
    gold = rng.choice(3, n, p=[0.45, 0.45, 0.10])
    judge = np.where(rng.random(n) < 0.75, gold, rng.integers(0, 3, n))
    ann = np.where(rng.random((n, 3)) < 0.85, gold[:, None], rng.integers(0, 3, (n, 3)))
    conf = rng.uniform(0.34, 1.0, n)
    probs = np.full((n, 3), np.nan)
    first = rng.integers(0, 2, n) + (judge == 0)
    second = 2 - first
    domain = rng.integers(0, 3, n)
    return AuditData(
        ids=[], scale="pairwise", space=["A", "B", "tie"], gold=gold, judge=judge,
        annotators=ann, probs=probs, conf=conf, first=first, second=second,
        gold_first=(gold < 2).astype(np.int64), gold_second=(gold < 2).astype(np.int64),
        consistent=(rng.random(n) < 0.7).astype(np.int64), longer=rng.integers(0, 2, n),
        own=np.full(n, -1), slices={"domain": {f"d{k}": domain == k for k in range(3)}},
        coverage={"matched": n, "judge_errors": 0},
    )


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    b = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
    d = synthetic(n)
    base = peak_mib()
    t0 = time.perf_counter()
    rep = build_report(d, Bootstrap(b, seed=0))
    t_stats = time.perf_counter() - t0
    a = rep.data["agreement"]
    print(f"statistics: {n:,} labels, {b} replicates: {t_stats:.2f} s, "
          f"peak RSS {peak_mib():.0f} MiB (arrays alone {base:.0f} MiB)")
    print(f"  kappa {a['cohen_kappa']['value']:.4f} CI {a['cohen_kappa']['ci']}, "
          f"ceiling LOO {rep.data['ceiling']['loo_human']['value']:.4f}")

    with tempfile.TemporaryDirectory() as tmp:
        labels, gold = Path(tmp) / "labels.csv", Path(tmp) / "gold.jsonl"
        space = np.array(["A", "B", "tie"])
        with open(labels, "w") as fh:
            fh.write("id,verdict,p\n")
            for i, (v, c) in enumerate(zip(space[d.judge], d.conf, strict=True)):
                fh.write(f"i{i},{v},{c:.3f}\n")
        with open(gold, "w") as fh:
            for i in range(n):
                fh.write(json.dumps({"id": f"i{i}", "domain": f"d{i % 3}",
                                     "human_label": str(space[d.gold[i]]),
                                     "annotator_labels": space[d.annotators[i]].tolist()})
                         + "\n")  # type: ignore[index]
        t0 = time.perf_counter()
        rep2 = audit(labels, gold, columns=LabelColumns(prob="p"), replicates=b)
        t_audit = time.perf_counter() - t0
        rep2.write(Path(tmp) / "out")
        t_all = time.perf_counter() - t0
    print(f"end to end (CSV labels + JSONL gold -> report): {t_all:.2f} s "
          f"(of which statistics {rep2.data['seconds']:.2f} s, reading+joining "
          f"{t_audit - rep2.data['seconds']:.2f} s), peak RSS {peak_mib():.0f} MiB")
    print(f"ratio end-to-end / statistics: {t_all / t_stats:.1f}x")


if __name__ == "__main__":
    main()
