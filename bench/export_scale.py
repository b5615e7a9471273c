"""Export benchmark: wall, CPU seconds and peak RSS of ``judgekit export`` per format.

For each size it writes a pairwise JSONL items file (as ``bench/run_scale.py`` does), makes a
fake-judge run of it (both orders, probabilities; the items snapshot on), and then runs
``judgekit export RUN OUT --format F`` for ``labels``, ``items``, ``dpo`` and ``reward``, each
in a fresh process, printing its wall and CPU seconds, records written and peak RSS (VmHWM of
that process). ``--src`` exports with another checkout's ``src`` too (e.g. a ``git worktree``
of an older commit), alternating with this one, for before/after figures of one sitting.
``--snapshot`` first moves the items file away, so that dpo/reward read the run's items
snapshot instead of the suite's items.

Usage (from the repository root)::

    .venv/bin/python bench/export_scale.py [--sizes 100000 1000000] [--src OTHER/src]
                                           [--formats items dpo] [--snapshot]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from run_scale import write_suite

MAKE = """
import sys
from judgekit import load_suite, run_suite
from judgekit.backends import FakeBackend
run_suite(load_suite(sys.argv[1]), [FakeBackend()], sys.argv[2], batch_size=512)
"""
EXPORT = """
import atexit, resource, sys, time
from judgekit.cli import main
t0 = time.perf_counter()
def report():
    u = resource.getrusage(resource.RUSAGE_SELF)
    with open("/proc/self/status") as fh:
        kb = next(int(line.split()[1]) for line in fh if line.startswith("VmHWM"))
    sys.stderr.write(f"\\nBENCH {time.perf_counter() - t0} {u.ru_utime + u.ru_stime} {kb}\\n")
atexit.register(report)
sys.argv = ["judgekit", *sys.argv[1:]]
main()
"""


def export(run: Path, out: Path, fmt: str, src: Path | None) -> tuple[float, float, float, int]:
    """(wall s, CPU s, peak MiB, records) of one export in a fresh process."""
    env = {**os.environ, "PYTHONPATH": str(src)} if src else None
    proc = subprocess.run([sys.executable, "-c", EXPORT, "export", str(run), "-o", str(out),
                           "--format", fmt], capture_output=True, text=True, check=False,
                          env=env)
    line = next((x for x in proc.stderr.splitlines() if x.startswith("BENCH ")), None)
    if proc.returncode != 0 or line is None:
        raise SystemExit(f"export --format {fmt} failed:\n{proc.stderr[-3000:]}")
    wall, cpu, kb = (float(x) for x in line.split()[1:])
    with open(out, "rb") as fh:
        records = sum(1 for _ in fh)
    out.unlink()
    return wall, cpu, kb / 1024, records


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--formats", nargs="+", default=["labels", "items", "dpo", "reward"])
    parser.add_argument("--src", type=Path, default=None, help="another checkout's src")
    parser.add_argument("--snapshot", action="store_true",
                        help="export dpo/reward from the run's items snapshot")
    parser.add_argument("--dir", type=Path, default=None, help="work folder (default: a temp)")
    args = parser.parse_args()
    work = args.dir or Path(tempfile.mkdtemp(prefix="judgekit-export-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"machine: {os.cpu_count()} cores; load average before: "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"{'items':>10} {'format':>7} {'code':>6} {'wall s':>7} {'cpu s':>7} "
          f"{'peak MiB':>9} {'records':>9}")
    for n in args.sizes:
        folder = work / f"n{n}"
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir()
        suite = write_suite(folder, n)
        run = folder / "run"
        subprocess.run([sys.executable, "-c", MAKE, str(suite), str(run)], check=True)
        if args.snapshot:
            (folder / "items.jsonl").rename(folder / "moved.jsonl")
        codes = [("this", None), *([("before", args.src)] if args.src else [])]
        for fmt in args.formats:
            for name, src in codes:
                wall, cpu, peak, records = export(run, folder / f"out-{fmt}.jsonl", fmt, src)
                print(f"{n:>10,} {fmt:>7} {name:>6} {wall:>7.1f} {cpu:>7.1f} {peak:>9.0f} "
                      f"{records:>9,}", flush=True)
        shutil.rmtree(folder, ignore_errors=True)
    if args.dir is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
