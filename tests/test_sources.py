"""Bring your own data: items streamed from JSONL, CSV, Parquet, Arrow, dataset folders and
saved Hugging Face datasets; id mapping, content-hash ids, preference pairs, clear errors."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from judgekit import ContentError, DataUnavailable, load_suite, open_run, run_suite
from judgekit.backends import FakeBackend
from judgekit.content._items import RULE, ItemSource, chosen_side, content_id
from judgekit.content._sources import locate

Rows = Callable[..., list[dict[str, Any]]]
MakeSuite = Callable[..., Path]


def _table(rows: list[dict[str, Any]]) -> pa.Table:
    return pa.Table.from_pylist(rows)


def _write(folder: Path, kind: str, rows: list[dict[str, Any]]) -> str:
    """Write ``rows`` in format ``kind`` under ``folder``; the ``items:`` text naming them."""
    if kind == "jsonl":
        (folder / "items.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
        return "items.jsonl"
    if kind == "csv":
        cols = list(rows[0])
        lines = [",".join(cols)] + [",".join(json.dumps(str(r[c])) for c in cols) for r in rows]
        (folder / "items.csv").write_text("\n".join(lines) + "\n")
        return "items.csv"
    if kind == "parquet":
        pq.write_table(_table(rows), folder / "items.parquet", row_group_size=7)
        return "items.parquet"
    if kind == "arrow":
        with pa.ipc.new_file(str(folder / "items.arrow"), _table(rows).schema) as writer:
            writer.write_table(_table(rows), max_chunksize=5)
        return "items.arrow"
    if kind == "folder":
        (folder / "parts").mkdir()
        for k, start in enumerate(range(0, len(rows), 10)):
            pq.write_table(_table(rows[start:start + 10]), folder / "parts" / f"p{k}.parquet")
        return "parts"
    datasets = pytest.importorskip("datasets")
    data = datasets.DatasetDict({"test": datasets.Dataset.from_list(rows),
                                 "train": datasets.Dataset.from_list(rows[:3])})
    data.save_to_disk(str(folder / "saved"))
    return "saved?split=test"


@pytest.mark.parametrize("kind", ["jsonl", "csv", "parquet", "arrow", "folder", "saved"])
def test_every_format_streams_the_same_items(make_suite: MakeSuite, pairwise: Rows,
                                             kind: str) -> None:
    rows = [{k: v for k, v in r.items() if k != "human_label"} for r in pairwise(23)]
    path = make_suite(rows, gold=None)
    path = path.with_name("s.yaml")
    items = _write(path.parent, kind, rows)
    path.write_text(f"rubric: core/preference\nconstitution: core/hhh\nprompt: core/pairwise\n"
                    f"items: {items}\n", encoding="utf-8")
    suite = load_suite(str(path))
    assert isinstance(suite.items, ItemSource) and len(suite.items) == 23
    got = [(it.id, it.fields["prompt"], it.fields["response_b"]) for it in suite.items]
    assert got == [(r["id"], r["prompt"], r["response_b"]) for r in rows]
    assert [len(c) for c in suite.items.chunks(10)] == [10, 10, 3]
    assert suite.items[1].id == rows[1]["id"] and [i.id for i in suite.items[:2]] == [
        r["id"] for r in rows[:2]]
    summary = run_suite(suite, [FakeBackend()], path.parent / "run")
    assert (summary.items, summary.judged) == (23, 46)
    manifest = open_run(path.parent / "run").manifest
    assert manifest["items_source"]["items"] == items and manifest["items"] == 23


def test_the_id_column_can_be_mapped(make_suite: MakeSuite, pairwise: Rows) -> None:
    rows = [{"qid": f"q{i}", **{k: v for k, v in r.items() if k != "id"}}
            for i, r in enumerate(pairwise(4))]
    suite = load_suite(str(make_suite(rows, fields={"id": "qid"})))
    assert [it.id for it in suite.items] == ["q0", "q1", "q2", "q3"]
    assert set(suite.gold) == {"q0", "q1", "q2", "q3"}
    rows[2].pop("qid")
    with pytest.raises(ContentError, match="item has no 'qid'") as info:
        load_suite(str(make_suite(rows, fields={"id": "qid"})))
    assert info.value.where == "line 3"


def test_data_without_ids_gets_content_hash_ids(make_suite: MakeSuite, pairwise: Rows,
                                                tmp_path: Path) -> None:
    rows = [{k: v for k, v in r.items() if k != "id"} for r in pairwise(5)]
    path = make_suite(rows)
    first = [it.id for it in load_suite(str(path)).items]
    assert first == [content_id(r) for r in rows] and len(set(first)) == 5
    assert all(len(i) == 16 for i in first)
    run_suite(load_suite(str(path)), [FakeBackend()], tmp_path / "run")
    again = run_suite(load_suite(str(path)), [FakeBackend()], tmp_path / "run")
    assert (again.skipped, again.judged) == (10, 0)  # same rows, same ids: resumable
    with pytest.raises(ContentError, match="duplicate item id") as info:
        load_suite(str(make_suite([*rows, rows[1]])))
    assert info.value.where == "line 6" and "identical rows" in (info.value.fix or "")
    with pytest.raises(ContentError, match="first row has none"):
        load_suite(str(make_suite([*rows, {**rows[0], "id": "x"}])))


def test_preference_pairs_map_to_a_and_b_by_a_seeded_rule(make_suite: MakeSuite,
                                                          tmp_path: Path) -> None:
    rows = [{"id": f"p{i}", "question": f"q{i}", "good": f"good {i}", "bad": f"bad {i}"}
            for i in range(40)]
    path = make_suite(rows, fields={"prompt": "question", "chosen": "good", "rejected": "bad"},
                      gold="chosen_label")
    suite = load_suite(str(path))
    sides = {it.id: it.fields["chosen_label"] for it in suite.items}
    assert sides == {f"p{i}": chosen_side(f"p{i}", 0) for i in range(40)}
    assert 10 < sum(s == "A" for s in sides.values()) < 30  # both sides used
    for it in suite.items:
        shown = it.fields["response_a" if sides[it.id] == "A" else "response_b"]
        assert shown == it.fields["good"]
    assert dict(suite.gold) == sides  # the data's own preference is the gold
    text = path.read_text(encoding="utf-8").replace("items: items.jsonl",
                                                    "items: items.jsonl?seed=7")
    path.write_text(text, encoding="utf-8")
    seeded = load_suite(str(path))
    assert {it.id: it.fields["chosen_label"] for it in seeded.items} == {
        f"p{i}": chosen_side(f"p{i}", 7) for i in range(40)} != sides
    run_suite(seeded, [FakeBackend()], tmp_path / "run")
    recorded = open_run(tmp_path / "run").manifest["items_source"]["preference"]
    assert recorded == {"chosen": "good", "rejected": "bad", "seed": 7, "rule": RULE}


def test_preference_and_response_columns_together_are_refused(make_suite: MakeSuite,
                                                              pairwise: Rows) -> None:
    path = make_suite(pairwise(2), fields={"chosen": "response_a", "rejected": "response_b"})
    with pytest.raises(ContentError, match="not both"):
        load_suite(str(path))


def test_split_and_option_errors_name_the_fix(make_suite: MakeSuite, pairwise: Rows) -> None:
    datasets = pytest.importorskip("datasets")
    path = make_suite(pairwise(3))
    datasets.DatasetDict({"a": datasets.Dataset.from_list(pairwise(3)),
                          "b": datasets.Dataset.from_list(pairwise(2))}).save_to_disk(
        str(path.parent / "two"))
    for items, problem, fix in [("two", "choose a split", "?split=a"),
                                ("two?split=c", "not 'c'", "?split=a"),
                                ("items.jsonl?sed=1", "unknown items option", "split"),
                                ("items.jsonl?seed=x", "not an integer", "?seed=7")]:
        text = path.read_text(encoding="utf-8").split("items:")[0]
        path.write_text(text + f"items: {items}\ngold: human_label\n", encoding="utf-8")
        with pytest.raises(ContentError, match=problem) as info:
            load_suite(str(path))
        assert fix in (info.value.fix or ""), info.value


def test_a_hub_dataset_that_cannot_be_reached_is_data_unavailable(
        monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("datasets")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    source = ItemSource(locate("hf:judgekit-test/no-such-set?split=test&revision=main", None))
    with pytest.raises(DataUnavailable, match="cannot open 'judgekit-test/no-such-set'") as info:
        list(source)
    assert "save_to_disk" in (info.value.fix or "")
    assert source.describe()["revision"] == "main"


def test_csv_keeps_text_values(tmp_path: Path) -> None:
    (tmp_path / "items.csv").write_text("id,prompt\n007,\"a, b\"\n", encoding="utf-8")
    items = list(ItemSource(locate("items.csv", tmp_path / "items.csv")))
    assert [(i.id, i.line, dict(i.fields)) for i in items] == [
        ("007", 2, {"id": "007", "prompt": "a, b"})]
