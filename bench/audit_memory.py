"""Peak memory of an audit beside the peak memory of the run it audits.

For each size R (default 10^5 and 10^6 items; ``--sizes 5000000`` for 10^7 labels) it writes
R pairwise items (prompt, two responses, a ``category`` slice and a ``human_label`` the suite
names as its gold) and a gold file of the same labels holding only ``id`` and
``human_label`` (so the audit takes slices and response lengths from the suite's items), then
runs, each in a fresh process:

1. ``run``: a fake-judge run of the suite (both orders: 2R labels), by ``bench/run_scale.py``'s
   harness: its peak is summed over the run's processes (from 50,000 items on two cores the
   run prepares and stores in two helper processes), and its own process's is printed too;
2. ``audit --gold``: ``judgekit audit RUN --gold GOLD``;
3. ``audit (suite gold)``: ``judgekit audit RUN`` (the suite's own gold);

and prints the peak RSS of each (VmHWM of the process, read as it exits), wall and CPU
seconds, and each audit's peak as a multiple of the run's. With ``--src OTHER/src`` the two
audits are run by another checkout too (e.g. ``git worktree add /tmp/before HEAD~3``), on the
same run, and their report.json files are compared (``seconds`` left out): a change that
saves memory must not change a figure (the calibration means are sums in item order since
the audit of a run streams: they may differ from numpy's pairwise means by rounding; the
relative difference is printed). ``--replicates`` sets the bootstrap (default 1000).
``--judges 2`` makes the run with two fake judges (4R labels): both audits are then the
report of the first judge with the leaderboard of the two.
``--dir DIR --reuse`` keeps each size's run (and its figures) in DIR and audits it again on
the next call instead of running the judge again.

Usage (from the repository root)::

    .venv/bin/python bench/audit_memory.py [--sizes 100000 1000000] [--dir DIR]
                                           [--src OTHER_CHECKOUT/src] [--replicates B]
                                           [--judges 2]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from audit_scale import PEAK, same_figures
from run_scale import CHILD, child

LABELS = ("A", "B", "tie")
CATEGORIES = ("math", "code", "chat")


def write_inputs(folder: Path, n: int) -> tuple[Path, Path]:
    """The suite (items with gold) and a gold file with only id and human_label."""
    with open(folder / "items.jsonl", "w", encoding="utf-8") as fh, \
            open(folder / "gold.jsonl", "w", encoding="utf-8") as gh:
        for i in range(n):
            gold = LABELS[(i * 7919) % 20 // 9]  # 45% A, 45% B, 10% tie, spread out
            fh.write(json.dumps({"id": f"it{i:08d}", "prompt": f"Question {i}: what is {i} + "
                                 f"{i}?", "response_a": f"It is {2 * i}.",
                                 "response_b": f"It is {2 * i + 1}." + " Sure." * (i % 3),
                                 "category": CATEGORIES[i % 3], "human_label": gold}) + "\n")
            gh.write(f'{{"id": "it{i:08d}", "human_label": "{gold}"}}\n')
    suite = folder / "suite.yaml"
    suite.write_text("rubric: core/preference\nconstitution: core/hhh\nprompt: core/pairwise\n"
                     "items: items.jsonl\ngold: human_label\nslices: [category]\n",
                     encoding="utf-8")
    return suite, folder / "gold.jsonl"


def made_run(suite: Path, out: Path, judges: int) -> dict[str, float]:
    """``run_scale``'s harness (peak summed over the run's processes), with ``judges`` fakes."""
    if judges == 1:
        return child(suite, out, 512, None)
    script = CHILD.replace("[FakeBackend()]", f"[FakeBackend(i) for i in range({judges})]")
    assert script != CHILD, "run_scale.CHILD no longer names [FakeBackend()]"
    proc = subprocess.run([sys.executable, "-c", script, str(suite), str(out), "512",
                           str(out.parent / "progress.log")],
                          capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(proc.stderr)
    got: dict[str, float] = json.loads(proc.stdout.strip().splitlines()[-1])
    return got


def fresh(args: list[str], src: Path | None = None) -> tuple[float, float, float]:
    """``python -m/-c ARGS`` in a fresh process: wall s, CPU s, peak RSS (MiB)."""
    env = {**os.environ, "PYTHONPATH": str(src)} if src else None
    with tempfile.TemporaryDirectory() as tmp, open(Path(tmp) / "err", "w+") as err:
        hwm = Path(tmp) / "hwm"
        t0 = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-c", PEAK, str(hwm), *args],
                                stdout=subprocess.DEVNULL, stderr=err, env=env)
        _, status, use = os.wait4(proc.pid, 0)  # this child's own CPU time
        wall = time.perf_counter() - t0
        if os.waitstatus_to_exitcode(status) != 0:
            err.seek(0)
            raise SystemExit(f"{' '.join(args[:4])}... failed:\n{err.read()[-3000:]}")
        return wall, use.ru_utime + use.ru_stime, int(hwm.read_text()) / 1024


def report(out: Path) -> dict[str, object]:
    """report.json without its timing and date."""
    data: dict[str, object] = json.loads((out / "report.json").read_text(encoding="utf-8"))
    data.pop("seconds", None)
    data.pop("created", None)
    return data


def audits(run: Path, gold: Path, out: Path, b: int,
           src: Path | None) -> dict[str, tuple[float, float, float]]:
    """Both audits of the run (gold file, suite gold) by one checkout: wall, CPU, peak."""
    common = ["--replicates", str(b)]
    return {
        "audit --gold": fresh(["-m", "judgekit", "audit", str(run), "--gold", str(gold),
                               "--out", str(out / "file"), *common], src),
        "audit (suite gold)": fresh(["-m", "judgekit", "audit", str(run),
                                     "--out", str(out / "suite"), *common], src),
    }


def line(name: str, wall: float, cpu: float, rss: float, run_rss: float) -> str:
    return (f"  {name:<28} {wall:>8.1f} s {cpu:>8.1f} s CPU  peak {rss:>6.0f} MiB "
            f"({rss / run_rss:.2f}x the run's)")


def size(work: Path, n: int, b: int, src: Path | None, reuse: bool, judges: int) -> None:
    folder = work / (f"n{n}" if judges == 1 else f"n{n}-j{judges}")
    kept = folder / "run.json"
    if reuse and kept.is_file():
        wall, cpu, run_rss, own = json.loads(kept.read_text(encoding="utf-8"))
        suite, gold = folder / "suite.yaml", folder / "gold.jsonl"
    else:
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        suite, gold = write_inputs(folder, n)
        got = made_run(suite, folder / "run", judges)
        wall, cpu, run_rss, own = (got["seconds"], got["cpu"], got["peak_rss"] / 2**20,
                                   got["own_rss"] / 2**20)
        kept.write_text(json.dumps([wall, cpu, run_rss, own]), encoding="utf-8")
    print(f"{n:,} items, {judges} judge(s) ({2 * n * judges:,} labels), "
          f"load {os.getloadavg()[0]:.1f}")
    print(line("run (fake judge)", wall, cpu, run_rss, run_rss)
          + f"; summed over its processes, its own {own:.0f} MiB", flush=True)
    sides = {"": audits(folder / "run", gold, folder / "after", b, None)}
    if src is not None:
        sides[f" [{src}]"] = audits(folder / "run", gold, folder / "before", b, src)
    for tag, timed in sides.items():
        for name, (w, c, r) in timed.items():
            print(line(name + tag, w, c, r, run_rss), flush=True)
    if src is not None:
        for kind in ("file", "suite"):
            after, old = report(folder / "after" / kind), report(folder / "before" / kind)
            same = same_figures(after, old)
            print(f"  report.json ({kind} gold) beside {src}'s: {same}")
    if not reuse:
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--dir", type=Path, default=None, help="work folder (default: a temp)")
    parser.add_argument("--src", type=Path, default=None, help="another checkout's src")
    parser.add_argument("--replicates", type=int, default=1000)
    parser.add_argument("--judges", type=int, default=1, choices=(1, 2, 3),
                        help="fake judges in the run (2 or 3: the audits add a leaderboard)")
    parser.add_argument("--reuse", action="store_true",
                        help="keep each size's run in --dir and audit it again next time")
    args = parser.parse_args()
    work = args.dir or Path(tempfile.mkdtemp(prefix="judgekit-audit-memory-"))
    print(f"machine: {os.cpu_count()} cores; peak RSS = VmHWM of each fresh process")
    try:
        for n in args.sizes:
            size(work, n, args.replicates, args.src, args.reuse and args.dir is not None,
                 args.judges)
    finally:
        if args.dir is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
