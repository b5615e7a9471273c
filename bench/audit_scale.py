"""Time ``judgekit audit`` end to end; print times (wall and CPU) and peak memory.

Measured in one run:

1. statistics: 1,000,000 synthetic pairwise items as joined arrays (labels, gold, 3
   annotators, probabilities, both orders, lengths, 3 slices) through every report section
   with B bootstrap replicates (the table path: multinomial draws over each table's cells);
   then the agreement section alone by the table path and by the item-level path (B x n index
   draws; timed on ``--item-replicates`` replicates, default 50, and scaled to B);
2. end to end from files: the labels written as a CSV (id, verdict, p) and the gold as JSONL
   (id, domain, human_label, 3 annotator_labels) in a temporary folder, then
   ``judgekit audit labels.csv --gold gold.jsonl --prob-col p --out DIR`` in a fresh process
   (what a user waits for: Python start, imports, reading, statistics, report), its wall and
   CPU seconds and peak RSS (each run twice, the better kept). With ``--before SRC`` the same
   files are audited by another checkout's ``src`` too (e.g. ``git worktree add /tmp/before
   HEAD~3``, then ``--before /tmp/before/src``), alternating, and the ratio is printed. Then
   ``audit()`` + ``report.write()`` in a fresh process, timed part by part;
3. with ``--cases M`` (default 100,000): M labels of each kind that needs more than a plain
   file of one label per item, through the CLI in a fresh process: a judgekit run directory
   (both orders, probabilities; M / 2 items), a panel of two judges (both orders each; M / 4
   items), and a JSONL file with probabilities as JSON objects (both orders; M / 2 items);
4. with ``--run-items R`` (default 100,000; 0 skips it): a fake-judge run of R pairwise items
   (2R labels, as ``bench/run_scale.py`` runs it) and then ``judgekit audit`` of that run
   directory against a gold file and against its suite's own gold column, each in a fresh
   process (with ``--before``, by both checkouts, alternating): times, and the peak RSS of the
   run and of its audits side by side.

Wherever ``--before`` is given, each line also says whether both checkouts wrote the same
``report.json`` (all but its ``seconds`` and ``created``; the calibration means, sums in item
order since the audit of a run streams, may differ from numpy's pairwise means by rounding: the
relative difference is printed).

Usage: python bench/audit_scale.py [N] [B] [--cases M] [--no-scale] [--no-cases]
                                   [--before OTHER_CHECKOUT/src] [--item-replicates R]
                                   [--run-items R]
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
from audit_inputs import synthetic, write_files, write_gold, write_rows, write_run

from judgekit.auditing import AuditData, build_report
from judgekit.auditing._boot import Bootstrap
from judgekit.auditing._stats import agreement_stats


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(labels: Path, gold: Path, out: Path, b: int) -> None:
    """One end-to-end audit in this (fresh) process; prints its figures as JSON."""
    from judgekit.auditing import AuditOptions, LabelColumns, audit

    t0 = time.perf_counter()
    rep = audit(labels, gold, columns=LabelColumns(prob="p"),
                options=AuditOptions(replicates=b))
    t_audit = time.perf_counter() - t0
    rep.write(out)
    total = time.perf_counter() - t0
    print(json.dumps({"read_join": t_audit - rep.data["seconds"],
                      "stats": rep.data["seconds"], "write": total - t_audit,
                      "total": total, "peak_mib": peak_mib(),
                      "kappa": rep.data["agreement"]["cohen_kappa"]["value"],
                      "matched": rep.data["coverage"]["matched"]}))


PEAK = """
import atexit, runpy, sys
out = sys.argv.pop(1)
def peak():  # VmHWM starts afresh at exec (ru_maxrss would count the parent's fork)
    with open("/proc/self/status") as fh:
        kb = next(int(line.split()[1]) for line in fh if line.startswith("VmHWM"))
    with open(out, "w") as fh:
        fh.write(str(kb))
atexit.register(peak)
kind, what, *rest = sys.argv[1:]  # -m MODULE ARGS, or -c CODE ARGS
sys.argv = [what if kind == "-m" else "-c", *rest]
if kind == "-m":
    runpy.run_module(what, run_name="__main__", alter_sys=True)
else:
    exec(compile(what, "<child>", "exec"), {"__name__": "__main__"})
"""
"""A fresh process's own peak RSS, from its VmHWM as it exits."""

RUN = """
import sys
from judgekit import load_suite, run_suite
from judgekit.backends import FakeBackend
run_suite(load_suite(sys.argv[1]), [FakeBackend()], sys.argv[2])
"""
"""A fake-judge run of a suite into a run directory (as ``bench/run_scale.py`` runs it)."""


def fresh(args: list[str], src: Path | None = None) -> tuple[float, str, float, float]:
    """Run ``python ARGS`` in a fresh process: wall s, stdout, CPU s, peak RSS (MiB).

    ``ARGS`` is ``-m MODULE ...``, ``-c CODE ...`` or a script and its arguments.
    """
    env = {**os.environ, "PYTHONPATH": str(src)} if src else None
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err, \
            tempfile.TemporaryDirectory() as tmp:
        hwm = Path(tmp) / "hwm"
        cmd = [sys.executable, "-c", PEAK, str(hwm), *args] if args[0] in ("-m", "-c") \
            else [sys.executable, *args]
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, text=True, env=env)
        _, status, use = os.wait4(proc.pid, 0)  # this child's own CPU time
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if proc.returncode != 0:
            raise SystemExit(f"{' '.join(args[:4])}... failed:\n{err.read()[-2000:]}")
        rss = int(hwm.read_text()) / 1024 if hwm.exists() else float("nan")
        return wall, out.read(), use.ru_utime + use.ru_stime, rss


def cli(labels: Path, out: Path, *args: str,
        src: Path | None = None) -> tuple[float, dict[str, object], float, float]:
    """``judgekit audit`` in a fresh process: wall s, the report, CPU s, peak RSS MiB."""
    wall, _, cpu, rss = fresh(["-m", "judgekit", "audit", str(labels), "--out", str(out),
                               *args], src)
    return wall, json.loads((out / "report.json").read_text(encoding="utf-8")), cpu, rss


def statistics(n: int, b: int, item_b: int) -> AuditData:
    """Part 1: the report's statistics on arrays in memory, table path vs item path."""
    print(f"{n:,} labels, {b} bootstrap replicates, {os.cpu_count()} CPU cores")
    d = synthetic(n)
    base = peak_mib()
    t0, c0 = time.perf_counter(), time.process_time()
    rep = build_report(d, Bootstrap(b, seed=0))
    t_stats, c_stats = time.perf_counter() - t0, time.process_time() - c0
    a = rep.data["agreement"]
    print(f"statistics, every section (table bootstrap): {t_stats:.2f} s ({c_stats:.2f} s CPU), "
          f"peak RSS {peak_mib():.0f} MiB (arrays alone {base:.0f} MiB); "
          f"kappa {a['cohen_kappa']['value']:.4f} {a['cohen_kappa']['ci']}")
    timed = {}
    for method, reps in (("table", b), ("items", item_b)):
        t0, c0 = time.perf_counter(), time.process_time()
        out = agreement_stats(d, Bootstrap(reps, seed=0, method=method))
        timed[method] = (time.perf_counter() - t0, time.process_time() - c0, out)
    (tw, tc, tab), (iw, ic, its) = timed["table"], timed["items"]
    print(f"agreement section, {b} replicates: table path {tw:.3f} s ({tc:.3f} s CPU); "
          f"item path {iw:.2f} s ({ic:.2f} s CPU) for {item_b} replicates, "
          f"~{iw * b / item_b:.0f} s for {b} ({iw * b / item_b / tw:.0f}x); kappa CI table "
          f"{fmt(tab['cohen_kappa']['ci'])} items {fmt(its['cohen_kappa']['ci'])}")
    return d


Best = tuple[float, float, float, dict[str, object]]
"""A side's best wall s, best CPU s, peak RSS MiB (the most of its runs) and its report."""


def compare(target: Path, folder: Path, args: tuple[str, ...], before: Path | None,
            rounds: int = 2) -> dict[str, Best]:
    """``judgekit audit TARGET ARGS`` by this checkout and by ``before``, alternating."""
    runs: dict[str, list[tuple[float, dict[str, object], float, float]]] = {}
    for _ in range(rounds):
        for side, src in (("before", before), ("after", None)):
            if side == "before" and before is None:
                continue
            runs.setdefault(side, []).append(cli(target, folder / side, *args, src=src))
    return {side: (min(r[0] for r in got), min(r[2] for r in got), max(r[3] for r in got),
                   got[-1][1]) for side, got in runs.items()}


def show(name: str, runs: dict[str, Best], before: Path | None) -> None:
    """One line per side, the ratios, and whether both wrote the same report.json."""
    wall, cpu, rss, report = runs["after"]
    print(f"{name}: {wall:.2f} s ({cpu:.2f} s CPU), peak RSS {rss:.0f} MiB (statistics "
          f"{report['seconds']:.2f} s of it)")
    if "before" in runs:
        bw, bc, br, brep = runs["before"]
        same = same_figures(timeless(report), timeless(brep))
        print(f"  before ({before}): {bw:.2f} s ({bc:.2f} s CPU), peak RSS {br:.0f} MiB; "
              f"before / after: {bw / wall:.2f}x wall, {bc / cpu:.2f}x CPU, {br / rss:.2f}x "
              f"memory; report.json (but its times): {same}")


SUMS = ("calibration/mean_confidence", "calibration/brier/value",
        "calibration/brier_multiclass/value")
"""Float sums added in item order since the streamed audit (numpy's mean sums pairwise)."""


def differences(a: object, b: object, path: str = "") -> list[tuple[str, object, object]]:
    """Where two reports differ: ``(path, value, other value)``."""
    if isinstance(a, dict) and isinstance(b, dict) and a.keys() == b.keys():
        return [d for k in a for d in differences(a[k], b[k], f"{path}/{k}".lstrip("/"))]
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        pairs = enumerate(zip(a, b, strict=True))
        return [d for i, (x, y) in pairs for d in differences(x, y, f"{path}/{i}")]
    return [] if a == b else [(path, a, b)]


def same_figures(a: dict[str, object], b: dict[str, object]) -> str:
    """``identical``, or how far apart the two reports are."""
    found = differences(a, b)
    if not found:
        return "identical"
    sums = [(p, x, y) for p, x, y in found if p in SUMS and isinstance(x, float)
            and isinstance(y, float)]
    if len(sums) < len(found):
        return "DIFFERENT at " + ", ".join(p for p, _, _ in found if p not in SUMS)[:300]
    worst = max(abs(x - y) / max(abs(y), 1e-300) for _, x, y in sums)
    return f"identical but {len(sums)} calibration float sums (relative difference {worst:.1e})"


def timeless(report: dict[str, object]) -> dict[str, object]:
    """A report without the fields that tell when and how fast it was made."""
    return {k: v for k, v in report.items() if k not in ("seconds", "created")}


def fmt(ci: list[float] | None) -> str:
    return "none" if ci is None else f"[{ci[0]:.4f}, {ci[1]:.4f}]"


def scale(n: int, b: int, item_b: int, before: Path | None) -> None:
    d = statistics(n, b, item_b)
    with tempfile.TemporaryDirectory() as tmp:
        labels, gold = write_files(d, Path(tmp))
        print(f"files: {labels.name} {labels.stat().st_size / 2**20:.0f} MiB, "
              f"{gold.name} {gold.stat().st_size / 2**20:.0f} MiB")
        del d
        args = ("--gold", str(gold), "--prob-col", "p", "--replicates", str(b))
        runs = compare(labels, Path(tmp), args, before)
        show("judgekit audit CLI, end to end from files (fresh process)", runs, before)
        _, out, _, _ = fresh([__file__, "--child", str(labels), str(gold),
                              str(Path(tmp) / "api"), str(b)])
        r = json.loads(out)
        print(f"audit() + write (modules loaded): {r['total']:.2f} s = read/join "
              f"{r['read_join']:.2f} + statistics {r['stats']:.2f} + report files "
              f"{r['write']:.2f}; peak RSS {r['peak_mib']:.0f} MiB")


def cases(m: int, b: int) -> None:
    print(f"{m:,} labels per case, {b} bootstrap replicates, CLI in a fresh process")
    rng = np.random.default_rng(1)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        items = m // 2
        gold = rng.choice(3, items, p=[0.45, 0.45, 0.10])
        write_gold(gold, np.repeat(gold[:, None], 3, axis=1), folder / "gold.jsonl")
        runs = {
            "run directory": (write_run(folder, items, rng), ()),
            "panel of 2 judges": (write_rows(folder / "panel.jsonl", items // 2, ("j1", "j2"),
                                             rng, False), ("--judge", "panel")),
            "JSON-object probs": (write_rows(folder / "objects.jsonl", items, ("j1",), rng,
                                             True), ()),
        }
        for name, (labels, extra) in runs.items():
            wall, report, cpu, rss = cli(labels, folder / name.replace(" ", "_"), "--gold",
                                         str(folder / "gold.jsonl"), "--replicates", str(b),
                                         *extra)
            cov = report["coverage"]
            assert isinstance(cov, dict)
            print(f"{name}: {wall:.2f} s end to end ({cpu:.2f} s CPU; statistics "
                  f"{report['seconds']:.2f} s), peak RSS {rss:.0f} MiB, {cov['matched']:,} "
                  "items matched")


def run_then_audit(items: int, b: int, before: Path | None) -> None:
    """Part 4: a fake-judge run of ``items`` pairwise items, then its audits: time and RSS.

    The run directory is audited against a gold file (``--gold``) and against its suite's own
    gold column, each by this checkout and (with ``before``) by the other one, alternating.
    """
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        rng = np.random.default_rng(2)
        space = np.array(["A", "B", "tie"])
        with open(folder / "items.jsonl", "w", encoding="utf-8") as fh, \
                open(folder / "gold.jsonl", "w", encoding="utf-8") as gh:
            for i, g in enumerate(space[rng.choice(3, items, p=[0.45, 0.45, 0.10])]):
                fh.write(json.dumps({"id": f"it{i:08d}", "prompt": f"What is {i} + {i}?",
                                     "response_a": f"It is {2 * i}.",
                                     "response_b": f"It is {2 * i + 1}.",
                                     "domain": f"d{i % 3}", "human_label": str(g)}) + "\n")
                gh.write(f'{{"id": "it{i:08d}", "human_label": "{g}"}}\n')
        suite = folder / "suite.yaml"
        suite.write_text("rubric: core/preference\nconstitution: core/hhh\n"
                         "prompt: core/pairwise\nitems: items.jsonl\ngold: human_label\n",
                         encoding="utf-8")
        run_wall, _, run_cpu, run_rss = fresh(["-c", RUN, str(suite), str(folder / "run")])
        print(f"fake-judge run of {items:,} items ({2 * items:,} labels): {run_wall:.1f} s "
              f"({run_cpu:.1f} s CPU), peak RSS {run_rss:.0f} MiB")
        for name, sub, args in (("--gold FILE", "file", ("--gold", str(folder / "gold.jsonl"))),
                                ("the suite's gold", "suite", ())):
            runs = compare(folder / "run", folder / sub, (*args, "--replicates", str(b)), before)
            show(f"judgekit audit RUN, {name}", runs, before)
            cov = runs["after"][3]["coverage"]
            assert isinstance(cov, dict)
            print(f"  {cov['matched']:,} items matched; peak RSS {runs['after'][2] / run_rss:.1f}"
                  "x the run's")


def option(args: list[str], name: str) -> str | None:
    """Remove ``name VALUE`` from ``args``; return VALUE (None when absent)."""
    if name not in args:
        return None
    at = args.index(name)
    value = args[at + 1]
    del args[at:at + 2]
    return value


def main() -> None:
    if sys.argv[1:2] == ["--child"]:
        child(Path(sys.argv[2]), Path(sys.argv[3]), Path(sys.argv[4]), int(sys.argv[5]))
        return
    args = sys.argv[1:]
    m = int(option(args, "--cases") or 100_000)
    before = option(args, "--before")
    item_b = int(option(args, "--item-replicates") or 50)
    run_items = int(option(args, "--run-items") or 100_000)
    argv = [a for a in args if not a.startswith("--")]
    n = int(argv[0]) if argv else 1_000_000
    b = int(argv[1]) if len(argv) > 1 else 1000
    if "--no-scale" not in args:
        scale(n, b, item_b, Path(before) if before else None)
    if "--no-cases" not in args:
        cases(m, b)
    if run_items:
        run_then_audit(run_items, b, Path(before) if before else None)


if __name__ == "__main__":
    main()
