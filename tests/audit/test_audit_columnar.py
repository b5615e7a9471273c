"""The columnar (pyarrow) reading of label and gold files against the row readers.

``_audit._columnar`` must give exactly what ``_audit._by_rows`` gives (same joined arrays, same
inputs, so the same report), on real gold and on tricky synthetic files; and it must hand
anything it cannot reproduce (JSON objects of probabilities, bad values, no pyarrow) back to
the row readers, so errors keep naming file, line and fix.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from judgekit import audit
from judgekit._errors import ContentError
from judgekit.auditing import LabelColumns
from judgekit.auditing import _audit as audit_mod
from judgekit.auditing._join import AuditData

from .conftest import noisy_labels, read_jsonl

GOLD_SETS = {  # set -> (gold label column, label space for the synthetic judge)
    "pandalm-test": ("human_label", ["A", "B", "tie"]),
    "codeprefbench-human": ("human_label", ["A", "B", "tie"]),
    "hhh-alignment": ("human_label", ["A", "B"]),
    "conala-human-grades": ("human_score", ["0", "1", "2", "3", "4"]),
    "kqa-physician-nli": ("human_score", ["Entailment", "Neutral", "Contradiction"]),
    "dices-350-safety": ("human_score", ["safe", "unsafe"]),
}


def paths_args(labels: Path, gold: Path, columns: LabelColumns | None = None,
               **kw: Any) -> dict[str, Any]:
    args: dict[str, Any] = dict(
        columns=columns or LabelColumns(), judge=None, label_map={}, gold_id_col="id",
        gold_col=None, annotators_col=None, gold_map={}, slices=None, scale=None,
        judge_family=None, model_columns=None)
    args.update(kw)
    return args


def by_columns(labels: Path, gold: Path, **kw: Any) -> tuple[AuditData, dict[str, Any]] | None:
    a = paths_args(labels, gold, **kw)
    return audit_mod._columnar(labels, gold, a["columns"], a["judge"], a["label_map"],
                               a["gold_id_col"], a["gold_col"], a["annotators_col"],
                               a["gold_map"], a["slices"], a["scale"], a["judge_family"],
                               a["model_columns"])


def by_rows(labels: Path, gold: Path, **kw: Any) -> tuple[AuditData, dict[str, Any]]:
    return audit_mod._by_rows(labels, gold, gold_root=None, **paths_args(labels, gold, **kw))


def assert_same_data(a: AuditData, b: AuditData) -> None:
    for name in AuditData.__dataclass_fields__:
        x, y = getattr(a, name), getattr(b, name)
        if name == "slices":
            assert {c: sorted(m) for c, m in x.items() if m} == \
                {c: sorted(m) for c, m in y.items() if m}
            for c, masks in x.items():
                for v, mask in masks.items():
                    assert np.array_equal(mask, y[c][v]), (c, v)
        elif isinstance(y, np.ndarray):
            assert x.dtype.kind == y.dtype.kind and x.shape == y.shape, name
            assert np.array_equal(x, y, equal_nan=y.dtype.kind == "f"), name
        else:
            assert x == y, name


def assert_same(labels: Path, gold: Path, **kw: Any) -> AuditData:
    """The fast path is taken and gives what the row path gives."""
    fast = by_columns(labels, gold, **kw)
    assert fast is not None, "the columnar path fell back to the row readers"
    slow = by_rows(labels, gold, **kw)
    assert_same_data(fast[0], slow[0])
    assert fast[1] == slow[1]
    return fast[0]


def stable(report: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in report.items() if k not in ("created", "seconds")}


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.mark.parametrize("name", sorted(GOLD_SETS))
def test_real_gold_same_joined_data(tmp_path: Path, gold_file: Any, name: str) -> None:
    gold = gold_file(name)
    column, space = GOLD_SETS[name]
    rows = noisy_labels(read_jsonl(gold), column, space, 0.3, seed=7)
    for r in rows[::17]:
        r["verdict"] = ""  # some unreadable verdicts
    labels = tmp_path / "labels.csv"
    labels.write_text("id,verdict,p\n" + "".join(
        f"{r['id']},{r['verdict']},{r['p']}\n" for r in rows), encoding="utf-8")
    d = assert_same(labels, gold, columns=LabelColumns(prob="p"))
    assert d.coverage["judge_errors"] > 0
    assert_same(labels, gold, columns=LabelColumns(prob="p"), judge_family="gpt",
                slices=["domain", "criteria", "source", "subset", "annotator_ids"])


def test_pandalm_report_json_identical(tmp_path: Path, gold_file: Any,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    gold = gold_file("pandalm-test")
    rows = noisy_labels(read_jsonl(gold), "human_label", ["A", "B", "tie"], 0.2)
    labels = write_jsonl(tmp_path / "labels.jsonl", rows)
    fast = audit(labels, gold, columns=LabelColumns(prob="p"), replicates=200)
    monkeypatch.setattr(audit_mod, "_columnar", lambda *a, **k: None)
    slow = audit(labels, gold, columns=LabelColumns(prob="p"), replicates=200)
    assert fast.to_json() != "" and stable(fast.data) == stable(slow.data)
    assert fast.data["ceiling"]["loo_human"]["ci"] is not None


def test_csv_with_mapped_columns_and_label_maps(tmp_path: Path, gold_file: Any,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    gold = gold_file("pandalm-test")
    rows = noisy_labels(read_jsonl(gold), "human_label", ["A", "B", "tie"], 0.2)
    spell = {"A": "first", "B": "second", "tie": "same"}
    labels = tmp_path / "other.csv"
    labels.write_text("confidence,item,choice,notes\n" + "".join(
        f'{r["p"]}, {r["id"]} ,{spell[r["verdict"]]},"says ""{r["verdict"]}"", ok"\n'
        for r in rows), encoding="utf-8")  # ids padded with spaces: normalized away
    kw: dict[str, Any] = dict(columns=LabelColumns(id="item", verdict="choice", prob="confidence"),
                              label_map={"first": "A", "second": "B", "same": "tie"},
                              slices=["motivation_app"])
    d = assert_same(labels, gold, **kw)
    assert d.coverage["matched"] == 999 and set(d.slices) == {"motivation_app"}
    args = dict(kw, slices=kw["slices"], replicates=100)
    fast = audit(labels, gold, **args)
    monkeypatch.setattr(audit_mod, "_columnar", lambda *a, **k: None)
    assert stable(fast.data) == stable(audit(labels, gold, **args).data)


def test_both_orders_several_judges(tmp_path: Path, gold_file: Any) -> None:
    gold = gold_file("codeprefbench-human")
    rng = random.Random(3)
    out = []
    for r in read_jsonl(gold):
        for judge in ("j1", "j2"):
            for order in rng.sample(["AB", "BA"], rng.choice([1, 2, 2, 2])):
                v = rng.choice(["A", "B", "tie", "A", ""])
                out.append({"id": r["id"], "judge": judge, "order": order, "verdict": v,
                            "p": rng.choice([None, round(rng.random(), 2)])})
    labels = write_jsonl(tmp_path / "labels.jsonl", out)
    for judge in ("j1", "j2"):
        d = assert_same(labels, gold, columns=LabelColumns(prob="p"), judge=judge)
        assert (d.consistent == 0).any() and (d.consistent == 1).any()
        assert d.first.sum() > 0 and d.gold_second.sum() > 0
    assert by_columns(labels, gold, columns=LabelColumns(prob="p")) is None  # two judges
    assert by_columns(labels, gold, columns=LabelColumns(prob="p"), judge="panel") is None


def test_tricky_values_match_the_row_readers(tmp_path: Path) -> None:
    gold = write_jsonl(tmp_path / "gold.jsonl", [  # ids: JSON 1 and 2.0 both read as floats
        {"id": 1, "human_label": "A", "annotator_labels": ["A", None, "B", ""], "tags": ["x"],
         "response_a": "naïve", "response_b": "ab", "model_a": "GPT-4o", "model_b": "llama",
         "n": 3},
        {"id": 2.0, "human_label": None, "tags": []},
        {"id": 3, "human_label": "B", "annotator_labels": ["B", "B"], "tags": ["x", "y"],
         "response_a": "a", "response_b": "bb", "model_a": "llama", "model_b": "gpt-4",
         "n": 4},
        {"id": 4, "human_label": "tie", "annotator_labels": None, "tags": None},
        {"id": 5, "human_label": "A", "tags": ["", "z"], "model_a": "", "model_b": "x",
         "date": "2024-05-01"},
    ])
    labels = write_jsonl(tmp_path / "labels.jsonl", [
        {"id": "1", "verdict": "A", "p": 1}, {"id": " 3", "verdict": "tie", "p": 0.25},
        {"id": "4.0", "verdict": None, "p": 0.5}, {"id": "5 ", "verdict": " B ", "p": None},
        {"id": "9", "verdict": "A"},
    ])
    d = assert_same(labels, gold, columns=LabelColumns(prob="p"), judge_family="gpt",
                    slices=["tags", "n", "missing", "date"])
    assert d.ids == ["1", "3", "4", "5"] and d.coverage["labels_without_gold"] == 1
    assert d.annotators is not None and d.annotators.shape == (4, 2)
    assert set(d.slices["tags"]) == {"x", "y", "z", ""} and list(d.own[:2]) == [0, 1]
    assert list(d.judge) == [0, 2, -1, 1] and np.isnan(d.conf[2:]).all()
    assert list(d.slices["date"]) == ["2024-05-01"]  # text, not a timestamp


@pytest.mark.parametrize(("labels_text", "suffix"), [
    ('{"id": "1", "verdict": "A", "probs": {"A": 0.7, "B": 0.3}}\n', ".jsonl"),  # nested
    ('{"id": "1", "verdict": "A"}\n{"id": 2, "verdict": "B"}\n', ".jsonl"),  # mixed types
    ('{"id": "1", "verdict": "A"}\n{"id": "1", "verdict": "B"}\n', ".jsonl"),  # combined
    ("\ufeffid,verdict\n1,A\n", ".csv"),  # a byte order mark
    ("id,verdict,probs\n1,A,true\n", ".csv"),  # json.loads reads true as 1.0
])
def test_what_only_rows_read_falls_back(tmp_path: Path, labels_text: str, suffix: str) -> None:
    labels = tmp_path / f"labels{suffix}"
    labels.write_text(labels_text, encoding="utf-8")
    gold = write_jsonl(tmp_path / "gold.jsonl", [{"id": "1", "human_label": "A"},
                                                 {"id": "2", "human_label": "B"}])
    assert by_columns(labels, gold) is None
    try:
        expected: Any = by_rows(labels, gold)[0].ids
    except ContentError as exc:
        expected = str(exc)
    try:
        got: Any = audit(labels, gold, replicates=0).data["coverage"]["matched"]
        assert got == len(expected)
    except ContentError as exc:
        assert str(exc) == expected


@pytest.mark.parametrize(("labels_text", "problem"), [
    ("id,verdict,probs\n1,A,0.5\n2,B,1.5\n", "line 3"),
    ("id,verdict,probs\n1,A,0.5\n2,B,high\n", "neither a number nor a JSON object"),
    ('id,verdict,probs\n1,A,0.5\n2,B,"{""B"": ""high""}"\n', "probability that is not a number"),
    ("id,verdict,order\n1,A,AB\n2,B,CD\n", "order 'CD' is not AB, BA or single"),
    ("id,verdict\n1,A\n,B\n", "row has no 'id'"),
    ("id,verdict\n1,A\n2,B,extra\n", "more cells than the header"),
    ("id,label\n1,A\n", "no column 'verdict'"),
])
def test_bad_labels_keep_the_row_readers_errors(tmp_path: Path, labels_text: str,
                                                problem: str) -> None:
    labels = tmp_path / "labels.csv"
    labels.write_text(labels_text, encoding="utf-8")
    gold = write_jsonl(tmp_path / "gold.jsonl", [{"id": "1", "human_label": "A"}])
    assert by_columns(labels, gold) is None
    with pytest.raises(ContentError) as fast:
        audit(labels, gold, replicates=0)
    with pytest.raises(ContentError) as rows:
        by_rows(labels, gold)
    assert str(fast.value) == str(rows.value) and problem in str(fast.value)
    assert str(labels) in str(fast.value)


def test_bad_gold_keeps_the_row_readers_errors(tmp_path: Path) -> None:
    labels = tmp_path / "labels.csv"
    labels.write_text("id,verdict\n1,A\n2,B\n", encoding="utf-8")
    gold = write_jsonl(tmp_path / "gold.jsonl", [{"id": "1", "human_label": "A"},
                                                 {"id": "1", "human_label": "B"}])
    with pytest.raises(ContentError, match="duplicate item id '1'") as exc:
        audit(labels, gold, replicates=0)
    assert "line 2" in str(exc.value) and "keep one gold row per item" in str(exc.value)


def test_malformed_annotator_list_is_a_content_error(tmp_path: Path) -> None:
    labels = tmp_path / "labels.csv"
    labels.write_text("id,verdict\n1,A\n2,B\n", encoding="utf-8")
    gold = tmp_path / "gold.csv"
    gold.write_text('id,human_label,annotator_labels\n1,A,\n2,B,"[""A"",""B"""\n',
                    encoding="utf-8")
    with pytest.raises(ContentError, match="'annotator_labels' of item '2' is not a JSON list") \
            as exc:
        audit(labels, gold, replicates=0)
    assert "line 3" in str(exc.value)


def test_without_pyarrow_the_row_readers_run(tmp_path: Path, gold_file: Any) -> None:
    gold = gold_file("pandalm-test")
    rows = noisy_labels(read_jsonl(gold), "human_label", ["A", "B", "tie"], 0.2)
    labels = write_jsonl(tmp_path / "labels.jsonl", rows)
    fast = audit(labels, gold, columns=LabelColumns(prob="p"), replicates=50)
    script = textwrap.dedent(f"""
        import sys

        class Block:  # as if pyarrow were not installed
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] == "pyarrow":
                    raise ModuleNotFoundError(f"No module named {{name!r}}")
                return None

        sys.meta_path.insert(0, Block())
        from pathlib import Path
        from judgekit import audit
        from judgekit.auditing import LabelColumns
        from judgekit.auditing import _audit

        labels, gold = Path({str(labels)!r}), Path({str(gold)!r})
        assert _audit._columnar(labels, gold, LabelColumns(prob="p"), None, {{}}, "id", None,
                                None, {{}}, None, None, None, None) is None
        audit(labels, gold, columns=LabelColumns(prob="p"), replicates=50).write(
            Path({str(tmp_path / "rows")!r}))
        assert "pyarrow" not in sys.modules
    """)
    res = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         timeout=300)
    assert res.returncode == 0, res.stderr
    slow = json.loads((tmp_path / "rows" / "report.json").read_text(encoding="utf-8"))
    assert stable(fast.data) == stable(json.loads(fast.to_json())) == stable(slow)


def test_long_gold_rows_stay_columnar(tmp_path: Path) -> None:
    gold = write_jsonl(tmp_path / "gold.jsonl", [
        {"id": f"i{i}", "human_label": "AB"[i % 2], "response_a": "x" * (3_000_000 * (i == 1)),
         "response_b": "y" * 10} for i in range(4)])
    labels = tmp_path / "labels.csv"
    labels.write_text("id,verdict\n" + "".join(f"i{i},A\n" for i in range(4)), encoding="utf-8")
    d = assert_same(labels, gold)
    assert list(d.longer) == [1, 0, 1, 1]


def test_parquet_labels_and_gold(tmp_path: Path, gold_file: Any) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = read_jsonl(gold_file("conala-human-grades"))
    gold = tmp_path / "gold.parquet"
    pq.write_table(pa.Table.from_pylist([
        {k: r[k] for k in ("id", "domain", "human_score", "annotator_scores", "response_model")}
        for r in rows]), gold)
    labels = tmp_path / "labels.parquet"
    picked = noisy_labels(rows, "human_score", ["0", "1", "2", "3", "4"], 0.3)
    pq.write_table(pa.Table.from_pylist([{**r, "verdict": int(r["verdict"])} for r in picked]),
                   labels)
    d = assert_same(labels, gold, columns=LabelColumns(prob="p"), judge_family="baseline")
    assert d.scale == "ordinal" and d.annotators is not None and (d.own == 1).any()
