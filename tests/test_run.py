"""Runs: manifest provenance, cache keys, resume, re-judging rules, locking, panels."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from judgekit import (
    RunError,
    TemplateError,
    __version__,
    get_domain,
    load_suite,
    open_run,
    run_suite,
)
from judgekit.backends import FakeBackend
from judgekit.run import Store

Rows = Callable[..., list[dict[str, Any]]]
MakeSuite = Callable[..., Path]


def labels_of(out: Path) -> list[Any]:
    with Store(out / "labels.sqlite") as store:
        return list(store.labels())


def test_run_sample_and_manifest(tmp_path: Path) -> None:
    suite = load_suite("core/sample")
    seen: list[tuple[int, int]] = []
    summary = run_suite(suite, [FakeBackend()], tmp_path / "run", batch_size=5,
                        progress=lambda d, t: seen.append((d, t)))
    assert (summary.items, summary.requests, summary.judged, summary.errors) == (12, 24, 24, 0)
    assert seen[-1] == (24, 24) and len(seen) == 5  # ceil(24 / 5) batches
    labels = labels_of(tmp_path / "run")
    assert len(labels) == 24
    assert {(lab.item_id, lab.order) for lab in labels} == {
        (it.id, o) for it in suite.items for o in ("AB", "BA")}
    for lab in labels:
        assert lab.judge == "fake:0" and lab.raw == lab.label_presented
        assert lab.probs is not None and abs(sum(lab.probs.values()) - 1) < 1e-9
        swapped = {"A": "B", "B": "A"}.get(str(lab.label_presented), lab.label_presented)
        assert lab.label == (swapped if lab.order == "BA" else lab.label_presented)

    man = open_run(tmp_path / "run").manifest
    assert man["judgekit"] == __version__ and man["suite"] == "core/sample"
    assert man["status"] == "complete" and man["finished"] >= man["started"]
    assert man["domains"]["core"]["distribution"] == "judgekit"
    assert man["judges"] == [{"model": "fake:0", **FakeBackend().describe()}]
    assert man["sampling"]["labels"] == ["A", "B", "tie"]
    assert man["summary"]["judged"] == 24
    hashed = {Path(p).name: d for p, d in man["sources_sha256"].items()}
    for name in ("preference.yaml", "hhh.yaml", "system.j2", "user.j2", "_principles.j2",
                 "_answer.j2", "sample.yaml", "sample.jsonl"):
        assert name in hashed, name
    for path, digest in man["sources_sha256"].items():
        assert hashlib.sha256(Path(path).read_bytes()).hexdigest() == digest


def test_rerun_skips_everything(tmp_path: Path) -> None:
    suite = load_suite("core/sample")
    run_suite(suite, [FakeBackend()], tmp_path)
    again = run_suite(suite, [FakeBackend()], tmp_path)
    assert (again.skipped, again.judged, again.cached) == (24, 0, 0)
    assert len(labels_of(tmp_path)) == 24


RUBRIC = (Path(__file__).resolve().parents[1] / "rubrics" / "core" / "preference.yaml")


def test_cache_keys_follow_content(tmp_domain: Callable[..., Path], pairwise: Rows,
                                   tmp_path: Path) -> None:
    rows = pairwise(10)
    tmp_domain("edits", {
        "rubrics/pref.yaml": RUBRIC.read_text(encoding="utf-8"),
        "suites/s.yaml": "rubric: pref\nconstitution: hhh\nprompt: pairwise\nitems: s.jsonl\n",
        "suites/s.jsonl": "".join(json.dumps(r) + "\n" for r in rows),
    })
    root = get_domain("edits").rubrics.parent
    out = tmp_path / "run"

    def rerun() -> Any:
        return run_suite(load_suite("edits/s"), [FakeBackend()], out, batch_size=4)

    assert rerun().judged == 20
    # one item's text changes: only its two orders are judged again
    rows[3]["response_b"] = "Something else entirely."
    (root / "suites" / "s.jsonl").write_text(
        "".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    s = rerun()
    assert (s.judged, s.skipped, s.cached) == (2, 18, 0)
    # the rubric's text changes: it is in every prompt, so every request is judged again
    rubric = root / "rubrics" / "pref.yaml"
    original = rubric.read_text(encoding="utf-8")
    rubric.write_text(original.replace("Are its facts", "Are all of its facts"), encoding="utf-8")
    s = rerun()
    assert (s.judged, s.skipped) == (20, 0)
    sources = open_run(out).manifest["sources_sha256"]
    assert sources[str(rubric)] == hashlib.sha256(rubric.read_bytes()).hexdigest()
    # back to the old rubric: answered from the completion cache, the model is not called
    rubric.write_text(original, encoding="utf-8")
    fake = FakeBackend()
    s = run_suite(load_suite("edits/s"), [fake], out)
    assert (s.judged, s.cached, fake.calls) == (0, 20, 0)
    assert len(labels_of(out)) == 20


def test_transport_errors_are_rejudged_parse_errors_are_not(tmp_path: Path) -> None:
    suite = load_suite("core/sample")
    s = run_suite(suite, [FakeBackend(error_every=5)], tmp_path / "t", batch_size=4)
    assert s.errors == 4 and s.error_kinds == {"backend": 4}
    fake = FakeBackend()
    s = run_suite(suite, [fake], tmp_path / "t")
    assert (s.judged, s.skipped, s.errors) == (4, 20, 0)
    assert all(lab.error is None for lab in labels_of(tmp_path / "t"))

    s = run_suite(suite, [FakeBackend(garbage_every=6)], tmp_path / "g")
    assert s.errors == 4 and s.error_kinds == {"unreadable verdict 'I cannot decide.'; "
                                               "expected one of ['A', 'B', 'tie']": 4}
    s = run_suite(suite, [FakeBackend()], tmp_path / "g")
    assert (s.judged, s.skipped) == (0, 24)  # never re-sampled until it parses
    bad = [lab for lab in labels_of(tmp_path / "g") if lab.error]
    assert len(bad) == 4 and all(lab.label is None for lab in bad)


def test_run_dir_of_another_suite_is_refused(tmp_path: Path) -> None:
    run_suite(load_suite("core/sample"), [FakeBackend()], tmp_path)
    before = (tmp_path / "manifest.json").read_bytes()
    with pytest.raises(RunError, match="holds a run of suite 'core/sample'"):
        run_suite(load_suite("core/sample-pointwise"), [FakeBackend()], tmp_path)
    assert (tmp_path / "manifest.json").read_bytes() == before
    assert len(labels_of(tmp_path)) == 24


def test_template_error_leaves_no_run_dir(tmp_path: Path) -> None:
    (tmp_path / "items.jsonl").write_text('{"id": "a", "prompt": "p"}\n', encoding="utf-8")
    (tmp_path / "s.yaml").write_text("rubric: quality\nprompt: pointwise\nitems: items.jsonl\n",
                                     encoding="utf-8")
    suite = load_suite(str(tmp_path / "s.yaml"))  # 'response' is only needed by the template
    with pytest.raises(TemplateError, match="response"):
        run_suite(suite, [FakeBackend()], tmp_path / "run")
    assert not (tmp_path / "run").exists()


def test_pointwise_scores(tmp_path: Path) -> None:
    run_suite(load_suite("core/sample-pointwise"), [FakeBackend()], tmp_path)
    labels = labels_of(tmp_path)
    assert len(labels) == 8 and {lab.order for lab in labels} == {"single"}
    for lab in labels:
        assert lab.probs is not None and lab.score is not None
        expected = sum(float(k) * p for k, p in lab.probs.items())
        assert lab.score == pytest.approx(expected)


def test_panel_of_judges(tmp_path: Path) -> None:
    s = run_suite(load_suite("core/sample"), [FakeBackend(0), FakeBackend(1)], tmp_path)
    assert s.requests == 48 and s.judges == ["fake:0", "fake:1"]
    with Store(tmp_path / "labels.sqlite") as store:
        assert store.judges() == ["fake:0", "fake:1"] and store.count("fake:1") == 24


def test_rationale_run(tmp_path: Path) -> None:
    run_suite(load_suite("core/sample", mode="rationale"), [FakeBackend()], tmp_path)
    labels = labels_of(tmp_path)
    assert all(lab.rationale and lab.error is None and lab.probs for lab in labels)


@pytest.mark.slow
def test_lock_prevents_two_concurrent_runs(tmp_path: Path) -> None:
    out = tmp_path / "run"
    proc = subprocess.Popen(
        [sys.executable, "-m", "judgekit", "run", "core/sample", "--judge", "fake", "--out",
         str(out), "--batch-size", "1", "--latency", "0.1"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.time() + 60
        while not (out / "manifest.json").exists():
            assert time.time() < deadline and proc.poll() is None, "first run did not start"
            time.sleep(0.05)
        with pytest.raises(RunError, match="in use by another judgekit run"):
            run_suite(load_suite("core/sample"), [FakeBackend()], out)
    finally:
        _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 0, stderr
    assert open_run(out).manifest["status"] == "complete"
    assert len(labels_of(out)) == 24
