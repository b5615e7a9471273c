"""A run's batches prepared in a second process (run/_worker): the same labels as the thread
path, resumes, errors that reach the caller, and prompts that pickle by name."""

from __future__ import annotations

import json
import pickle
import sqlite3
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest

from judgekit import load_suite, open_run, run_suite
from judgekit._errors import TemplateError
from judgekit.backends import FakeBackend
from judgekit.content._prompts import _recompile
from judgekit.run._worker import ENV, Job, job_bytes, prepared_elsewhere, use_process

Rows = Callable[..., list[dict[str, Any]]]
MakeSuite = Callable[..., Path]


def labels(out: Path) -> list[dict[str, Any]]:
    with open_run(out).store() as store:
        return [asdict(lab) for lab in store.labels()]  # every field, extra included


def test_a_second_process_prepares_the_same_batches(make_suite: MakeSuite, pairwise: Rows,
                                                    tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    rows = pairwise(300)
    rows[5]["response_b"] = rows[5]["response_a"]  # a cached twin crosses too
    path = make_suite(rows)
    summaries = {}
    for mode in ("0", "1"):
        monkeypatch.setenv(ENV, mode)
        summary = run_suite(load_suite(str(path)), [FakeBackend(0), FakeBackend(1)],
                            tmp_path / mode, batch_size=7)
        summaries[mode] = (summary.requests, summary.judged, summary.cached, summary.errors)
    assert summaries["0"] == summaries["1"] == (1200, 1198, 2, 0)
    assert labels(tmp_path / "0") == labels(tmp_path / "1")
    again = run_suite(load_suite(str(path)), [FakeBackend(0), FakeBackend(2)], tmp_path / "1",
                      batch_size=7)  # resumed: one judge done, one new, asked per chunk
    assert (again.skipped, again.judged) == (600, 599)


def test_hidden_gold_is_mixed_in_the_same_way_by_a_second_process(
        make_suite: MakeSuite, pairwise: Rows, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    path = make_suite(pairwise(90), hidden_gold={"set": "quiz.jsonl", "rate": 0.2,
                                                 "min_agreement": 0.01})
    (path.parent / "quiz.jsonl").write_text(
        "".join(json.dumps(r) + "\n" for r in pairwise(30, prefix="quiz")), encoding="utf-8")
    for mode in ("0", "1"):
        monkeypatch.setenv(ENV, mode)
        summary = run_suite(load_suite(str(path)), [FakeBackend()], tmp_path / mode,
                            batch_size=16)
        assert (summary.items, summary.hidden) == (112, 22)
    assert labels(tmp_path / "0") == labels(tmp_path / "1")


def test_a_checker_reads_the_items_the_second_process_sent(
        make_suite: MakeSuite, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tests = ["assert add(1, 2) == 3", "assert add(0, 0) == 0"]
    rows = [{"id": "passes", "prompt": "Write add(a, b).", "tests": tests,
             "response": "def add(a, b):\n    return a + b"},
            {"id": "fails", "prompt": "Write add(a, b).", "tests": tests,
             "response": "def add(a, b):\n    return a * b"}]
    path = make_suite(rows, rubric="code/quality", constitution="code/engineering",
                      prompt="code/review", checker="code/exec")
    for mode in ("0", "1"):
        monkeypatch.setenv(ENV, mode)
        run_suite(load_suite(str(path)), [FakeBackend()], tmp_path / mode)
    untimed = [[{**lab, "extra": {"exec": {k: v for k, v in lab["extra"]["exec"].items()
                                           if k != "seconds"}}} for lab in labels(tmp_path / m)]
               for m in ("0", "1")]  # the third process runs the code again: its own timing
    assert untimed[0] == untimed[1]
    passed = {lab["item_id"]: lab["extra"]["exec"]["passed"] for lab in labels(tmp_path / "1")}
    assert passed == {"passes": 2, "fails": 1}


def test_which_runs_use_a_second_process(make_suite: MakeSuite,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    suite = load_suite(str(make_suite()))
    monkeypatch.delenv(ENV, raising=False)
    assert not use_process(suite.items, 12)  # too small to pay for a process
    assert not use_process(list(suite.items), 10**6)  # not streamed
    monkeypatch.setenv(ENV, "1")
    assert use_process(suite.items, 12)
    monkeypatch.setenv(ENV, "0")
    assert not use_process(suite.items, 10**7)


def test_an_error_in_the_second_process_reaches_the_run(make_suite: MakeSuite,
                                                        tmp_path: Path) -> None:
    suite = load_suite(str(make_suite()))
    items = suite.items
    system = suite.renderer.system_message()
    (tmp_path / "not-a-store").mkdir()  # a folder where the store should be
    job = Job(items, None, suite.renderer, system, ["fake:0"],  # type: ignore[arg-type]
              tmp_path / "not-a-store", 8, False, False)
    blob = job_bytes(job)
    assert blob is not None
    with pytest.raises(Exception, match="unable to open database"):
        list(prepared_elsewhere(job, blob))
    job.mixer = lambda chunks: chunks  # type: ignore[assignment]  # a lambda does not pickle
    assert job_bytes(job) is None  # the run then prepares in a thread


def test_a_prompt_pickles_by_name_and_refuses_changed_files(make_suite: MakeSuite) -> None:
    renderer = load_suite(str(make_suite())).renderer
    copy = pickle.loads(pickle.dumps(renderer))
    item = next(iter(load_suite(str(make_suite())).items))
    system = renderer.system_message()
    assert copy.system_message() == system
    assert copy.requests(item, system) == renderer.requests(item, system)
    with pytest.raises(TemplateError, match="changed while the run was starting"):
        _recompile(renderer.prompt.name, "0" * 64)


@pytest.mark.parametrize("suite", [{}, {"mode": "rationale"},
                                   {"rubric": "core/quality", "prompt": "core/pointwise",
                                    "gold": None}])
def test_the_third_process_stores_the_rows_the_run_would(
        make_suite: MakeSuite, pairwise: Rows, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        suite: dict[str, Any]) -> None:
    """The third process (run/_writer) builds verdict rows without Label objects, and falls
    back to the full path for a batch with an error or unreadable text, and for rationales:
    the same table rows (batches of 16: most go the short way)."""
    rows = pairwise(120)
    if "prompt" in suite:
        rows = [{"id": r["id"], "prompt": r["prompt"], "response": r["response_a"]}
                for r in rows]
    path = make_suite(rows, **suite)
    tables = {}
    for mode in ("0", "1"):
        monkeypatch.setenv(ENV, mode)
        summary = run_suite(load_suite(str(path)),
                            [FakeBackend(0, error_every=37, garbage_every=53)],
                            tmp_path / mode, batch_size=16)
        assert summary.errors > 0 and summary.error_kinds.get("backend")
        db = sqlite3.connect(tmp_path / mode / "labels.sqlite")
        tables[mode] = {t: sorted(db.execute(f"SELECT * FROM {t}"), key=repr)
                        for t in ("labels", "completions", "judges", "spaces")}
        db.close()
    assert tables["0"] == tables["1"]
    assert labels(tmp_path / "0") == labels(tmp_path / "1")
