"""The Ray executor against the local one: fake judge, wall time and peak memory, one run.

For each size N (default 10,000 and 100,000 pairwise items, both orders: 2N labels), a
JSONL items file and a suite are written to a temporary folder, then in a fresh process each:

- ``local``: ``run_suite`` with the fake judge;
- ``ray``: ``run_ray`` with the fake judge on a local Ray started in that process
  (``ray.init(num_cpus=C)``, 127.0.0.1, no dashboard; one judge actor), Ray's start included;
- ``ray-resume``: ``run_ray`` again on the finished run (every label found done).

Printed per run: wall seconds, the driver's peak RSS, and the peak RSS summed over the whole
process tree (driver, Ray's GCS, raylet and workers), sampled every 0.2 s with psutil. The
labels of the two executors are compared label by label. On a shared 2-core machine compare
the ratios of one run, not absolute seconds.

Usage: python bench/ray_scale.py [N ...] [--cpus C] [--batch-size B]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
import yaml

CHILD = """
import json, os, resource, sys, time
os.environ["RAY_USAGE_STATS_ENABLED"] = "0"
kind, suite_path, out, cpus, batch = sys.argv[1:6]
from judgekit import load_suite, run_suite
from judgekit.backends import FakeBackend
t0 = time.time()
suite = load_suite(suite_path)
if kind == "local":
    s = run_suite(suite, [FakeBackend()], out, batch_size=int(batch))
else:
    import ray
    ray.init(num_cpus=int(cpus), include_dashboard=False, log_to_driver=False,
             _node_ip_address="127.0.0.1")
    ray.data.DataContext.get_current().enable_progress_bars = False
    from judgekit.run._ray import run_ray
    from judgekit.run._rayplan import RayOptions
    s = run_ray(suite, ["fake"], out, RayOptions(batch_size=int(batch)))
    ray.shutdown()
print(json.dumps({"seconds": time.time() - t0, "judged": s.judged, "skipped": s.skipped,
                  "driver_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def write_suite(folder: Path, n: int) -> Path:
    with open(folder / "items.jsonl", "w", encoding="utf-8") as fh:
        for i in range(n):
            fh.write(json.dumps({"id": f"it{i:07d}", "prompt": f"Question {i}: what is 2 x {i}?",
                                 "response_a": f"It is {2 * i}.", "response_b": f"{2 * i + 1}",
                                 "human_label": "A" if i % 3 else "B"}) + "\n")
    spec = {"rubric": "core/preference", "constitution": "core/hhh", "prompt": "core/pairwise",
            "items": "items.jsonl", "gold": "human_label"}
    path = folder / "suite.yaml"
    path.write_text(yaml.safe_dump(spec), encoding="utf-8")
    return path


def measure(kind: str, suite: Path, out: Path, cpus: int, batch: int) -> dict[str, float]:
    proc = subprocess.Popen([sys.executable, "-c", CHILD, kind, str(suite), str(out),
                             str(cpus), str(batch)], stdout=subprocess.PIPE, text=True,
                            env={**os.environ, "RAY_USAGE_STATS_ENABLED": "0"})
    root, peak = psutil.Process(proc.pid), 0.0
    while proc.poll() is None:
        try:
            tree = [root, *root.children(recursive=True)]
            peak = max(peak, sum(p.memory_info().rss for p in tree if p.is_running()) / 2**20)
        except psutil.Error:
            pass
        time.sleep(0.2)
    assert proc.stdout is not None
    result: dict[str, float] = json.loads(proc.stdout.read().strip().splitlines()[-1])
    result["tree_mib"] = peak
    return result


def same_labels(a: Path, b: Path) -> bool:
    from judgekit.run import Store

    with Store(a / "labels.sqlite") as x, Store(b / "labels.sqlite") as y:
        return all(p == q for p, q in zip(x.labels(), y.labels(), strict=True))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("sizes", nargs="*", type=int, default=[10_000, 100_000])
    parser.add_argument("--cpus", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=1024)
    args = parser.parse_args()
    print(f"{'items':>8} {'run':>11} {'seconds':>8} {'driver MiB':>11} {'tree MiB':>9}")
    for n in args.sizes:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            suite = write_suite(folder, n)
            rows = [("local", folder / "local"), ("ray", folder / "ray"),
                    ("ray-resume", folder / "ray")]
            for name, out in rows:
                r = measure(name.split("-")[0], suite, out, args.cpus, args.batch_size)
                print(f"{n:>8} {name:>11} {r['seconds']:>8.1f} {r['driver_mib']:>11.0f} "
                      f"{r['tree_mib']:>9.0f}", flush=True)
            print(f"{n:>8} labels identical: {same_labels(folder / 'local', folder / 'ray')}")


if __name__ == "__main__":
    main()
