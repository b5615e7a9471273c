"""A run directory is audited chunk by chunk (its labels looked up per chunk of gold items),
with the same report.json as the audit of all its labels read at once (``audit_rows``): slices,
annotators, both orders, self-preference, disagreements, a step review, a gold file with a
missing and an extra item, panels, and the same errors; chunks of 1, 7 and all the items."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from judgekit import ContentError, load_suite, run_suite
from judgekit.auditing import AuditOptions
from judgekit.auditing._audit import audit_rows
from judgekit.auditing._labels import read_labels
from judgekit.auditing._stream import audit_run, streamed_run
from judgekit.backends import FakeBackend

from .conftest import fake_run, pairwise_items


def _plain(data: dict[str, Any]) -> dict[str, Any]:
    data = json.loads(json.dumps(data))
    data.pop("created", None), data.pop("seconds", None)  # the clock
    return data


def both(run: Path, gold: Path | None, chunks: tuple[int, ...] = (1, 7, 0),
         **options: Any) -> dict[str, Any]:
    """The in-memory report; asserts that the streamed one (in these chunks) is the same."""
    opts = AuditOptions(replicates=40, **options)
    whole = _plain(audit_rows(read_labels(run), gold, None, opts).data)
    found = streamed_run(run)
    assert found is not None
    for size in chunks:
        got = _plain(audit_run(*found, gold, None, opts, chunk=size or 10**6).data)
        assert got == whole, size
    return whole


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A two-judge fake run of 60 items, and a gold file without 3 of them plus 2 others."""
    tmp = tmp_path_factory.mktemp("stream")
    items = pairwise_items(60, 7, (0, 1, 2, 3, 3), tags=True)
    fake_run(tmp, items, "[category, tags]", [FakeBackend(0, garbage_every=9), FakeBackend(1)])
    gold = [{"id": r["id"], "human_label": r["human_label"],
             "annotator_labels": r.get("annotator_labels", [])} for r in items[3:]]
    gold += [{"id": "not-run-1", "human_label": "A"}, {"id": "not-run-2", "human_label": "B"}]
    (tmp / "gold.jsonl").write_text("".join(json.dumps(r) + "\n" for r in gold))
    return tmp / "run", tmp / "gold.jsonl"


def test_streamed_run_audit_against_a_gold_file(made: tuple[Path, Path]) -> None:
    run, gold = made
    rep = both(run, gold, judge="fake:0", judge_family="fake", max_disagreements=5)
    cov = rep["coverage"]
    assert (cov["gold_without_label"], cov["labels_without_gold"]) == (2, 3)
    assert rep["agreement_by_order"] and rep["disagreements"]["shown"] == 5
    assert rep["ceiling"]["available"] and rep["bias"]["length"]["available"]
    assert {s["column"] for s in rep["slices"]} == {"category"}  # the suite's first keys
    assert rep["disagreements"]["items"][0]["prompt"].startswith("Question")


def test_streamed_run_audit_against_its_suite_gold(made: tuple[Path, Path]) -> None:
    run, _ = made
    rep = both(run, None, judge="fake:1", model_columns=("model_a", "model_b"),
               judge_family="fake-x", slices=["category", "tags", "nowhere"])
    assert rep["bias"]["self_preference"]["available"]
    assert {s["column"] for s in rep["slices"]} == {"category", "tags"}  # tags: item 4 on
    both(run, None, (3, 0), judge="panel", slices=["category"])


def test_streamed_errors_are_the_in_memory_ones(made: tuple[Path, Path],
                                                tmp_path: Path) -> None:
    run, gold = made
    found = streamed_run(run)
    assert found is not None
    for judge, message in ((None, "labels of 2 judges"), ("nobody", "nobody")):
        with pytest.raises(ContentError, match=message):
            audit_run(*found, gold, None, AuditOptions(judge=judge))
    dup = tmp_path / "dup.jsonl"
    dup.write_text('{"id": "it0005", "human_label": "A"}\n' * 2)
    none = tmp_path / "none.jsonl"
    none.write_text('{"id": "elsewhere", "human_label": "A"}\n')
    for bad in (dup, none):
        with pytest.raises(ContentError) as streamed:
            audit_run(*found, bad, None, AuditOptions(judge="fake:0"))
        with pytest.raises(ContentError) as whole:
            audit_rows(read_labels(run), bad, None, AuditOptions(judge="fake:0"))
        assert str(streamed.value) == str(whole.value)


def test_streamed_step_review(tmp_path: Path) -> None:
    run_suite(load_suite("math/sample-steps"), FakeBackend(), tmp_path / "run")
    rep = both(tmp_path / "run", None, (1, 5, 0))
    assert rep["steps"]["solutions"] == 10


def test_audit_of_a_run_streams(made: tuple[Path, Path],
                                monkeypatch: pytest.MonkeyPatch) -> None:
    """``audit(RUN)`` takes the streamed path: the run's labels are never read whole."""
    run, gold = made

    def whole(*_: Any) -> None:
        raise AssertionError("read whole")

    monkeypatch.setattr("judgekit.auditing._labels._from_run", whole)
    from judgekit.auditing import audit

    assert audit(run, gold, options=AuditOptions(judge="fake:1", replicates=0)).data



def test_label_columns_for_is_label_columns_of_those_items(made: tuple[Path, Path]) -> None:
    from judgekit.run import open_run
    from judgekit.run._lookup import label_columns_for, labeled_items, shown_judges

    run, _ = made
    ids = [f"it{i:04d}" for i in (5, 0, 59, 31)] + ["not-there"]
    with open_run(run).store() as store:
        every = [b.to_pylist() for b in store.label_columns(hidden=False)]
        want = [r for rows in every for r in rows if r["item_id"] in ids]
        got = [r for b in label_columns_for(store, ids) for r in b.to_pylist()]
        assert sorted(got, key=lambda r: r["item_id"]) == want and len(want) == 4 * 2 * 2
        one = [r for b in label_columns_for(store, ids, "fake:1") for r in b.to_pylist()]
        assert {r["judge"] for r in one} == {"fake:1"} and len(one) == 4 * 2
        assert list(label_columns_for(store, ids, "nobody")) == []
        assert shown_judges(store) == ["fake:0", "fake:1"] == shown_judges(store, "BA")
        assert shown_judges(store, "single") == []
        assert labeled_items(store) == 60 == labeled_items(store, "fake:0")
