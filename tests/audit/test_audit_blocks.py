"""A gold file read a block at a time (:mod:`judgekit.auditing._blocks`, the streamed audit's
:class:`~judgekit.auditing._stream_gold.FileChunks`) gives what the gold reader gives for the
whole file: the same gold rows, values and line numbers, and the same first error (a row
without id, a duplicate id in another block, bad annotators, an invalid line, bad UTF-8),
over hundreds of random files in JSON Lines, CSV and Parquet cut into blocks of a few rows.
"""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from judgekit import ContentError
from judgekit.auditing import AuditOptions
from judgekit.auditing import _blocks as blocks
from judgekit.auditing._audit_gold import SuiteOnce
from judgekit.auditing._gold import _gold_file
from judgekit.auditing._options import GoldColumns
from judgekit.auditing._read import read_table
from judgekit.auditing._stream_gold import FileChunks


@pytest.fixture
def tiny(monkeypatch: pytest.MonkeyPatch) -> None:
    """Blocks of a few rows (a few dozen bytes of JSON Lines)."""
    monkeypatch.setattr(blocks, "BLOCK", 61)
    monkeypatch.setattr(blocks, "ROWS", 3)


def _rows(rng: random.Random, n: int, faults: bool) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for i in range(n):
        row: dict[str, Any] = {"id": f"q{i}", "human_label": rng.choice(["A", "B", "tie"])}
        if rng.random() < 0.3:
            row["annotator_labels"] = rng.sample(["A", "B", "tie", "B"], rng.randint(0, 3))
        if rng.random() < 0.2:
            row["domain"] = rng.choice(["x", "y"])
        if faults and rng.random() < 0.06:
            fault = rng.choice(["no id", "dup", "unlabeled", "unlabeled dup", "bad ann",
                                "int id", "null label"])
            if fault == "no id":
                del row["id"]
            elif fault in ("dup", "unlabeled dup") and out:
                row["id"] = rng.choice(out).get("id", "q0")
            if fault in ("unlabeled", "unlabeled dup"):
                del row["human_label"]
            elif fault == "bad ann":
                row["annotator_labels"] = 5
            elif fault == "int id":
                row["id"] = 1000 + i
            elif fault == "null label":
                row["human_label"] = None
        out.append(row)
    return out


def _write(path: Path, rows: list[dict[str, Any]], rng: random.Random, faults: bool) -> None:
    keys = ["id", "human_label", "annotator_labels", "domain"]
    if path.suffix == ".parquet":
        pq.write_table(pa.Table.from_pylist(
            [{k: (json.dumps(r[k]) if k == "annotator_labels" and k in r else
                  None if r.get(k) is None else str(r[k])) for k in keys} for r in rows]),
            path, row_group_size=4)
        return
    if path.suffix == ".csv":
        with open(path, "w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(keys)
            for r in rows:
                cells = [json.dumps(r[k]) if k == "annotator_labels" and k in r else
                         "" if r.get(k) is None else str(r[k]) for k in keys]
                w.writerow(cells[:2] if faults and rng.random() < 0.02 else cells)
        return
    lines = [json.dumps(r) for r in rows]
    if faults and rng.random() < 0.3:
        lines.insert(rng.randrange(len(lines) + 1), rng.choice(["{not json", "[1, 2]", ""]))
    data = "\n".join(lines).encode() + rng.choice([b"\n", b""])
    if faults and data and rng.random() < 0.1:
        at = rng.randrange(len(data))
        data = data[:at] + b"\xff" + data[at:]
    path.write_bytes(data)


def _whole(path: Path) -> Any:
    try:
        return _gold_file(path, GoldColumns())
    except ContentError as exc:
        return str(exc)


def _blocked(path: Path) -> Any:
    try:
        got = FileChunks(path, None, SuiteOnce(None, None), AuditOptions())
    except ContentError as exc:
        return str(exc)
    try:
        return got, list(got.chunks(5))
    finally:
        got.close()


@pytest.mark.parametrize("suffix", [".jsonl", ".csv", ".parquet"])
def test_blocks_read_what_the_whole_file_reads(tiny: None, tmp_path: Path,
                                               suffix: str) -> None:
    seen = {"errors": 0, "ok": 0}
    for seed in range(120):
        rng = random.Random(seed)
        faults = seed % 4 != 0
        path = tmp_path / f"gold{seed}{suffix}"
        _write(path, _rows(rng, rng.randint(0, 25), faults), rng, faults)
        whole, got = _whole(path), _blocked(path)
        if isinstance(whole, str):
            assert got == whole, (seed, path.read_bytes()[:300])
            seen["errors"] += 1
            continue
        assert not isinstance(got, str), (seed, got)
        chunks, parts = got
        assert chunks.items == len(whole.ids)
        assert (chunks.label_column, chunks.annotators_column) == \
            (whole.label_column, whole.annotators_column)
        ids = [i for p, _ in parts for i in p.ids.to_pylist()]
        assert ids == whole.ids.to_pylist(), seed
        assert [g for p, _ in parts for g in p.label.to_pylist()] == whole.label.to_pylist()
        if whole.annotators is not None:
            assert [a for p, _ in parts for a in p.annotators.to_pylist()] == \
                whole.annotators.to_pylist()
        lines = [p.rows.line(r) for p, _ in parts for r in range(len(p.ids))]
        assert lines == [whole.rows.line(r) for r in range(len(whole.ids))], seed
        seen["ok"] += 1
    assert seen["errors"] > 20 and seen["ok"] > 20, seen  # both kinds were compared


def test_jsonl_blocks_number_lines_as_the_file(tiny: None, tmp_path: Path) -> None:
    path = tmp_path / "g.jsonl"
    text = "".join(json.dumps({"id": f"q{i}", "human_label": "A"}) + "\n" + "\n" * (i % 3)
                   for i in range(40))
    path.write_text("\ufeff" + text, encoding="utf-8")
    tables = list(blocks.gold_blocks(path, by_rows=False))
    assert len(tables) > 10  # cut into many blocks
    lines = [t.line(r) for t in tables for r in range(t.num_rows)]
    whole = read_table(path)
    assert lines == [whole.line(r) for r in range(whole.num_rows)]
    assert [t.raw(r)["id"] for t in tables for r in range(t.num_rows)] == \
        [f"q{i}" for i in range(40)]


def test_a_block_pyarrow_cannot_read_is_read_by_rows(monkeypatch: pytest.MonkeyPatch,
                                                     tmp_path: Path) -> None:
    monkeypatch.setattr(blocks, "BLOCK", 200)  # a few lines a block
    path = tmp_path / "g.jsonl"
    rows: list[dict[str, Any]] = [{"id": f"q{i}", "human_label": "A"} for i in range(30)]
    rows[20]["id"] = 7  # an int among strings: that block only read by read_rows
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    with pytest.raises(blocks.Fallback):
        list(blocks.gold_blocks(path, by_rows=False))
    got = _blocked(path)
    assert not isinstance(got, str) and got[0].by_rows
    assert [i for p, _ in got[1] for i in p.ids.to_pylist()] == \
        _gold_file(path, GoldColumns()).ids.to_pylist()


def test_streamed_run_audit_reads_gold_files_in_blocks(tiny: None, tmp_path: Path) -> None:
    """The report of a run against a gold file (JSON Lines, CSV, Parquet; shuffled, so the
    suite's fields are looked up by id; ids the run lacks) read in blocks of 3 rows is the
    in-memory audit's, at chunks of 1, 7 and all."""
    from judgekit.backends import FakeBackend

    from .conftest import fake_run, pairwise_items
    from .test_audit_stream import both

    items = pairwise_items(40, 7, (0, 1, 2, 3, 3), tags=True)
    fake_run(tmp_path, items, "[category, tags]",
             [FakeBackend(0, garbage_every=9), FakeBackend(1)], annotators=False)
    gold = [{"id": r["id"], "human_label": r["human_label"], "category": r["category"],
             "annotators": r.get("annotator_labels", [])} for r in items[2:]]
    random.Random(5).shuffle(gold)
    gold += [{"id": "elsewhere", "human_label": "A", "category": "x", "annotators": []}]
    (tmp_path / "g.jsonl").write_text("".join(json.dumps(r) + "\n\n" for r in gold))
    with open(tmp_path / "g.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(list(gold[0]))
        w.writerows([[json.dumps(v) if isinstance(v, list) else v for v in r.values()]
                     for r in gold])
    pq.write_table(pa.Table.from_pylist(gold), tmp_path / "g.parquet", row_group_size=5)
    for name in ("g.jsonl", "g.csv", "g.parquet"):
        rep = both(tmp_path / "run", tmp_path / name, judge="fake:0", judge_family="fake",
                   max_disagreements=4)
        assert rep["coverage"]["gold_without_label"] == 1
        assert rep["ceiling"]["available"] and rep["bias"]["length"]["available"]
        assert rep["disagreements"]["items"][0]["prompt"].startswith("Question")
