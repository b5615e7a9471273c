"""Audit 1,000,000 synthetic pairwise labels with bootstrap CIs; print times and peak memory.

Measured in one run:

1. statistics: the joined arrays (labels, gold, 3 annotators, probabilities, both orders,
   lengths, 3 slices) through every report section with B bootstrap replicates;
2. end to end from files: the labels written as a CSV (id, verdict, p) and the gold as JSONL
   (id, domain, human_label, 3 annotator_labels) in a temporary folder, then
   a. ``judgekit audit labels.csv --gold gold.jsonl --prob-col p --out DIR`` in a fresh
      process (what a user waits for: Python start, imports, reading, statistics, report);
   b. ``judgekit.audit()`` + ``report.write()`` in a fresh process, columnar reading (default);
   c. the same with the row-by-row readers (the reference path; skip with ``--no-rows``).
   Each fresh process reports its own peak RSS.

Usage: python bench/audit_scale.py [N] [B] [--no-rows]
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from judgekit.auditing._audit import build_report
from judgekit.auditing._boot import Bootstrap
from judgekit.auditing._join import AuditData


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


def write_files(d: AuditData, folder: Path) -> tuple[Path, Path]:
    """The labels as CSV and the gold as JSONL, written with vectorized string building."""
    n = len(d.gold)
    space = np.array(["A", "B", "tie"])
    ids = np.char.add("i", np.arange(n).astype(str))
    labels, gold = folder / "labels.csv", folder / "gold.jsonl"
    conf = np.char.mod("%.3f", d.conf)
    rows = np.char.add(np.char.add(np.char.add(ids, ","), np.char.add(space[d.judge], ",")), conf)
    labels.write_text("id,verdict,p\n" + "\n".join(rows.tolist()) + "\n", encoding="utf-8")
    assert d.annotators is not None
    ann = space[d.annotators]
    with open(gold, "w", encoding="utf-8") as fh:
        for i in range(n):
            fh.write(f'{{"id": "{ids[i]}", "domain": "d{i % 3}", "human_label": '
                     f'"{space[d.gold[i]]}", "annotator_labels": ["{ann[i, 0]}", '
                     f'"{ann[i, 1]}", "{ann[i, 2]}"]}}\n')
    return labels, gold


def child(mode: str, labels: Path, gold: Path, out: Path, b: int) -> None:
    """One end-to-end audit in this (fresh) process; prints its figures as JSON."""
    from judgekit import audit
    from judgekit.auditing import LabelColumns, _audit

    if mode == "rows":
        _audit._columnar = lambda *a, **k: None  # type: ignore[assignment]
    t0 = time.perf_counter()
    rep = audit(labels, gold, columns=LabelColumns(prob="p"), replicates=b)
    t_audit = time.perf_counter() - t0
    rep.write(out)
    total = time.perf_counter() - t0
    print(json.dumps({"read_join": t_audit - rep.data["seconds"],
                      "stats": rep.data["seconds"], "write": total - t_audit,
                      "total": total, "peak_mib": peak_mib(),
                      "kappa": rep.data["agreement"]["cohen_kappa"]["value"],
                      "matched": rep.data["coverage"]["matched"]}))


def fresh(args: list[str]) -> tuple[float, str]:
    """Run a command in a fresh process: wall seconds and stdout."""
    t0 = time.perf_counter()
    res = subprocess.run(args, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - t0
    if res.returncode != 0:
        raise SystemExit(f"{' '.join(args[:4])}... failed:\n{res.stderr[-2000:]}")
    return wall, res.stdout


def main() -> None:
    argv = [a for a in sys.argv[1:] if not a.startswith("--")]
    if sys.argv[1:2] == ["--child"]:
        child(sys.argv[2], Path(sys.argv[3]), Path(sys.argv[4]), Path(sys.argv[5]),
              int(sys.argv[6]))
        return
    n = int(argv[0]) if argv else 1_000_000
    b = int(argv[1]) if len(argv) > 1 else 1000
    print(f"{n:,} labels, {b} bootstrap replicates, {os.cpu_count()} CPU cores")
    d = synthetic(n)
    base = peak_mib()
    t0 = time.perf_counter()
    rep = build_report(d, Bootstrap(b, seed=0))
    t_stats = time.perf_counter() - t0
    a = rep.data["agreement"]
    print(f"statistics only (arrays in memory): {t_stats:.2f} s, peak RSS {peak_mib():.0f} MiB "
          f"(arrays alone {base:.0f} MiB); kappa {a['cohen_kappa']['value']:.4f}")
    with tempfile.TemporaryDirectory() as tmp:
        labels, gold = write_files(d, Path(tmp))
        print(f"files: {labels.name} {labels.stat().st_size / 2**20:.0f} MiB, "
              f"{gold.name} {gold.stat().st_size / 2**20:.0f} MiB")
        del d, rep
        wall, _ = fresh([sys.executable, "-m", "judgekit", "audit", str(labels), "--gold",
                         str(gold), "--prob-col", "p", "--replicates", str(b), "--out",
                         str(Path(tmp) / "cli")])
        cli_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        cli = json.loads((Path(tmp) / "cli" / "report.json").read_text(encoding="utf-8"))
        print(f"judgekit audit CLI, end to end from files (fresh process): {wall:.2f} s, "
              f"peak RSS {cli_rss:.0f} MiB (statistics {cli['seconds']:.2f} s of it)")
        modes = ["columns"] + ([] if "--no-rows" in sys.argv else ["rows"])
        got = {}
        for mode in modes:
            _, out = fresh([sys.executable, __file__, "--child", mode, str(labels), str(gold),
                            str(Path(tmp) / mode), str(b)])
            r = got[mode] = json.loads(out)
            print(f"audit() + write, {mode} reader (modules loaded): {r['total']:.2f} s = "
                  f"read/join {r['read_join']:.2f} + statistics "
                  f"{r['stats']:.2f} + report files {r['write']:.2f}; peak RSS "
                  f"{r['peak_mib']:.0f} MiB")
        if "rows" in got:
            c, r = got["columns"], got["rows"]
            same = (c["kappa"], c["matched"]) == (r["kappa"], r["matched"])
            print(f"read/join: rows {r['read_join']:.2f} s / columns {c['read_join']:.2f} s = "
                  f"{r['read_join'] / c['read_join']:.1f}x; audit() + write "
                  f"{r['total'] / c['total']:.1f}x; same kappa and matched count: {same}")
    print(f"end to end (CLI) / statistics only: {wall / t_stats:.1f}x")


if __name__ == "__main__":
    main()
