"""Kill a real ``judgekit run`` with SIGKILL at random moments; resuming loses and duplicates
nothing, and the final labels equal those of an uninterrupted run.

The run is the streaming pipeline (prepare, judge and record overlap): a kill lands while
batches are being prepared, judged and written at once. Two sources: a JSONL file with ids,
and a Parquet file without ids (content-hash ids), whose resumes also skip the render pass
and every finished item without rendering it (the manifest's fingerprints)."""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from judgekit import load_suite, open_run, run_suite
from judgekit.backends import FakeBackend
from judgekit.run import Store
from judgekit.run._codec import ORDER_CODE

N_ITEMS = 400
TOTAL = 2 * N_ITEMS


def stored(db: Path) -> int:
    """Labels committed so far (read-only; 0 before the store exists)."""
    if not db.exists():
        return 0
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
    try:
        return int(con.execute("SELECT COUNT(*) FROM labels").fetchone()[0])
    except sqlite3.OperationalError:  # the table is not created yet
        return 0
    finally:
        con.close()


def start(suite: Path, out: Path, prepare: str = "0") -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "judgekit", "run", str(suite), "--judge", "fake", "--out",
         str(out), "--batch-size", "8", "--latency", "0.05"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "JUDGEKIT_PREPARE_PROCESS": prepare},
    )


def children(pid: int) -> list[int]:
    """Processes whose parent is ``pid`` (Linux /proc)."""
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.append(int(stat.parent.name))
    return out


def command(pid: int) -> bytes:
    """A process's command line (empty once it has ended)."""
    try:
        return (Path("/proc") / str(pid) / "cmdline").read_bytes()
    except OSError:
        return b""


def gone(pid: int, within: float) -> bool:
    deadline = time.time() + within
    while time.time() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            return True
        if state == "Z":
            return True
        time.sleep(0.05)
    return False


def snapshot(out: Path) -> dict[tuple[str, str], dict[str, Any]]:
    with Store(out / "labels.sqlite") as store:
        return {(lab.item_id, lab.order): lab.to_dict() for lab in store.labels()}


@pytest.mark.slow
@pytest.mark.parametrize(("source", "prepare"), [("items.jsonl", "0"), ("items.parquet", "0"),
                                                 ("items.jsonl", "1")])
def test_sigkill_at_random_moments_then_resume(
    tmp_path: Path, pairwise: Callable[..., list[dict[str, Any]]], source: str, prepare: str
) -> None:
    """``prepare``: 1 prepares batches in a second process (run/_worker) and stores labels in
    a third (run/_writer, whose transactions may hold several batches), which must both end
    with the killed run."""
    rows = pairwise(N_ITEMS)
    if source.endswith(".jsonl"):
        (tmp_path / source).write_text("".join(json.dumps(r) + "\n" for r in rows),
                                       encoding="utf-8")
    else:
        pq = pytest.importorskip("pyarrow.parquet")
        pa = pytest.importorskip("pyarrow")
        pq.write_table(pa.Table.from_pylist([{k: v for k, v in r.items() if k != "id"}
                                             for r in rows]), tmp_path / source,
                       row_group_size=64)
    suite = tmp_path / "kill.yaml"
    suite.write_text("rubric: core/preference\nconstitution: core/hhh\nprompt: core/pairwise\n"
                     f"items: {source}\n", encoding="utf-8")
    out = tmp_path / "run"
    db = out / "labels.sqlite"
    rng = random.Random(20261122)

    kills: list[int] = []
    # one kill during start-up (before or around the first batch), then mid-run kills
    targets = [-1, *sorted(rng.sample(range(40, TOTAL - 160, 8), 4))]
    for target in targets:
        proc = start(suite, out, prepare)
        try:
            if target < 0:
                time.sleep(rng.uniform(0.2, 0.8))
            else:
                deadline = time.time() + 120
                while stored(db) < target and proc.poll() is None:
                    assert time.time() < deadline, "run made no progress"
                    time.sleep(0.005)
                time.sleep(rng.uniform(0.0, 0.05))  # land anywhere inside a batch
            finished = proc.poll() is not None
            helpers = {pid: command(pid) for pid in children(proc.pid)}
            os.kill(proc.pid, signal.SIGKILL)
        finally:
            proc.wait(timeout=30)
        assert not finished, f"the run finished before the kill at {target}"
        if prepare == "1" and target >= 0:  # the third (run/_writer) lives as long as the run
            assert any(b"_writer" in line for line in helpers.values()), \
                "no third process stored the labels"
        assert all(gone(pid, 10) for pid in helpers), "a helper process outlived the run"
        assert proc.returncode == -signal.SIGKILL
        kills.append(stored(db))
    mid = [k for k in kills if 0 < k < TOTAL]
    assert len(mid) >= 4, f"labels at each kill: {kills}"
    assert kills == sorted(kills), "a resumed run lost labels"

    proc = start(suite, out, prepare)
    stdout, stderr = proc.communicate(timeout=300)
    assert proc.returncode == 0, stderr
    assert f"{TOTAL - kills[-1]} judged" in stdout.replace("\n", " ")

    con = sqlite3.connect(db)
    rows = con.execute("SELECT COUNT(*), COUNT(DISTINCT item_id || '|' || ord) FROM labels")
    assert rows.fetchone() == (TOTAL, TOTAL)
    per_item = con.execute("SELECT item_id, COUNT(*), GROUP_CONCAT(ord) FROM labels "
                           "GROUP BY item_id").fetchall()
    con.close()
    assert len(per_item) == N_ITEMS
    codes = {str(ORDER_CODE["AB"]), str(ORDER_CODE["BA"])}  # the store keeps order codes
    assert all(n == 2 and set(orders.split(",")) == codes for _, n, orders in per_item)
    manifest = open_run(out).manifest
    assert manifest["status"] == "complete" and manifest["finished"] is not None
    assert manifest["labels_made_from"] == manifest["checked"] is not None

    clean = tmp_path / "clean"
    run_suite(load_suite(str(suite)), [FakeBackend()], clean, batch_size=8)
    got, want = snapshot(out), snapshot(clean)
    assert got.keys() == want.keys()
    diffs = [k for k in want if got[k] != want[k]]
    assert not diffs, f"{len(diffs)} labels differ from a clean run, e.g. {diffs[:3]}"
    assert all(v["error"] is None and v["probs"] for v in got.values())
