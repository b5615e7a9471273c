"""Labels parsed and stored in a third process (run/_writer): which runs use it, errors and
a dying child that reach the run, and what it stores (see also tests/test_run_worker.py)."""

from __future__ import annotations

import os
import signal
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from judgekit import load_suite, open_run, run_suite
from judgekit._errors import RunError
from judgekit.backends import FakeBackend
from judgekit.run._prepare import Batch, batches
from judgekit.run._record import Accounts, Recorder, Tally
from judgekit.run._store import Store
from judgekit.run._summary import RunSummary
from judgekit.run._verdict import LabelStep
from judgekit.run._worker import ENV
from judgekit.run._writer import Remote, WriteJob, use_writer, write_job_bytes

MakeSuite = Callable[..., Path]


class _Counts:
    may_stop = False

    def __init__(self) -> None:
        self.seen: list[tuple[str, int, int]] = []
        self.how: set[str] = set()

    def start(self, store: Store, judges: Any) -> None:
        pass

    def observe(self, judge: str, labels: Any) -> None:  # in the run's own process
        self.seen.append((judge, len(labels), sum(1 for lab in labels if lab.error)))
        self.how.add("observe")

    def tally(self, judge: str, labels: int, errors: int) -> None:
        self.seen.append((judge, labels, errors))
        self.how.add("tally")


def test_which_watches_let_the_labels_be_stored_elsewhere() -> None:
    class Reads:
        may_stop = False

        def observe(self, judge: str, labels: Any) -> None: ...

    class Stops(_Counts):
        may_stop = True

    assert use_writer(None) and use_writer(_Counts())
    assert not use_writer(Reads())  # it reads every label: parsed in the run's process
    assert not use_writer(Stops())  # it may stop the run: one batch per transaction


def test_a_run_through_the_third_process_counts_what_the_run_would(
        make_suite: MakeSuite, pairwise: Callable[..., list[dict[str, Any]]], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    path = make_suite(pairwise(100))
    summaries, seen = {}, {}
    for mode in ("0", "1"):
        monkeypatch.setenv(ENV, mode)
        watch = _Counts()
        progress: list[tuple[int, int]] = []
        summary = run_suite(load_suite(str(path)), [FakeBackend(error_every=9)],
                            tmp_path / mode, batch_size=16, watch=watch,
                            progress=lambda d, t, got=progress: got.append((d, t)))
        summaries[mode] = (summary.requests, summary.judged, summary.errors,
                           summary.error_kinds, progress[-1])
        seen[mode] = (sum(n for _, n, _ in watch.seen), sum(e for _, _, e in watch.seen))
        assert watch.how == ({"observe"} if mode == "0" else {"tally"})
    assert summaries["0"] == summaries["1"]
    assert summaries["1"][2] == 22 and summaries["1"][4] == (200, 200)
    assert seen["0"] == seen["1"] == (200, 22)  # labels seen; counts told (third process)


def _job(tmp_path: Path, make_suite: MakeSuite) -> tuple[bytes, Any, list[Batch]]:
    suite = load_suite(str(make_suite()))
    store = tmp_path / "labels.sqlite"
    with Store(store) as reader:
        judged = list(batches([list(suite.items)], suite.renderer,
                              suite.renderer.system_message(), ["fake:0"], reader,
                              batch_size=8, trust_done=False, keep_items=False))
    recorder = Recorder(["fake:0"], None, LabelStep(suite), [FakeBackend()])
    judged = [recorder.judge(b) for b in judged]
    blob = write_job_bytes(WriteJob(store, ["fake:0"], LabelStep(suite),
                                    suite.renderer.sampling))
    assert blob is not None
    return blob, suite.renderer.sampling, judged


def test_the_third_process_stores_what_it_is_sent(make_suite: MakeSuite,
                                                  tmp_path: Path) -> None:
    blob, sampling, judged = _job(tmp_path, make_suite)
    summary = RunSummary(out=tmp_path, judges=["fake:0"], items=12, requests=24)
    remote = Remote(blob, sampling, Accounts(summary, None, None))
    try:
        remote.write(judged[:2])
        remote.write(judged[2:])
        remote.finish()
    finally:
        remote.close()
    assert (summary.judged, summary.errors) == (24, 0)
    with Store(tmp_path / "labels.sqlite") as store:
        assert store.count() == 24


def test_an_error_in_the_third_process_reaches_the_run(make_suite: MakeSuite,
                                                       tmp_path: Path) -> None:
    _, sampling, judged = _job(tmp_path, make_suite)
    (tmp_path / "folder").mkdir()  # a folder where the store should be
    suite = load_suite(str(make_suite()))
    blob = write_job_bytes(WriteJob(tmp_path / "folder", ["fake:0"], LabelStep(suite),
                                    sampling))
    assert blob is not None
    summary = RunSummary(out=tmp_path, judges=["fake:0"], items=12, requests=24)
    remote = Remote(blob, sampling, Accounts(summary, None, None))
    try:
        with pytest.raises(Exception, match="unable to open database"):
            for batch in judged:
                remote.write([batch])
            remote.finish()
    finally:
        remote.close()


def test_a_killed_third_process_fails_the_run(make_suite: MakeSuite, tmp_path: Path) -> None:
    blob, sampling, judged = _job(tmp_path, make_suite)
    summary = RunSummary(out=tmp_path, judges=["fake:0"], items=12, requests=24)
    remote = Remote(blob, sampling, Accounts(summary, None, None))
    try:
        os.kill(remote._child.pid, signal.SIGKILL)
        with pytest.raises(RunError, match="storing the run's labels ended without a word"):
            for batch in judged * 50:  # until the pipe says the child is gone
                remote.write([batch])
            remote.finish()
    finally:
        remote.close()


def test_a_step_that_does_not_pickle_keeps_the_labels_in_the_run(make_suite: MakeSuite,
                                                                  tmp_path: Path) -> None:
    suite = load_suite(str(make_suite()))
    step = LabelStep(suite)
    step.checker = lambda fields, order: {}  # a lambda does not pickle
    assert write_job_bytes(WriteJob(tmp_path, ["fake:0"], step, suite.renderer.sampling)) is None
    assert Tally("fake:0").errors == {}


class _Fails(FakeBackend):
    """A judge whose third call raises."""

    def complete(self, requests: Any) -> Any:
        if self.calls == 2:
            raise RuntimeError("engine died")
        return super().complete(requests)


def test_a_failed_run_leaves_no_half_snapshot_and_resumes(
        make_suite: MakeSuite, pairwise: Callable[..., list[dict[str, Any]]], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV, "1")  # the second process writes the snapshot while it reads
    path = make_suite(pairwise(300))
    with pytest.raises(RuntimeError, match="engine died"):
        run_suite(load_suite(str(path)), [_Fails()], tmp_path / "run", batch_size=16)
    assert [p.name for p in (tmp_path / "run" / "items").iterdir()
            if p.name.endswith(".tmp")] == []
    summary = run_suite(load_suite(str(path)), [FakeBackend()], tmp_path / "run",
                        batch_size=16)
    assert summary.judged + summary.skipped == 600
    snapshot = tmp_path / "run" / str(open_run(tmp_path / "run").manifest["items_snapshot"])
    assert snapshot.is_file()
