"""Preference export (dpo / reward) from real run directories made by ``run_suite``.

A scripted judge (a Backend that answers each (item, order) with fixed probabilities) makes
the expected records exact; the run, store, aggregation and export are the real ones.
"""

from __future__ import annotations

import io
import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from judgekit import Completion, Request, RunError, export, load_suite, run_suite
from judgekit.run import ExportOptions, ExportStats, p_a_better, records


def preference_records(run_dir: Path, format: Any = "dpo",
                       **options: Any) -> tuple[list[dict[str, Any]], ExportStats]:
    stats = ExportStats(format)
    out = list(records(run_dir, format, ExportOptions(**options), stats))
    stats.written = len(out)
    return out, stats

# presented-orientation probabilities per (item, order); BA swaps the responses
SCRIPT: dict[tuple[str, str], dict[str, float] | None] = {
    ("a1", "AB"): {"A": 0.9, "B": 0.1}, ("a1", "BA"): {"B": 0.9, "A": 0.1},      # A, consistent
    ("b1", "AB"): {"A": 0.45, "B": 0.55}, ("b1", "BA"): {"A": 0.55, "B": 0.45},  # B, weak
    ("inc", "AB"): {"A": 0.8, "B": 0.2}, ("inc", "BA"): {"A": 0.7, "B": 0.3},    # position bias
    ("tie", "AB"): {"tie": 0.8, "A": 0.1, "B": 0.1}, ("tie", "BA"): {"tie": 0.8, "A": 0.2},
    ("same", "AB"): {"A": 0.9, "B": 0.1}, ("same", "BA"): {"B": 0.9, "A": 0.1},
    ("err", "AB"): None, ("err", "BA"): None,                                    # transport
}

ROWS = [
    {"id": "a1", "prompt": "2+2?", "response_a": "4", "response_b": "5", "human_label": "A"},
    {"id": "b1", "prompt": "Capital of Peru?", "response_a": "Quito", "response_b": "Lima",
     "human_label": "B"},
    {"id": "inc", "prompt": "Say hi.", "response_a": "Hi!", "response_b": "Hello.",
     "human_label": "tie"},
    {"id": "tie", "prompt": "Name a colour.", "response_a": "Red.", "response_b": "Blue.",
     "human_label": "tie"},
    {"id": "same", "prompt": "Echo x.", "response_a": "x", "response_b": " x ",
     "human_label": "tie"},
    {"id": "err", "prompt": "Hm?", "response_a": "a", "response_b": "b", "human_label": "A"},
]


class Scripted:
    """A judge whose answers are :data:`SCRIPT` (scaled by ``sharpen`` for a second judge)."""

    def __init__(self, name: str = "scripted", sharpen: float = 1.0) -> None:
        self.name = name
        self.sharpen = sharpen

    @property
    def model(self) -> str:
        return self.name

    def describe(self) -> dict[str, Any]:
        return {"kind": "scripted"}

    def complete(self, requests: Sequence[Request]) -> list[Completion]:
        out = []
        for r in requests:
            probs = SCRIPT[(r.item_id, r.order)]
            if probs is None:
                out.append(Completion("", error="injected: connection refused"))
                continue
            top = {k: self.sharpen * math.log(v) for k, v in probs.items()}
            best = max(top, key=lambda k: top[k])
            out.append(Completion(best, (best,), (top,)))
        return out

    def close(self) -> None:
        pass


@pytest.fixture
def run_dir(make_suite: Any, tmp_path: Path) -> Path:
    suite = load_suite(str(make_suite(ROWS)))
    run_suite(suite, [Scripted()], tmp_path / "run")
    return tmp_path / "run"


def test_dpo_records_drop_ties_errors_and_identical_pairs(run_dir: Path) -> None:
    records, stats = preference_records(run_dir)
    by_id = {r["id"]: r for r in records}
    assert sorted(by_id) == ["a1", "b1", "inc"]
    assert dict(stats.dropped) == {"tie": 1, "identical_responses": 1, "error": 1}
    assert stats.written == 3
    assert (by_id["a1"]["chosen"], by_id["a1"]["rejected"]) == ("4", "5")
    assert (by_id["b1"]["chosen"], by_id["b1"]["rejected"]) == ("Lima", "Quito")
    assert by_id["a1"]["prompt"] == "2+2?" and by_id["a1"]["gold"] == "A"
    assert by_id["a1"]["confidence"] == pytest.approx(0.9)
    assert by_id["b1"]["confidence"] == pytest.approx(0.55)
    assert by_id["inc"]["consistent"] is False and by_id["a1"]["consistent"] is True
    for r in records:
        assert r["chosen"] != r["rejected"]


@pytest.mark.parametrize(("options", "kept", "dropped"), [
    ({"min_confidence": 0.6}, ["a1"], {"low_confidence": 2}),
    ({"consistent_only": True}, ["a1", "b1"], {"inconsistent": 1, "tie": 1}),
    ({"tie_margin": 0.15}, ["a1"], {"tie": 3}),
])
def test_dpo_filters(run_dir: Path, options: dict[str, Any], kept: list[str],
                     dropped: dict[str, int]) -> None:
    records, stats = preference_records(run_dir, **options)
    assert [r["id"] for r in records] == kept
    for reason, n in dropped.items():
        assert stats.dropped[reason] == n


def test_reward_is_trl_format_with_the_probability_gap_as_margin(run_dir: Path) -> None:
    records, stats = preference_records(run_dir, format="reward")
    by_id = {r["id"]: r for r in records}
    assert sorted(by_id) == ["a1", "b1", "inc"]  # ties dropped, as for dpo
    assert dict(stats.dropped) == {"tie": 1, "identical_responses": 1, "error": 1}
    assert list(by_id["a1"])[:4] == ["prompt", "chosen", "rejected", "margin"]
    assert (by_id["a1"]["chosen"], by_id["a1"]["rejected"]) == ("4", "5")
    assert (by_id["b1"]["chosen"], by_id["b1"]["rejected"]) == ("Lima", "Quito")
    assert by_id["a1"]["margin"] == pytest.approx(0.9 - 0.1)
    assert by_id["b1"]["margin"] == pytest.approx(0.55 - 0.45)
    # inc: AB says A .8, BA (swapped) says A .3 -> mean A .55, B .45
    assert by_id["inc"]["margin"] == pytest.approx(0.1) and by_id["inc"]["chosen"] == "Hi!"
    assert by_id["a1"]["p_chosen_better"] == pytest.approx(0.9)
    assert by_id["b1"]["p_chosen_better"] == pytest.approx(0.55)
    dpo, _ = preference_records(run_dir)
    for d, r in zip(dpo, records, strict=True):
        assert {k: v for k, v in r.items() if k not in ("margin", "p_chosen_better")} == d
    strict, _ = preference_records(run_dir, format="reward", min_confidence=0.8)
    assert [r["id"] for r in strict] == ["a1"]


def test_chat_form_wraps_prompt_and_responses_in_messages(run_dir: Path) -> None:
    for fmt in ("dpo", "reward"):
        records, _ = preference_records(run_dir, format=fmt, chat=True)
        a1 = {r["id"]: r for r in records}["a1"]
        assert a1["prompt"] == [{"role": "user", "content": "2+2?"}]
        assert a1["chosen"] == [{"role": "assistant", "content": "4"}]
        assert a1["rejected"] == [{"role": "assistant", "content": "5"}]


def test_judges_without_probabilities_give_margin_zero(make_suite: Any, tmp_path: Path) -> None:
    class Hard(Scripted):
        def complete(self, requests: Sequence[Request]) -> list[Completion]:
            return [Completion(c.text, error=c.error) for c in super().complete(requests)]

    run_suite(load_suite(str(make_suite(ROWS))), [Hard()], tmp_path / "run")
    records, _ = preference_records(tmp_path / "run", format="reward")
    assert records and all(r["margin"] == 0.0 for r in records)
    assert all(r["p_chosen_better"] is None and r["probs"] is None for r in records)


def test_p_a_better_counts_a_tie_as_half() -> None:
    assert p_a_better({"A": 0.2, "B": 0.2, "tie": 0.6}) == pytest.approx(0.5)
    assert p_a_better({"A": 1.0}) == 1.0
    assert p_a_better({}) == 0.5


def test_panel_by_default_and_one_judge_on_request(make_suite: Any, tmp_path: Path) -> None:
    suite = load_suite(str(make_suite(ROWS)))
    run_suite(suite, [Scripted("j1"), Scripted("j2", sharpen=3.0)], tmp_path / "run")
    records, _ = preference_records(tmp_path / "run")
    assert {r["judge"] for r in records} == {"panel:j1+j2"}
    only, _ = preference_records(tmp_path / "run", judge="j2")
    assert {r["judge"] for r in only} == {"j2"}
    assert {r["id"]: r["confidence"] for r in only}["a1"] > 0.99
    with pytest.raises(RunError, match="no labels of judge"):
        preference_records(tmp_path / "run", judge="j3")


def test_changed_items_export_the_judged_texts_from_the_snapshot(make_suite: Any,
                                                                 tmp_path: Path) -> None:
    path = make_suite(ROWS)
    run_suite(load_suite(str(path)), [Scripted()], tmp_path / "run")
    items = path.parent / "items.jsonl"
    items.write_text(items.read_text().replace('"Lima"', '"Cusco"'), encoding="utf-8")
    by_id = {r["id"]: r for r in preference_records(tmp_path / "run")[0]}
    assert by_id["b1"]["chosen"] == "Lima"  # what the judge saw, not the edited file
    assert by_id["a1"]["gold"] == "A"


def test_changed_items_without_a_snapshot_are_refused(make_suite: Any, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JUDGEKIT_ITEMS_SNAPSHOT", "0")
    path = make_suite(ROWS)
    run_suite(load_suite(str(path)), [Scripted()], tmp_path / "run")
    assert not (tmp_path / "run" / "items").exists()
    items = path.parent / "items.jsonl"
    items.write_text(items.read_text().replace('"Lima"', '"Cusco"'), encoding="utf-8")
    with pytest.raises(RunError, match=r"(?s)changed since the run.*no items snapshot"):
        preference_records(tmp_path / "run")


def test_items_moved_to_another_file_are_checked_by_content(make_suite: Any, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch
                                                           ) -> None:
    monkeypatch.setenv("JUDGEKIT_ITEMS_SNAPSHOT", "0")  # the check itself, no fallback
    path = make_suite(ROWS)
    run_suite(load_suite(str(path)), [Scripted()], tmp_path / "run")
    items = path.parent / "items.jsonl"
    # the same texts elsewhere export fine; other texts elsewhere are refused, even though the
    # file the run recorded is still there unchanged
    (path.parent / "same.jsonl").write_bytes(items.read_bytes())
    path.write_text(path.read_text().replace("items.jsonl", "same.jsonl"), encoding="utf-8")
    assert preference_records(tmp_path / "run")[0]
    (path.parent / "other.jsonl").write_text(
        items.read_text().replace('"Lima"', '"Cusco"'), encoding="utf-8")
    path.write_text(path.read_text().replace("same.jsonl", "other.jsonl"), encoding="utf-8")
    with pytest.raises(RunError, match="changed since the run"):
        preference_records(tmp_path / "run")


def test_pointwise_runs_are_refused(tmp_path: Path) -> None:
    from judgekit.backends import FakeBackend

    run_suite(load_suite("core/sample-pointwise"), [FakeBackend()], tmp_path / "run")
    with pytest.raises(RunError, match="needs a pairwise suite"):
        export(tmp_path / "run", io.StringIO(), "dpo")


def test_cli_export_dpo(jk: Any, make_suite: Any, tmp_path: Path) -> None:
    suite = make_suite(ROWS)
    proc = jk("run", str(suite), "--judge", "fake:3", "--out", str(tmp_path / "run"))
    assert proc.returncode == 0, proc.stderr
    out = tmp_path / "dpo.jsonl"
    proc = jk("export", str(tmp_path / "run"), "--format", "dpo", "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    assert "dpo records" in proc.stderr and "left out" in proc.stderr
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert rows and all({"prompt", "chosen", "rejected"} <= set(r) for r in rows)
    assert all(r["chosen"] != r["rejected"] for r in rows)
    proc = jk("export", str(tmp_path / "run"), "--format", "nope")
    assert proc.returncode == 1 and "dpo" in proc.stderr


@pytest.mark.parametrize("from_snapshot", [False, True])
def test_chunked_walk_gives_the_same_records_in_the_items_order(
        make_suite: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        from_snapshot: bool) -> None:
    """Items a chunk at a time (1, 2 or all per chunk), from the files or the snapshot, two
    judges as a panel: the same records every time, in the items' order, gold included."""
    from judgekit.run import _snapshot

    rows = [ROWS[i] for i in (5, 2, 0, 4, 3, 1)]  # not sorted by id
    path = make_suite(rows)
    run_suite(load_suite(str(path)), [Scripted("j1"), Scripted("j2", sharpen=2.0)],
              tmp_path / "run")
    if from_snapshot:
        items = path.parent / "items.jsonl"
        items.write_text(items.read_text().replace('"Quito"', '"Bogota"'), encoding="utf-8")
    got = {}
    for size in (1, 2, 16_384):
        monkeypatch.setattr(_snapshot, "ROWS", size)
        for fmt in ("dpo", "reward"):
            recs, stats = preference_records(tmp_path / "run", fmt)
            got[size, fmt] = recs, dict(stats.dropped)
    for fmt in ("dpo", "reward"):
        assert got[1, fmt] == got[2, fmt] == got[16_384, fmt]
    recs, dropped = got[1, "dpo"]
    assert [r["id"] for r in recs] == ["inc", "a1", "b1"]  # the items' order
    assert {r["id"]: r["gold"] for r in recs} == {"inc": "tie", "a1": "A", "b1": "B"}
    assert {r["judge"] for r in recs} == {"panel:j1+j2"}
    assert dropped == {"error": 1, "identical_responses": 1, "tie": 1}
    assert {r["id"]: r["rejected"] for r in recs}["b1"] == "Quito"  # what the judges saw


def test_item_export_streams_the_verdicts_of_each_judge_in_chunks(
        make_suite: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``items`` is read from the store judge by judge, a chunk of items at a time: the records
    equal :meth:`Run.verdicts`' (every judge, sorted by judge then item) for any chunk size."""
    from judgekit import open_run
    from judgekit.run import _export

    run_suite(load_suite(str(make_suite(ROWS))), [Scripted("j2"), Scripted("j1", 2.0)],
              tmp_path / "run")
    expected = [(v.judge, v.item_id, v.label, v.probs, v.consistent, v.orders)
                for v in open_run(tmp_path / "run").verdicts()]
    assert len(expected) == 2 * len(ROWS)
    for size in (1, 4, 8192):
        monkeypatch.setattr(_export, "CHUNK", size)
        recs = list(records(tmp_path / "run", "items"))
        assert [(r["judge"], r["id"], r["verdict"], r["probs"], r["consistent"], r["orders"])
                for r in recs] == expected
