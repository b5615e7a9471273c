"""Loading suites: references, items, gold, filters, and the sources hashed into a manifest."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from judgekit import ContentError, DataUnavailable, ReferenceNotFound, load_suite

MakeSuite = Callable[..., Path]
Rows = Callable[..., list[dict[str, Any]]]


def test_builtin_sample() -> None:
    suite = load_suite("core/sample")
    assert suite.ref == "core/sample"
    assert suite.domain.name == "core"
    assert suite.rubric.kind == "pairwise"
    assert suite.constitution is not None
    assert len(suite.items) == 12
    assert set(suite.gold) == {it.id for it in suite.items}
    assert set(suite.gold.values()) <= {"A", "B", "tie"}
    assert load_suite("sample").ref == "core/sample"  # a bare name is a core suite


def test_sources_hash_every_file_the_prompt_uses() -> None:
    suite = load_suite("core/sample")
    names = {Path(p).name for p in suite.sources}
    assert {"sample.yaml", "preference.yaml", "hhh.yaml", "system.j2", "user.j2",
            "_principles.j2", "_answer.j2", "sample.jsonl"} <= names
    for path, digest in suite.sources.items():
        assert hashlib.sha256(Path(path).read_bytes()).hexdigest() == digest


def test_suite_from_a_file(make_suite: MakeSuite) -> None:
    path = make_suite()
    suite = load_suite(str(path))
    assert suite.ref == str(path)
    assert suite.domain.name == "core"
    assert len(suite.items) == 12


def test_missing_suite_file(tmp_path: Path) -> None:
    with pytest.raises(ContentError, match="suite file not found"):
        load_suite(str(tmp_path / "nope.yaml"))


def test_unknown_suite_reference() -> None:
    with pytest.raises(ReferenceNotFound) as info:
        load_suite("core/no-such-suite")
    assert "core/sample" in (info.value.fix or "")


@pytest.mark.parametrize("field, value, listed", [
    ("rubric", "no-such-rubric", "core/preference"),
    ("rubric", "nodomain/preference", "none installed"),
    ("constitution", "core/nope", "core/hhh"),
    ("prompt", "nope", "core/pairwise"),
])
def test_unknown_references_name_suite_field_and_choices(
    make_suite: MakeSuite, field: str, value: str, listed: str
) -> None:
    path = make_suite(**{field: value})
    with pytest.raises(ReferenceNotFound) as info:
        load_suite(str(path))
    err = info.value
    assert err.path == path
    assert err.where == f"field '{field}'"
    assert repr(value) in err.problem
    assert listed in (err.fix or "")


def test_missing_items_file(make_suite: MakeSuite) -> None:
    path = make_suite(items="absent.jsonl")
    path.parent.joinpath("absent.jsonl").unlink()
    with pytest.raises(ContentError, match="file not found") as info:
        load_suite(str(path))
    assert not isinstance(info.value, DataUnavailable)


def test_gold_label_outside_label_space(make_suite: MakeSuite, pairwise: Rows) -> None:
    rows = pairwise(3)
    rows[1]["human_label"] = "C"
    path = make_suite(rows)
    with pytest.raises(ContentError) as info:
        load_suite(str(path))
    assert info.value.where == "line 2"
    assert "'C'" in info.value.problem and "it0001" in info.value.problem
    assert "gold_map" in (info.value.fix or "")
    fixed = load_suite(str(make_suite(rows, gold_map={"C": "tie"})))
    assert fixed.gold["it0001"] == "tie"


def test_annotators_are_mapped_and_checked(make_suite: MakeSuite, pairwise: Rows) -> None:
    rows = pairwise(2)
    rows[0]["votes"] = ["A", "left"]
    path = make_suite(rows, annotators="votes", gold_map={"left": "A"})
    assert load_suite(str(path)).annotators == {"it0000": ["A", "A"]}
    rows[0]["votes"] = ["A", "Z"]
    with pytest.raises(ContentError, match="'Z'"):
        load_suite(str(make_suite(rows, annotators="votes")))


def test_item_missing_a_required_field(make_suite: MakeSuite, pairwise: Rows) -> None:
    rows = pairwise(4)
    del rows[2]["response_b"]
    with pytest.raises(ContentError) as info:
        load_suite(str(make_suite(rows)))
    assert info.value.where == "line 3"
    assert "'response_b'" in info.value.problem


def test_fields_rename_columns(make_suite: MakeSuite, pairwise: Rows) -> None:
    rows = [{"id": r["id"], "question": r["prompt"], "left": r["response_a"],
             "right": r["response_b"]} for r in pairwise(3)]
    path = make_suite(rows, gold=None,
                      fields={"prompt": "question", "response_a": "left", "response_b": "right"})
    suite = load_suite(str(path))
    (ab, ba) = suite.renderer.requests(suite.items[0])
    assert "Question 0" in ab.messages[1].content
    assert ab.messages[1].content.index("It is 0.") < ab.messages[1].content.index("It is 1.")
    assert ba.messages[1].content.index("It is 1.") < ba.messages[1].content.index("It is 0.")


def test_where_and_limit(make_suite: MakeSuite, pairwise: Rows) -> None:
    rows = pairwise(10)
    for i, r in enumerate(rows):
        r["split"] = "dev" if i % 2 else "test"
    suite = load_suite(str(make_suite(rows, where={"split": "dev"}, limit=3)))
    assert [i.id for i in suite.items] == ["it0001", "it0003", "it0005"]
    assert len(load_suite(str(make_suite(rows)), limit=4).items) == 4
    with pytest.raises(ContentError, match="no items left") as info:
        load_suite(str(make_suite(rows, where={"split": "train"})))
    assert info.value.where == "field 'where'"


def test_gold_items_need_the_gold_root(make_suite: MakeSuite, tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    path = make_suite(items="gold:pandalm-test/data.jsonl")
    with pytest.raises(DataUnavailable) as info:
        load_suite(str(path))
    assert info.value.where == "field 'items'"
    assert "--gold-root" in (info.value.fix or "")


def test_real_gold_set(make_suite: MakeSuite, gold_root: Path) -> None:
    path = make_suite(items="gold:pandalm-test/data.jsonl", annotators="annotator_labels")
    suite = load_suite(str(path), gold_root=gold_root)
    assert len(suite.items) == 999
    assert set(suite.gold.values()) <= {"A", "B", "tie"}
    assert all(len(v) == 3 for v in suite.annotators.values())
    assert str(gold_root / "pandalm-test" / "data.jsonl") in suite.sources


def test_pointwise_gold_floats_are_normalized(tmp_path: Path) -> None:
    (tmp_path / "items.jsonl").write_text(
        '{"id": "a", "prompt": "p", "response": "r", "score": 4.0}\n', encoding="utf-8")
    (tmp_path / "s.yaml").write_text(
        "rubric: quality\nprompt: pointwise\nitems: items.jsonl\ngold: score\n", encoding="utf-8")
    suite = load_suite(str(tmp_path / "s.yaml"))
    assert suite.gold == {"a": "4"}
    assert [r.order for r in suite.renderer.requests(suite.items[0])] == ["single"]
