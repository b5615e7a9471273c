"""The one reader of labels and gold, on the cases that once needed a second, row-by-row one.

Labels files (JSONL, CSV, Parquet), run directories and Label objects; both orders, panels,
probabilities as JSON objects, an item twice in one order, single rows, label maps; and every
error, worded with file, line and fix. The expected values were computed by the row reader this
one replaced, on the same files, and each is explained where it is asserted.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from judgekit._errors import ContentError
from judgekit.auditing import AuditData, AuditOptions, GoldColumns, LabelColumns, audit
from judgekit.auditing._audit import prepare

from .conftest import noisy_labels, read_jsonl

NAN = float("nan")


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def joined(labels: Any, gold: Any = None, columns: LabelColumns | None = None,
           gold_columns: GoldColumns | None = None, **options: Any) -> AuditData:
    return prepare(labels, gold, columns=columns, gold_columns=gold_columns,
                   options=AuditOptions(**options))[0]


def same(a: Any, b: Any) -> bool:
    return bool(np.array_equal(np.asarray(a, dtype=float), np.asarray(b, dtype=float),
                               equal_nan=True))


@pytest.fixture
def gold2(tmp_path: Path) -> Path:
    return write_jsonl(tmp_path / "gold.jsonl", [{"id": "1", "human_label": "A"},
                                                 {"id": "2", "human_label": "B"}])


@pytest.fixture
def gold4(tmp_path: Path) -> Path:
    """q0..q3, gold A, B, A, B; three annotators each."""
    return write_jsonl(tmp_path / "gold4.jsonl", [
        {"id": f"q{i}", "human_label": "AB"[i % 2], "annotator_labels": ["A", "B", "AB"[i % 2]]}
        for i in range(4)])


def test_tricky_values(tmp_path: Path) -> None:
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
    data, inputs = prepare(labels, gold, columns=LabelColumns(prob="p"), options=AuditOptions(
        judge_family="gpt", slices=["tags", "n", "missing", "date"]))
    # ids spelled as labels (1.0 -> "1", " 3" -> "3"); gold 2 has no label; label 9 no gold
    assert data.ids == ["1", "3", "4", "5"] and data.coverage["labels_without_gold"] == 1
    assert data.gold.tolist() == [0, 1, 2, 0] and data.judge.tolist() == [0, 2, -1, 1]
    # None and "" annotators left out: item 1 keeps A, B; a single annotator is none at all
    assert data.annotators is not None
    assert data.annotators.tolist() == [[0, 1], [1, 1], [-1, -1], [-1, -1]]
    assert same(data.conf, [1.0, 0.25, NAN, NAN])  # no P for an item without a verdict
    assert data.longer.tolist() == [0, 1, -1, -1]  # "naïve" is 5 characters, not 6 bytes
    assert data.own.tolist() == [0, 1, -1, -1]  # only A (GPT-4o) / only B (gpt-4) is a GPT
    masks = {c: {v: np.flatnonzero(m).tolist() for v, m in ms.items()}
             for c, ms in data.slices.items()}
    assert masks == {"tags": {"x": [0, 1], "y": [1], "": [3], "z": [3]},  # lists: each value
                     "n": {"3": [0], "4": [1]},
                     "date": {"2024-05-01": [3]}}  # text, not a timestamp; "missing": absent
    assert inputs["model_columns"] == ["model_a", "model_b"]


@pytest.mark.parametrize(("text", "suffix", "judge", "conf", "probs"), [
    # a JSON object of probabilities: the distribution, P(verdict) read from it
    ('{"id": "1", "verdict": "A", "probs": {"A": 0.7, "B": 0.3}}\n', ".jsonl", [0],
     [0.7], [[0.7, 0.3]]),
    # ids of two JSON types: both spelled as labels
    ('{"id": "1", "verdict": "A"}\n{"id": 2, "verdict": "B"}\n', ".jsonl", [0, 1],
     [NAN, NAN], [[NAN, NAN], [NAN, NAN]]),
    # one item twice (order single): one-hot 0.5/0.5, the alphabetical first wins
    ('{"id": "1", "verdict": "A"}\n{"id": "1", "verdict": "B"}\n', ".jsonl", [0],
     [NAN], [[NAN, NAN]]),
    ("\ufeffid,verdict\n1,A\n", ".csv", [0], [NAN], [[NAN, NAN]]),  # a BOM is no character
    ("id,verdict,probs\n1,A,true\n", ".csv", [0], [1.0], [[NAN, NAN]]),  # JSON true is 1
])
def test_once_row_only_files(tmp_path: Path, gold2: Path, text: str, suffix: str,
                             judge: list[int], conf: list[float],
                             probs: list[list[float]]) -> None:
    data = joined(write(tmp_path / f"labels{suffix}", text), gold2)
    assert data.judge.tolist() == judge and data.space == ["A", "B"]
    assert same(data.conf, conf) and same(data.probs, probs)


def test_both_orders_with_objects_twice_in_one_order_and_an_errored_order(
        tmp_path: Path, gold4: Path) -> None:
    labels = write_jsonl(tmp_path / "labels.jsonl", [
        {"id": "q0", "order": "AB", "verdict": "A", "probs": {"A": 0.9, "B": 0.1}},
        {"id": "q0", "order": "BA", "verdict": "B", "probs": {"A": 0.3, "B": 0.7}},
        {"id": "q1", "order": "AB", "verdict": "B", "probs": {"A": 0.2, "B": 0.8}},
        {"id": "q1", "order": "BA", "verdict": "B", "probs": 0.6},
        {"id": "q2", "order": "AB", "verdict": "tie",
         "probs": {"A": 0.25, "B": 0.25, "tie": 0.5}},
        {"id": "q2", "order": "BA", "verdict": None},
        {"id": "q3", "order": "BA", "verdict": "A", "probs": 0.8},
        {"id": "q3", "order": "BA", "verdict": "A", "probs": 0.6},
    ])
    d = joined(labels, gold4)
    # q0: mean of the two objects; q1: an object and a one-hot B (a number is only P of B);
    # q2: the errored BA is left out; q3: no distribution, so P is the mean of its two Ps
    assert d.judge.tolist() == [0, 1, 2, 0]
    assert np.allclose(d.probs[:3], [[0.6, 0.4, 0], [0.1, 0.9, 0], [0.25, 0.25, 0.5]])
    assert np.isnan(d.probs[3]).all() and np.allclose(d.conf, [0.6, 0.9, 0.5, 0.7])
    assert d.consistent.tolist() == [0, 1, -1, -1]  # q2, q3: not both orders
    # the position chosen: BA rows were shown swapped, so canonical B was shown first
    assert d.first.tolist() == [2, 1, 0, 0] and d.second.tolist() == [0, 1, 0, 2]
    assert d.gold_first.tolist() == [1, 1, 1, 2] and d.gold_second.tolist() == [1, 1, 1, 0]


def test_single_rows_keep_their_verdict(tmp_path: Path, gold4: Path) -> None:
    labels = write_jsonl(tmp_path / "labels.jsonl", [
        {"id": "q0", "verdict": "A", "probs": {"A": 0.4, "B": 0.6}},
        {"id": "q1", "verdict": "B", "probs": 0.9},
        {"id": "q2", "verdict": "tie", "probs": {"A": 0.5, "B": 0.5}},
        {"id": "q3", "verdict": None, "probs": 0.7},
    ])
    d = joined(labels, gold4)
    # q0 stays A though its distribution prefers B; q2's P(tie) is not in its distribution
    assert d.judge.tolist() == [0, 1, 2, -1] and d.coverage["judge_errors"] == 1
    assert same(d.conf, [0.4, 0.9, NAN, NAN])
    assert same(d.probs, [[0.4, 0.6, 0], [NAN] * 3, [0.5, 0.5, 0], [NAN] * 3])


def test_panel_is_the_mean_of_the_judges(tmp_path: Path, gold4: Path) -> None:
    labels = write_jsonl(tmp_path / "labels.jsonl", [
        {"id": f"q{i}", "judge": j, "order": o, "verdict": v, "probs": p}
        for i in range(4) for j, o, v, p in [
            ("j1", "AB", "A", {"A": 0.8, "B": 0.2}), ("j1", "BA", "A", {"A": 0.6, "B": 0.4}),
            ("j2", "AB", "B" if i % 2 else "A", None), ("j2", "BA", "B", None),
            ("j3", "AB", None, None), ("j3", "BA", "B", {"A": 0.1, "B": 0.9})]])
    d, inputs = prepare(labels, gold4, options=AuditOptions(judge="panel"))
    # j1 {A .7, B .3}; j2 one-hot of its own verdict (A on q0, B on q1); j3 {A .1, B .9}
    assert inputs["labels"]["judge"] == "panel(j1, j2, j3)"
    assert d.judge.tolist() == [0, 1, 0, 1]
    assert np.allclose(d.probs, [[0.6, 0.4], [0.8 / 3, 2.2 / 3]] * 2)
    assert np.allclose(d.conf, [0.6, 2.2 / 3] * 2) and d.consistent.tolist() == [-1] * 4
    assert d.first.tolist() == [4, 3, 4, 3]  # every judge's orders count
    one = joined(labels, gold4, judge="j2")  # j2 alone: no probabilities, no P
    assert one.consistent.tolist() == [0, 1, 0, 1] and np.isnan(one.conf).all()


def test_label_map_applies_to_verdicts_and_distributions(tmp_path: Path, gold4: Path) -> None:
    labels = write_jsonl(tmp_path / "labels.jsonl", [
        {"id": "q0", "order": "AB", "verdict": "first", "probs": {"first": 0.7, "second": 0.3}},
        {"id": "q0", "order": "BA", "verdict": "second",
         "probs": {"first": 0.4, "second": 0.6}},
        {"id": "q1", "verdict": "second", "probs": 0.75},
    ])
    d = joined(labels, gold4, label_map={"first": "A", "second": "B"})
    assert d.judge.tolist() == [0, 1] and np.allclose(d.probs[0], [0.55, 0.45])
    assert np.allclose(d.conf, [0.55, 0.75])
    assert d.first.tolist() == [0, 0]  # positions are read before the map, as before


@pytest.mark.parametrize(("text", "where", "problem"), [
    ("id,verdict,probs\n1,A,0.5\n2,B,1.5\n", "line 3",
     "'probs' value 1.5 is not a probability\n  fix: use a number in [0, 1] or a JSON object"),
    ("id,verdict,probs\n1,A,0.5\n2,B,high\n", "line 3",
     "'probs' is neither a number nor a JSON object: 'high'\n"
     '  fix: write P(verdict) as a number, or {"A": 0.7, ...}'),
    ('id,verdict,probs\n1,A,0.5\n2,B,"{""B"": ""high""}"\n', "line 3",
     "'probs' has a probability that is not a number: {'B': 'high'}\n"
     "  fix: write each label's probability as a number"),
    ("id,verdict,order\n1,A,AB\n2,B,CD\n", "line 3",
     "order 'CD' is not AB, BA or single\n  fix: use AB, BA or single"),
    ("id,verdict\n1,A\n,B\n", "line 3", "row has no 'id'\n  fix: give every row an item id"),
    ("id,verdict\n1,A\n2,B,extra\n", "line 3",
     "row has more cells than the header\n  fix: quote cells that contain commas"),
    ("id,label\n1,A\n", "line 2", "no column 'verdict' (columns: id, label)\n  fix: map the "
     "columns with --id-col, --verdict-col, --prob-col, --order-col, --judge-col"),
    # CSV lines are where a record ends: blank lines and quoted line breaks count
    ('id,verdict,note\n1,A,"two\nlines"\n\n2,B,\n,A,x\n', "line 6",
     "row has no 'id'\n  fix: give every row an item id"),
])
def test_bad_labels_name_file_line_and_fix(tmp_path: Path, text: str, where: str,
                                           problem: str) -> None:
    labels = write(tmp_path / "labels.csv", text)
    gold = write_jsonl(tmp_path / "gold.jsonl", [{"id": "1", "human_label": "A"}])
    with pytest.raises(ContentError) as exc:
        audit(labels, gold, options=AuditOptions(replicates=0))
    assert str(exc.value) == f"{labels}, {where}: {problem}"


@pytest.mark.parametrize(("name", "text", "message"), [
    # JSON Lines lines are counted with the blank ones
    ("blank.jsonl", '{"id": "1", "verdict": "A"}\n\n   \n{"id": "2", "verdict": \n',
     "line 4: invalid JSON: Expecting value\n  fix: write one JSON object per line"),
    ("list.jsonl", '{"id": "1", "verdict": "A"}\n[1, 2]\n',
     "line 2: expected a JSON object\n  fix: write one JSON object per line"),
    # a null inside an object (a missing label is fine: {"B": 1.0} is a distribution)
    ("null.jsonl", '{"id": "1", "verdict": "A", "probs": {"A": 0.7, "B": 0.3}}\n\n'
     '{"id": "2", "verdict": "B", "probs": {"A": null, "B": 1.0}}\n',
     "line 3: 'probs' has a probability that is not a number: {'A': None, 'B': 1.0}\n"
     "  fix: write each label's probability as a number"),
    # ids of two types, then a bad order: the file is read row by row, same wording
    ("mixed.jsonl", '{"id": 1, "verdict": "A", "order": "AB"}\n\n'
     '{"id": "2", "verdict": "B", "order": "XY"}\n',
     "line 3: order 'XY' is not AB, BA or single\n  fix: use AB, BA or single"),
    ("several.jsonl", '{"id": "1", "verdict": "A", "judge": "j1"}\n'
     '{"id": "1", "verdict": "B", "judge": "j2"}\n', "labels of 2 judges: j1, j2\n  fix: "
     "choose one with --judge NAME, or --judge panel to average them"),
    ("empty.csv", "id,verdict\n", "no labels\n  fix: label some items first"),
])
def test_bad_labels_files(tmp_path: Path, gold2: Path, name: str, text: str,
                          message: str) -> None:
    labels = write(tmp_path / name, text)
    with pytest.raises(ContentError) as exc:
        joined(labels, gold2)
    sep = ", " if message.startswith("line") else ": "
    assert str(exc.value) == f"{labels}{sep}{message}"


def test_unknown_judge(tmp_path: Path, gold2: Path) -> None:
    labels = write_jsonl(tmp_path / "l.jsonl", [{"id": "1", "verdict": "A", "judge": "j1"},
                                               {"id": "1", "verdict": "B", "judge": "j2"}])
    with pytest.raises(ContentError) as exc:
        joined(labels, gold2, judge="j9")
    assert str(exc.value) == (f"{labels}: no labels of judge 'j9'\n"
                              "  fix: use one of: j1, j2, or panel")


@pytest.mark.parametrize(("name", "text", "message"), [
    ("dup.jsonl", '{"id": "1", "human_label": "A"}\n{"id": "1", "human_label": "B"}\n',
     "line 2: duplicate item id '1'\n  fix: keep one gold row per item"),
    ("ann.csv", 'id,human_label,annotator_labels\n1,A,\n2,B,"[""A"",""B"""\n',
     "line 3: 'annotator_labels' of item '2' is not a JSON list: Expecting ',' delimiter\n"
     '  fix: write it as ["A", "B", ...]'),
    ("ann.jsonl", '{"id": "1", "human_label": "A", "annotator_labels": "A"}\n',
     "line 1: 'annotator_labels' of item '1' is not a list\n"
     "  fix: write the annotators' labels as a list"),
    ("none.jsonl", '{"id": "1", "human_label": null}\n',
     "no gold labels\n  fix: check the gold label column"),
    ("col.jsonl", '{"id": "1", "label_x": "A"}\n', "line 1: no column 'human_label' "
     "(columns: id, label_x)\n  fix: name the columns with --gold-id-col / --gold-col"),
    ("idcol.jsonl", '{"key": "1", "human_label": "A"}\n', "line 1: no column 'id' "
     "(columns: key, human_label)\n  fix: name the columns with --gold-id-col / --gold-col"),
])
def test_bad_gold_files(tmp_path: Path, name: str, text: str, message: str) -> None:
    labels = write(tmp_path / "labels.csv", "id,verdict\n1,A\n2,B\n")
    gold = write(tmp_path / name, text)
    with pytest.raises(ContentError) as exc:
        joined(labels, gold)
    sep = ", " if message.startswith("line") else ": "
    assert str(exc.value) == f"{gold}{sep}{message}"


def test_a_duplicate_id_after_a_row_without_gold_is_no_duplicate(tmp_path: Path) -> None:
    labels = write(tmp_path / "labels.csv", "id,verdict\n1,A\n2,B\n")
    gold = write_jsonl(tmp_path / "gold.jsonl", [{"id": "1", "human_label": None},
                                                 {"id": "1", "human_label": "B"},
                                                 {"id": "2", "human_label": "A"}])
    assert joined(labels, gold).ids == ["1", "2"]


def test_no_id_in_common_and_no_gold(tmp_path: Path, gold2: Path) -> None:
    labels = write(tmp_path / "labels.csv", "id,verdict\n8,A\n9,B\n")
    with pytest.raises(ContentError) as exc:
        joined(labels, gold2)
    assert str(exc.value) == (f"{labels}: no item id in common with the gold ({gold2})\n"
                              "  fix: check that both use the same ids (map with --id-col)")
    with pytest.raises(ContentError, match="no gold to audit against"):
        joined(labels)


def test_gold_columns_map_and_annotators_off(tmp_path: Path) -> None:
    gold = write_jsonl(tmp_path / "g.jsonl", [
        {"key": "1", "grade": "good", "raters": ["good", "bad"]},
        {"key": "2", "grade": "bad", "raters": ["bad", "bad"]}])
    labels = write(tmp_path / "labels.csv", "id,verdict\n1,A\n2,A\n")
    cols = GoldColumns(id="key", label="grade", annotators="raters",
                       label_map={"good": "A", "bad": "B"})
    d = joined(labels, gold, gold_columns=cols)
    assert d.gold.tolist() == [0, 1] and d.annotators is not None
    assert d.annotators.tolist() == [[0, 1], [1, 1]]
    off = joined(labels, gold, gold_columns=GoldColumns("key", "grade", "", cols.label_map))
    assert off.annotators is None


def test_a_column_of_several_json_types(tmp_path: Path) -> None:
    gold = write_jsonl(tmp_path / "g.jsonl", [
        {"id": "a", "human_score": 3, "level": True},
        {"id": "b", "human_score": "unsure", "level": "x"},
        {"id": "c", "human_score": 2.0, "level": 2}])
    labels = write(tmp_path / "labels.csv", "id,verdict\na,3\nb,unsure\nc,2\n")
    d = joined(labels, gold, slices=["level"])
    # 2.0 is the label "2"; each slice value is spelled as Python writes it (True, not true)
    assert d.space == ["2", "3", "unsure"] and d.gold.tolist() == [1, 2, 0]
    assert sorted(d.slices["level"]) == ["2", "True", "x"]


def test_a_list_opening_with_null(tmp_path: Path, gold2: Path) -> None:
    # pyarrow 26 reads [null, "z"] after a row without the key into a broken column
    gold = write(tmp_path / "g.jsonl", '{"id": "1", "human_label": "A"}\n'
                 '{"id": "2", "human_label": "B", "tags": [null, "z"]}\n')
    labels = write(tmp_path / "labels.csv", "id,verdict\n1,A\n2,B\n")
    d = joined(labels, gold, slices=["tags"])
    assert {v: m.tolist() for v, m in d.slices["tags"].items()} == {
        "None": [False, True], "z": [False, True]}


def test_long_gold_rows(tmp_path: Path) -> None:
    gold = write_jsonl(tmp_path / "gold.jsonl", [
        {"id": f"i{i}", "human_label": "AB"[i % 2], "response_a": "x" * (3_000_000 * (i == 1)),
         "response_b": "y" * 10} for i in range(4)])
    labels = write(tmp_path / "labels.csv", "id,verdict\n" + "".join(f"i{i},A\n"
                                                                    for i in range(4)))
    assert joined(labels, gold).longer.tolist() == [1, 0, 1, 1]


def test_run_directory_run_object_and_label_objects_read_alike(tmp_path: Path,
                                                               jk: Any) -> None:
    from judgekit.run import item_verdicts, open_run

    assert jk("run", "core/sample", "--judge", "fake", "--out", str(tmp_path / "run")
              ).returncode == 0
    run = open_run(tmp_path / "run")
    d, inputs = prepare(str(run.path))
    assert inputs["labels"]["kind"] == "run" and inputs["gold"]["source"] == "suite core/sample"
    assert inputs["slices"] == ["category"] and len(d.ids) == 12
    assert same(prepare(run)[0].judge, d.judge)
    # the run's own item verdicts (export's combination) are the audit's labels
    verdicts = {v.item_id: v for v in item_verdicts(run.labels())}
    assert [d.space[j] for j in d.judge] == [verdicts[i].label for i in d.ids]
    assert np.allclose(d.probs, [[verdicts[i].p(s) for s in d.space] for i in d.ids])
    assert d.consistent.tolist() == [int(bool(verdicts[i].consistent)) for i in d.ids]
    # Label objects (in memory) against a gold file: the same arrays
    gold = write_jsonl(tmp_path / "gold.jsonl", [
        {"id": it.id, "human_label": run.suite().gold[it.id]} for it in run.suite().items])
    mem, mem_inputs = prepare(run.labels(), gold)
    assert mem_inputs["labels"] == {"source": "labels in memory", "kind": "labels",
                                    "judge": "fake:0"}
    for name in ("judge", "gold", "probs", "conf", "first", "second", "consistent"):
        assert same(getattr(mem, name), getattr(d, name)), name


@pytest.mark.parametrize(("name", "noise", "scale", "space", "slices"), [
    ("pandalm-test", ["A", "B", "tie"], "pairwise", ["A", "B", "tie"], ["domain", "source"]),
    ("hhh-alignment", ["A", "B"], "pairwise", ["A", "B"], ["domain", "source", "subset"]),
    ("conala-human-grades", ["0", "1", "2", "3", "4"], "ordinal", ["0", "1", "2", "3", "4"],
     ["annotator_ids", "criteria", "domain", "source"]),
    ("kqa-physician-nli", ["Entailment", "Neutral", "Contradiction"], "categorical",
     ["Contradiction", "Entailment", "Neutral"], ["criteria", "domain", "source"]),
    # crowd raters' third option stays in the label space (for the ceiling)
    ("dices-350-safety", ["safe", "unsafe"], "binary", ["safe", "unsafe", "unsure"],
     ["criteria", "domain", "source"]),
])
def test_real_gold_sets(tmp_path: Path, gold_file: Any, name: str, noise: list[str],
                        scale: str, space: list[str], slices: list[str]) -> None:
    gold = gold_file(name)
    rows = read_jsonl(gold)
    column = "human_label" if scale == "pairwise" else "human_score"
    picked = noisy_labels(rows, column, noise, 0.3, seed=7)
    for r in picked[::17]:
        r["verdict"] = ""  # every 17th verdict unreadable
    labels = write(tmp_path / "labels.csv", "id,verdict,p\n" + "".join(
        f"{r['id']},{r['verdict']},{r['p']}\n" for r in picked))
    d = joined(labels, gold, columns=LabelColumns(prob="p"), judge_family="gpt",
               slices=["domain", "criteria", "source", "subset", "annotator_ids"])
    assert d.coverage["matched"] == len(rows) and d.scale == scale and d.space == space
    assert d.coverage["judge_errors"] == len(picked[::17])
    assert sorted(d.slices) == slices
    assert (d.annotators is None) == (name == "hhh-alignment")  # author gold: no annotators
    # the judge keeps 70% of gold labels (plus lucky draws), less the blanked ones:
    # 0.767, 0.787, 0.707, 0.754, 0.786 with the row reader
    assert 0.7 < float((d.gold == d.judge).mean()) < 0.8
    assert same(d.conf, [r["p"] if r["verdict"] else NAN for r in picked])  # gold order


def test_csv_with_mapped_columns_and_label_maps(tmp_path: Path, gold_file: Any) -> None:
    gold = gold_file("pandalm-test")
    rows = noisy_labels(read_jsonl(gold), "human_label", ["A", "B", "tie"], 0.2)
    spell = {"A": "first", "B": "second", "tie": "same"}
    labels = write(tmp_path / "other.csv", "confidence,item,choice,notes\n" + "".join(
        f'{r["p"]}, {r["id"]} ,{spell[r["verdict"]]},"says ""{r["verdict"]}"", ok"\n'
        for r in rows))  # ids padded with spaces: spelled as labels, so trimmed
    d = joined(labels, gold, columns=LabelColumns(id="item", verdict="choice", prob="confidence"),
               label_map={"first": "A", "second": "B", "same": "tie"}, slices=["motivation_app"])
    assert d.coverage["matched"] == 999 and set(d.slices) == {"motivation_app"}
    assert [d.space[j] for j in d.judge] == [r["verdict"] for r in rows]
    assert np.allclose(d.conf, [r["p"] for r in rows])


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
    d = joined(labels, gold, columns=LabelColumns(prob="p"), judge_family="baseline")
    assert d.scale == "ordinal" and d.annotators is not None and (d.own == 1).any()
    assert [d.space[j] for j in d.judge] == [r["verdict"] for r in picked]


def test_audit_takes_path_strings_and_checks_its_options(tmp_path: Path, gold2: Path) -> None:
    labels = write(tmp_path / "labels.csv", "id,verdict\n1,A\n2,A\n")
    rep = audit(str(labels), str(gold2), options=AuditOptions(replicates=0))
    assert rep.data["agreement"]["agreement"]["value"] == 0.5
    with pytest.raises(ValueError, match="scale must be one of"):
        AuditOptions(scale="nominal")


def test_a_run_suite_is_loaded_once_per_audit(tmp_path: Path, jk: Any,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from judgekit.run import Run, open_run

    assert jk("run", "core/sample", "--judge", "fake", "--out", str(tmp_path / "run")
              ).returncode == 0
    loads: list[Path] = []
    real = Run.suite

    def counted(self: Run, *args: Any, **kwargs: Any) -> Any:
        loads.append(self.path)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Run, "suite", counted)
    run = open_run(tmp_path / "run")
    report = audit(run, options=AuditOptions(replicates=10))  # gold from the suite
    assert loads == [run.path] and report.data["coverage"]["matched"] == 12
    gold = tmp_path / "gold.jsonl"
    ids = list(prepare(run)[0].ids)
    gold.write_text("".join(json.dumps({"id": i, "human_label": "A"}) + "\n" for i in ids),
                    encoding="utf-8")
    loads.clear()
    again = audit(run, gold, options=AuditOptions(replicates=10))  # the suite's fields only
    assert loads == [run.path] and again.data["coverage"]["matched"] == 12
    assert again.data["bias"]["length"]["available"]  # response texts from the suite's items
