"""Scale benchmark: judgments/s and peak RSS of a fake-judge run at 10^5, 10^6 and 10^7 items.

For each size it writes a pairwise JSONL items file (core rubric, HHH constitution, core
pairwise prompt), then runs, each in a fresh process so that its peak RSS is its own:

1. ``run``: a fresh run (judgekit's whole path: read, check, render, key, judge with the
   fake, parse, store), judgments/s = 2 x items / wall seconds, and per CPU second of the
   whole process tree (the run and, from 50,000 items on 2+ cores, the second process
   that reads, renders and keys, ``run/_worker``, and the third that parses and stores,
   ``run/_writer``);
2. ``resume``: the same command on the finished run (nothing left to do);

and prints the peak RSS of each, summed over the processes (all alive together: the run's
``ru_maxrss`` plus each helper's ``VmHWM``, read from ``/proc`` every second while
it runs), labels.sqlite bytes per judgment, and the
machine's load average (progress and peak RSS so far go to ``DIR/progress-nN.log`` every
30 s) (the fake judge is CPU-bound: other work on the machine lowers the
figures). ``--src`` runs another checkout's ``src`` instead (e.g. a ``git worktree`` of an
older commit), for before/after figures measured on the same machine at the same time
(with ``JUDGEKIT_ITEMS_SNAPSHOT=0`` in the environment when that commit predates the items
snapshot, which a run now writes at its end: like is then compared with like).
Usage (from the repository root)::

    .venv/bin/python bench/run_scale.py [--sizes 100000 1000000 10000000] [--dir DIR]
                                        [--src OTHER_CHECKOUT/src]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

CHILD = """
import json, os, resource, sys, threading, time
from pathlib import Path
from judgekit import load_suite, run_suite
from judgekit.backends import FakeBackend
helpers = {}
def watch_helpers():  # each helper process's peak RSS (VmHWM), while it lives
    while True:
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                if int(stat.read_text().rsplit(")", 1)[1].split()[1]) != os.getpid():
                    continue
                status = (stat.parent / "status").read_text()
            except (OSError, ValueError, IndexError):
                continue
            kb = [int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM")]
            if kb:
                helpers[stat.parent.name] = max(helpers.get(stat.parent.name, 0), kb[0])
        time.sleep(1.0)
threading.Thread(target=watch_helpers, daemon=True).start()
t = last = time.perf_counter()
log = open(sys.argv[4], "a")
def progress(done, total):
    global last
    if time.perf_counter() - last > 30:
        last = time.perf_counter()
        rss = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss + sum(helpers.values())) / 1024
        log.write(f"{last - t:.0f} s: {done:,}/{total:,} judgments, peak RSS {rss:.0f} MB\\n")
        log.flush()
summary = run_suite(load_suite(sys.argv[1]), [FakeBackend()], sys.argv[2],
                    batch_size=int(sys.argv[3]), progress=progress)
seconds = time.perf_counter() - t
usage = resource.getrusage(resource.RUSAGE_SELF)
kids = resource.getrusage(resource.RUSAGE_CHILDREN)  # helper processes, if any (ended)
helper_peak = max(sum(helpers.values()), kids.ru_maxrss)  # (one seen at least by its end)
print(json.dumps({"seconds": seconds, "requests": summary.requests, "judged": summary.judged,
                  "cpu": usage.ru_utime + usage.ru_stime + kids.ru_utime + kids.ru_stime,
                  "skipped": summary.skipped, "helpers": len(helpers),
                  "peak_rss": (usage.ru_maxrss + helper_peak) * 1024,
                  "own_rss": usage.ru_maxrss * 1024}))
"""


def write_items(path: Path, n: int) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(n):
            fh.write(json.dumps({"id": f"it{i:08d}", "prompt": f"Question {i}: what is {i} + {i}?",
                                 "response_a": f"It is {2 * i}.",
                                 "response_b": f"It is {2 * i + 1}."}) + "\n")


def write_suite(folder: Path, n: int) -> Path:
    """A pairwise suite of ``n`` items (:func:`write_items`) in ``folder``; its YAML's path."""
    write_items(folder / "items.jsonl", n)
    suite = folder / "scale.yaml"
    suite.write_text("rubric: core/preference\nconstitution: core/hhh\n"
                     "prompt: core/pairwise\nitems: items.jsonl\n", encoding="utf-8")
    return suite


def child(suite: Path, out: Path, batch: int, src: Path | None) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(src)} if src else None
    proc = subprocess.run([sys.executable, "-c", CHILD, str(suite), str(out), str(batch),
                           str(out.parent.parent / f"progress-{out.parent.name}.log")],
                          capture_output=True, text=True, check=False, env=env)
    if proc.returncode != 0:
        raise SystemExit(proc.stderr)
    result: dict[str, float] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def store_bytes(db: Path) -> int:
    con = sqlite3.connect(db)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    return db.stat().st_size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000, 10_000_000])
    parser.add_argument("--dir", type=Path, default=None, help="work folder (default: a temp)")
    parser.add_argument("--batch-size", type=int, default=512)
    parser.add_argument("--src", type=Path, default=None, help="another checkout's src")
    args = parser.parse_args()
    work = args.dir or Path(tempfile.mkdtemp(prefix="judgekit-scale-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"machine: {os.cpu_count()} cores; load average before: "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"{'items':>10} {'judgments':>10} {'run s':>8} {'judg/s':>8} {'/cpu-s':>8} "
          f"{'run RSS':>9} {'resume s':>9} {'(cpu s)':>8} {'resume RSS':>10} {'B/judgment':>10}"
          "  load")
    for n in args.sizes:
        folder = work / f"n{n}"
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir()
        suite = write_suite(folder, n)
        out = folder / "run"
        first = child(suite, out, args.batch_size, args.src)
        again = child(suite, out, args.batch_size, args.src)
        assert again["judged"] == 0 and again["skipped"] == first["requests"], again
        size = store_bytes(out / "labels.sqlite") / first["requests"]
        print(f"{n:>10,} {int(first['requests']):>10,} {first['seconds']:>8.1f} "
              f"{first['requests'] / first['seconds']:>8,.0f} "
              f"{first['requests'] / first['cpu']:>8,.0f} "
              f"{first['peak_rss'] / 2**20:>7.0f}MB {again['seconds']:>9.1f} "
              f"{again['cpu']:>8.1f} "
              f"{again['peak_rss'] / 2**20:>8.0f}MB {size:>10.0f}  "
              f"{os.getloadavg()[0]:.2f}", flush=True)
        shutil.rmtree(folder, ignore_errors=True)
    if args.dir is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
