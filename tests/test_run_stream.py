"""Streaming runs: keys as Request.cache_key computes them, the bounded pipeline, and resumes
that trust what the manifest says was made from the same inputs."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from judgekit import Completion, Request, load_suite, open_run, run_suite
from judgekit._types import Message, Sampling
from judgekit.backends import FakeBackend
from judgekit.content._render import Renderer
from judgekit.run._pipeline import Pipeline
from judgekit.run._prepare import Keys

Rows = Callable[..., list[dict[str, Any]]]
MakeSuite = Callable[..., Path]


@pytest.mark.parametrize("user", ["plain", "ünïcødé ✓ \"quoted\" \\ \n\t", "<|im_end|>"])
def test_keys_equal_request_cache_keys(user: str) -> None:
    sampling = Sampling(mode="rationale", labels=("1", "2"), max_tokens=512, temperature=0.3)
    system = "Sys ✓ \"x\""
    request = Request("i", "AB", (Message("system", system), Message("user", user)), sampling)
    assert Keys(system, sampling, "vllm:m/ü").of(request) == request.cache_key("vllm:m/ü")
    other = Request("i", "AB", (Message("user", user),), sampling)  # falls back
    assert Keys(system, sampling, "m").of(other) == other.cache_key("m")


class _Counting:
    """Counts renders (Renderer.requests calls) and the check pass's Renderer.check calls.

    The core pairwise prompt is spliced, so the check pass vouches for an item without
    rendering it: renders are the run's own.
    """

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls = self.checks = 0
        real, check = Renderer.requests, Renderer.check

        def counted(renderer: Renderer, *args: Any, **kwargs: Any) -> list[Request]:
            self.calls += 1
            return real(renderer, *args, **kwargs)

        def counted_check(renderer: Renderer, *args: Any, **kwargs: Any) -> None:
            self.checks += 1
            check(renderer, *args, **kwargs)

        monkeypatch.setattr(Renderer, "requests", counted)
        monkeypatch.setattr(Renderer, "check", counted_check)


def test_a_finished_run_resumes_without_rendering(make_suite: MakeSuite, pairwise: Rows,
                                                  tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    rows = pairwise(30)
    path = make_suite(rows)
    out = tmp_path / "run"
    renders = _Counting(monkeypatch)
    first = run_suite(load_suite(str(path)), [FakeBackend()], out, batch_size=8)
    # loading read every item, and the prompt prints only mapped fields: no check pass
    assert first.judged == 60 and (renders.checks, renders.calls) == (0, 30)
    manifest = open_run(out).manifest
    assert manifest["checked"] == manifest["labels_made_from"] is not None
    renders.calls = renders.checks = 0
    again = run_suite(load_suite(str(path)), [FakeBackend()], out, batch_size=8)
    assert (again.skipped, again.judged, renders.checks, renders.calls) == (60, 0, 0, 0)

    rows[4]["response_a"] = "A changed answer."  # other inputs: everything is rendered
    path = make_suite(rows)
    changed = run_suite(load_suite(str(path)), [FakeBackend()], out, batch_size=8)
    assert (changed.skipped, changed.judged, renders.checks, renders.calls) == (58, 2, 0, 30)
    loaded = load_suite(str(path))
    assert loaded.items.columns is not None  # what made the check pass needless
    assert not loaded.renderer.check_needed(loaded.items.columns)
    assert loaded.renderer.check_needed(loaded.items.columns | {"conversation"})


class _FailsAfter(FakeBackend):
    """A judge whose n-th call raises (a crash in the middle of a run)."""

    def __init__(self, calls: int) -> None:
        super().__init__()
        self.allowed = calls

    def complete(self, requests: Sequence[Request]) -> list[Completion]:
        if self.calls >= self.allowed:
            raise RuntimeError("engine died")
        return super().complete(requests)


def test_a_crash_mid_run_keeps_written_batches_and_distrusts_mixed_labels(
        make_suite: MakeSuite, pairwise: Rows, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    rows = pairwise(40)
    out = tmp_path / "run"
    run_suite(load_suite(str(make_suite(rows))), [FakeBackend()], out, batch_size=10)
    for r in rows:
        r["prompt"] += " (edited)"
    path = make_suite(rows)
    with pytest.raises(RuntimeError, match="engine died"):
        run_suite(load_suite(str(path)), [_FailsAfter(3)], out, batch_size=10)
    manifest = open_run(out).manifest
    assert manifest["labels_made_from"] is None and manifest["status"] == "running"
    with open_run(out).store() as store:
        keys = {(lab.item_id, lab.order): lab.key for lab in store.labels()}
    assert len(keys) == 80  # 30 new labels replaced old ones; the rest are still the old ones
    renders = _Counting(monkeypatch)
    done = run_suite(load_suite(str(path)), [FakeBackend()], out, batch_size=10)
    # the crashed run had checked these inputs: no check pass, only the run's renders
    assert (done.judged, done.skipped, renders.calls) == (50, 30, 40)
    assert open_run(out).manifest["labels_made_from"] == manifest["checked"]


def test_pipeline_keeps_order_overlaps_and_stops_on_errors() -> None:
    seen: list[int] = []
    active: set[str] = set()
    overlap = threading.Event()

    def prepare() -> Iterator[int]:
        for i in range(20):
            active.add("prepare")
            if "judge" in active:
                overlap.set()
            yield i
            active.discard("prepare")

    def judge(i: int) -> int:
        active.add("judge")
        time.sleep(0.005)
        active.discard("judge")
        return i * 10

    Pipeline(prepare(), judge, seen.extend, depth=2).run()
    assert seen == [i * 10 for i in range(20)] and overlap.is_set()

    def bad_record(values: list[int]) -> None:
        if 30 in values:
            raise ValueError("disk full")

    with pytest.raises(ValueError, match="disk full"):
        Pipeline(iter(range(10_000)), judge, bad_record, depth=2).run()

    def bad_prepare() -> Iterator[int]:
        yield 1
        raise KeyError("bad item")

    with pytest.raises(KeyError, match="bad item"):
        Pipeline(bad_prepare(), judge, seen.extend).run()


def test_pipeline_gathers_what_piled_up_while_recording_was_slow() -> None:
    calls: list[list[int]] = []

    def slow_record(values: list[int]) -> None:
        calls.append(values)
        time.sleep(0.02)  # a slow fsync: judged batches pile up meanwhile

    Pipeline(iter(range(40)), lambda i: i, slow_record, gather=8).run()
    assert [v for call in calls for v in call] == list(range(40))  # all, in order
    assert max(len(c) for c in calls) > 1 and all(len(c) <= 8 for c in calls)
    one: list[list[int]] = []
    Pipeline(iter(range(10)), lambda i: i, one.append).run()  # gather=1: one at a time
    assert one == [[i] for i in range(10)]


def test_a_watch_that_may_stop_sees_every_batch_on_its_own(
        make_suite: MakeSuite, pairwise: Rows, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    import judgekit.run._store as store_module

    commits: list[int] = []  # one entry per transaction opened
    written: set[int] = set()  # the transactions that stored labels
    real = store_module.Store.add

    def slow_add(self: Any, completions: Any, labels: Any) -> None:
        real(self, completions, labels)
        written.add(len(commits))
        time.sleep(0.01)  # a slow disk: judged batches pile up

    class Watcher:
        def __init__(self, may_stop: bool) -> None:
            self.may_stop, self.sizes = may_stop, list[int]()

        def start(self, store: Any, judges: Sequence[str]) -> None:
            pass

        def observe(self, judge: str, labels: Sequence[Any]) -> None:
            self.sizes.append(len(labels))

    monkeypatch.setattr(store_module.Store, "add", slow_add)
    real_batch = store_module.Store.batch
    monkeypatch.setattr(store_module.Store, "batch",
                        lambda self: (commits.append(1), real_batch(self))[1])
    path = make_suite(pairwise(100))
    for may_stop in (True, False):
        written.clear()
        watch = Watcher(may_stop)
        run_suite(load_suite(str(path)), [FakeBackend()], tmp_path / str(may_stop),
                  batch_size=4, watch=watch)
        assert watch.sizes == [4] * 50  # every batch observed, each on its own
        if may_stop:
            assert len(written) == 50  # one transaction per batch
        else:
            assert len(written) < 50  # batches that piled up shared a transaction


def test_a_finished_run_is_not_asked_about_item_by_item(make_suite: MakeSuite, pairwise: Rows,
                                                        tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    path, out = make_suite(pairwise(12)), tmp_path / "run"
    run_suite(load_suite(str(path)), [FakeBackend(0), FakeBackend(1)], out)

    def no(*args: Any) -> None:
        raise AssertionError("a finished run needs no look-up")

    with monkeypatch.context() as patch:
        patch.setattr("judgekit.run._store.Store.done", no)
        seen: list[tuple[int, int]] = []
        again = run_suite(load_suite(str(path)), [FakeBackend(1)], out,
                          progress=lambda d, t: seen.append((d, t)))
        assert (again.skipped, again.judged, seen) == (24, 0, [(24, 24)])
    more = run_suite(load_suite(str(path)), [FakeBackend(2)], out)  # a new judge: asked
    assert (more.skipped, more.judged) == (0, 24)


def test_identical_prompts_are_judged_once(make_suite: MakeSuite, pairwise: Rows,
                                           tmp_path: Path) -> None:
    rows = pairwise(3)
    rows[1]["response_b"] = rows[1]["response_a"]  # both orders render the same prompt
    fake = FakeBackend()
    summary = run_suite(load_suite(str(make_suite(rows))), [fake], tmp_path / "run")
    assert (summary.requests, summary.judged, summary.cached) == (6, 5, 1)
    assert fake.requests_seen == 5
    with open_run(tmp_path / "run").store() as store:
        twins = [lab for lab in store.labels() if lab.item_id == rows[1]["id"]]
    assert len(twins) == 2 and twins[0].key == twins[1].key
    assert twins[0].raw == twins[1].raw and twins[0].label_presented == twins[1].label_presented


@pytest.mark.slow
def test_memory_does_not_grow_with_the_suite(tmp_path: Path, pairwise: Rows) -> None:
    import json
    import tracemalloc

    peaks = []
    for n in (4_500, 22_500):  # both more than one chunk of items
        folder = tmp_path / f"n{n}"
        folder.mkdir()
        (folder / "items.jsonl").write_text(
            "".join(json.dumps(r) + "\n" for r in pairwise(n)), encoding="utf-8")
        (folder / "s.yaml").write_text("rubric: core/preference\nconstitution: core/hhh\n"
                                       "prompt: core/pairwise\nitems: items.jsonl\n",
                                       encoding="utf-8")
        suite = load_suite(str(folder / "s.yaml"))
        tracemalloc.start()
        run_suite(suite, [FakeBackend()], folder / "run")
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
    assert peaks[1] < 1.3 * peaks[0] + 2**20, f"peak traced memory grew: {peaks}"
