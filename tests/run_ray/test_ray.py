"""The Ray executor: same labels as the local one, resumable, kill-safe, through the CLI."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from judgekit import RunError, load_suite, run_suite
from judgekit.backends import FakeBackend
from judgekit.run import Store, open_run
from judgekit.run._ray import run_ray
from judgekit.run._rayplan import RayOptions
from judgekit.run._shards import shard_dir

from .conftest import rows, write_suite

pytestmark = pytest.mark.usefixtures("cluster")


def labels_of(out: Path) -> list[Any]:
    with Store(out / "labels.sqlite") as store:
        return list(store.labels())


def test_fake_judge_on_10k_items_gives_the_local_labels(tmp_path: Path) -> None:
    suite = load_suite(str(write_suite(tmp_path / "s", rows(10_000))))
    local = run_suite(suite, [FakeBackend()], tmp_path / "local")
    seen: list[tuple[int, int]] = []
    summary = run_ray(suite, ["fake"], tmp_path / "ray", RayOptions(batch_size=1024),
                      lambda d, t: seen.append((d, t)))
    assert (summary.items, summary.requests, summary.judged, summary.errors) == (
        10_000, 20_000, 20_000, 0)
    assert summary.judges == local.judges == ["fake:0"]
    assert seen[-1] == (20_000, 20_000) and len(seen) >= 10  # a shard of ~1024 at a time
    ours, theirs = labels_of(tmp_path / "ray"), labels_of(tmp_path / "local")
    assert len(ours) == 20_000
    assert ours == theirs  # label by label: verdict, probs, key, raw, presented order
    manifest = open_run(tmp_path / "ray").manifest
    assert manifest["status"] == "complete" and manifest["executor"] == "ray"
    assert manifest["judges"] == [{"model": "fake:0", **FakeBackend().describe()}]
    local_manifest = open_run(tmp_path / "local").manifest
    assert manifest["labels_made_from"] == local_manifest["checked"]
    assert manifest["items_snapshot"] == local_manifest["items_snapshot"]
    assert (tmp_path / "ray" / manifest["items_snapshot"]).is_file()
    assert not list(shard_dir(tmp_path / "ray").iterdir())  # every shard ingested
    assert labels_of(tmp_path / "ray") == theirs


def test_a_finished_run_resumes_without_asking_the_cluster(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    suite = load_suite(str(write_suite(tmp_path / "s", rows(300))))
    first = run_ray(suite, ["fake:2"], tmp_path / "ray")
    assert open_run(tmp_path / "ray").manifest["ray_judges"] == {"fake:2": "fake:2"}

    def no_cluster(address: str | None) -> bool:
        raise AssertionError("a finished run must not start a pipeline")

    monkeypatch.setattr("judgekit.run._ray._connect", no_cluster)
    again = run_ray(suite, ["fake:2"], tmp_path / "ray")
    assert (again.skipped, again.judged, again.judges) == (600, 0, ["fake:2"])
    manifest = open_run(tmp_path / "ray").manifest
    assert manifest["status"] == "complete" and manifest["judges"][0]["model"] == "fake:2"
    assert len(labels_of(tmp_path / "ray")) == first.judged == 600


def test_parquet_where_limit_and_preference_sides_match_local(tmp_path: Path) -> None:
    items = [{"id": r["id"], "prompt": r["prompt"], "good": r["response_a"],
              "bad": r["response_b"], "split": "test" if i % 4 else "train"}
             for i, r in enumerate(rows(600))]
    path = write_suite(tmp_path / "s", items, items_name="items.parquet",
                       fields={"chosen": "good", "rejected": "bad"}, gold="chosen_label",
                       where={"split": "test"}, limit=300)
    suite = load_suite(str(path))
    run_suite(suite, [FakeBackend(seed=3)], tmp_path / "local", batch_size=64)
    summary = run_ray(suite, ["fake:3"], tmp_path / "ray", RayOptions(batch_size=64))
    assert summary.items == 300 and summary.judged == 600
    ours = labels_of(tmp_path / "ray")
    assert ours == labels_of(tmp_path / "local")
    last_kept = [r["id"] for r in items if r["split"] == "test"][299]
    assert max(lab.item_id for lab in ours) == last_kept  # the first 300 kept, in file order


def test_a_parquet_folder_and_an_odd_jsonl_read_as_the_local_reader_reads_them(
        tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    items = rows(90)
    path = write_suite(tmp_path / "s", [], items_name="data", limit=70)
    (tmp_path / "s" / "data").unlink()  # a folder of Parquet files instead
    for name, part in (("b/x.parquet", items[:30]), ("a=1/y.parquet", items[30:60]),
                       ("c.parquet", items[60:])):  # sorted: a=1/y, b/x, c; no 'a' column
        (tmp_path / "s" / "data" / name).parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(pa.Table.from_pylist(part), tmp_path / "s" / "data" / name)
    suite = load_suite(str(path))
    run_suite(suite, [FakeBackend()], tmp_path / "local")
    assert run_ray(suite, ["fake"], tmp_path / "ray").items == 70
    assert labels_of(tmp_path / "ray") == labels_of(tmp_path / "local")
    odd = tmp_path / "odd"
    write_suite(odd, rows(20))
    lines = (odd / "items.jsonl").read_text(encoding="utf-8").splitlines()
    (odd / "items.jsonl").write_text("\ufeff" + "\n  \n".join(lines) + "\n\n",
                                     encoding="utf-8")  # a BOM, blank and space-only lines
    suite = load_suite(str(odd / "suite.yaml"))
    run_suite(suite, [FakeBackend()], tmp_path / "local2")
    assert run_ray(suite, ["fake"], tmp_path / "ray2").judged == 40
    assert labels_of(tmp_path / "ray2") == labels_of(tmp_path / "local2")


def test_a_panel_and_a_resumed_run_judge_only_what_is_missing(tmp_path: Path) -> None:
    suite = load_suite(str(write_suite(tmp_path / "s", rows(400))))
    run_ray(suite, ["fake"], tmp_path / "ray", RayOptions(batch_size=100))
    summary = run_ray(suite, ["fake", "fake:1"], tmp_path / "ray", RayOptions(batch_size=100))
    assert (summary.skipped, summary.judged) == (800, 800)
    run_suite(suite, [FakeBackend(), FakeBackend(seed=1)], tmp_path / "local")
    assert labels_of(tmp_path / "ray") == labels_of(tmp_path / "local")
    assert [j["model"] for j in open_run(tmp_path / "ray").manifest["judges"]] == [
        "fake:0", "fake:1"]


DRIVER = """
import sys, ray
from judgekit import load_suite
from judgekit.run._ray import run_ray
from judgekit.run._rayplan import RayOptions
ray.init(address=sys.argv[1], log_to_driver=False)
run_ray(load_suite(sys.argv[2]), ["fake"], sys.argv[3],
        RayOptions(batch_size=40, backend_options={"fake": {"latency": 0.05}}))
"""


def test_a_killed_driver_resumes_without_loss_or_duplicates(tmp_path: Path,
                                                            cluster: str) -> None:
    path = write_suite(tmp_path / "s", rows(3000))
    out = tmp_path / "ray"
    env = {**os.environ, "RAY_USAGE_STATS_ENABLED": "0"}
    proc = subprocess.Popen([sys.executable, "-c", DRIVER, cluster, str(path), str(out)],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 120
        while time.time() < deadline and proc.poll() is None:
            if (out / "labels.sqlite").is_file() and _count(out) >= 400:
                break
            time.sleep(0.2)
        assert proc.poll() is None, "the run ended before it could be killed"
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    stored = _count(out)
    assert 400 <= stored < 6000
    assert open_run(out).manifest["status"] == "running"
    suite = load_suite(str(path))
    summary = run_ray(suite, ["fake"], out, RayOptions(batch_size=400))
    assert summary.skipped >= stored and summary.skipped + summary.judged == 6000
    run_suite(suite, [FakeBackend()], tmp_path / "local")
    assert labels_of(out) == labels_of(tmp_path / "local")
    assert not [p for p in shard_dir(out).iterdir()]  # left-over shards ingested, temp removed


def _count(out: Path) -> int:
    try:
        with Store(out / "labels.sqlite") as store:
            return int(store.count())
    except Exception:  # being created this instant
        return 0


def test_cli_runs_on_ray_and_export_reads_the_run(tmp_path: Path, cluster: str,
                                                  jk: Any) -> None:
    path = write_suite(tmp_path / "s", rows(50))
    env = {"RAY_ADDRESS": cluster, "RAY_USAGE_STATS_ENABLED": "0"}
    done = jk("run", str(path), "--out", str(tmp_path / "ray"), "--judge", "fake",
              "--executor", "ray", "--batch-size", "20", env=env, timeout=240)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "50 items x 1 judge(s), 100 judgments: 100 judged" in done.stdout
    run_suite(load_suite(str(path)), [FakeBackend()], tmp_path / "local")
    assert labels_of(tmp_path / "ray") == labels_of(tmp_path / "local")
    exported = jk("export", str(tmp_path / "ray"), "--format", "items", env=env)
    assert exported.returncode == 0, exported.stderr
    assert len([json.loads(line) for line in exported.stdout.splitlines()]) == 50


def test_cli_refuses_an_unknown_executor(tmp_path: Path, jk: Any) -> None:
    path = write_suite(tmp_path / "s", rows(5))
    done = jk("run", str(path), "--out", str(tmp_path / "r"), "--judge", "fake",
              "--executor", "spark")
    assert done.returncode != 0
    assert "unknown --executor 'spark'; use local or ray" in done.stdout + done.stderr
    assert not (tmp_path / "r").exists()


def test_items_ray_cannot_read_are_refused_before_anything_runs(tmp_path: Path) -> None:
    path = write_suite(tmp_path / "s", [])
    (tmp_path / "s" / "items.csv").write_text("id,prompt,response_a,response_b,human_label\n"
                                              "a,q,x,y,A\n", encoding="utf-8")
    text = path.read_text(encoding="utf-8").replace("items.jsonl", "items.csv")
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RunError, match=r"reads items from a \.jsonl or \.parquet"):
        run_ray(load_suite(str(path)), ["fake"], tmp_path / "r")
    assert not (tmp_path / "r").exists()


def test_without_ray_the_error_says_how_to_install_it(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    suite = load_suite(str(write_suite(tmp_path / "s", rows(3))))
    monkeypatch.setitem(sys.modules, "ray", None)
    with pytest.raises(RunError, match=r"pip install 'judgekit\[ray\]'"):
        run_ray(suite, ["fake"], tmp_path / "r")
    assert not (tmp_path / "r").exists()


def test_a_worker_error_says_what_failed_in_one_line(tmp_path: Path) -> None:
    suite = load_suite(str(write_suite(tmp_path / "s", rows(3))))
    with pytest.raises(RunError, match="a Ray worker failed: judge 'fake:x': the seed must be"):
        run_ray(suite, ["fake:x"], tmp_path / "r")
    assert open_run(tmp_path / "r").manifest["status"] == "running"


def test_local_and_ray_resume_each_others_runs(tmp_path: Path) -> None:
    suite = load_suite(str(write_suite(tmp_path / "s", rows(100))))
    run_suite(suite, [FakeBackend()], tmp_path / "a")
    on_ray = run_ray(suite, ["fake"], tmp_path / "a")
    assert (on_ray.skipped, on_ray.judged) == (200, 0)
    run_ray(suite, ["fake"], tmp_path / "b")
    local = run_suite(suite, [FakeBackend()], tmp_path / "b")
    assert (local.skipped, local.judged) == (200, 0)
    assert labels_of(tmp_path / "a") == labels_of(tmp_path / "b")


def test_shards_left_by_a_run_of_other_inputs_are_ingested_then_judged_again(
        tmp_path: Path) -> None:
    from judgekit.run._shards import write_shard

    old = load_suite(str(write_suite(tmp_path / "v1", rows(40))))
    run_suite(old, [FakeBackend()], tmp_path / "v1run")
    changed = [{**r, "prompt": r["prompt"] + " (edited)"} for r in rows(40)]
    suite = load_suite(str(write_suite(tmp_path / "v2", changed)))
    out = tmp_path / "ray"
    shard_dir(out).mkdir(parents=True)
    write_shard(shard_dir(out), 0, labels_of(tmp_path / "v1run"), {})  # a killed run's shard
    (shard_dir(out) / ".000-x.parquet.dead.tmp").write_bytes(b"half")
    summary = run_ray(suite, ["fake"], out)
    assert summary.judged == 80  # the old labels' keys are not these inputs' keys
    run_suite(suite, [FakeBackend()], tmp_path / "local")
    assert labels_of(out) == labels_of(tmp_path / "local")
    assert not list(shard_dir(out).iterdir())
