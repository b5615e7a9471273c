"""Loading suites: references, items, gold, filters, and the sources hashed into a manifest."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from judgekit import ContentError, DataUnavailable, ReferenceNotFound, load_suite, run_suite

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
    assert info.value.path == path and info.value.where == "field 'items'"


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
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))  # no fetched copy either
    monkeypatch.setenv("JUDGEKIT_GOLD_FETCH", "never")
    monkeypatch.delenv("JUDGEKIT_GOLD_ROOT", raising=False)
    path = make_suite(items="gold:pandalm-test/data.jsonl")
    with pytest.raises(DataUnavailable) as info:
        load_suite(str(path))
    assert info.value.where == "field 'items'"
    assert "--gold-root" in (info.value.fix or "")
    assert "judgekit gold fetch pandalm-test" in (info.value.fix or "")


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


def _point(suite: Path, items: str) -> Path:
    """Rewrite the ``items:`` field of a suite made by ``make_suite``."""
    suite.write_text(suite.read_text(encoding="utf-8").replace(
        "items: items.jsonl", f"items: {json.dumps(items)}"), encoding="utf-8")
    return suite


def _outside(tmp_path: Path, pairwise: Rows) -> Path:
    """A valid items file that no suite below may read by a relative path."""
    secret = tmp_path / "private" / "secret.jsonl"
    secret.parent.mkdir()
    write = "".join(json.dumps(r) + "\n" for r in pairwise(2, prefix="secret"))
    secret.write_text(write, encoding="utf-8")
    return secret


@pytest.mark.parametrize("items", ["../../etc/passwd", "../private/secret.jsonl",
                                   "sub/../../private/secret.jsonl"])
def test_relative_items_path_may_not_leave_the_suite_folder(
        make_suite: MakeSuite, tmp_path: Path, pairwise: Rows, items: str) -> None:
    _outside(tmp_path, pairwise)
    path = _point(make_suite(), items)
    with pytest.raises(ContentError) as info:
        load_suite(str(path))
    err = info.value
    assert err.path == path and err.where == "field 'items'"
    assert repr(items) in err.problem and "outside the suite's folder" in err.problem
    assert "absolute path" in (err.fix or "")


def test_symlink_out_of_the_suite_folder_is_refused(
        make_suite: MakeSuite, tmp_path: Path, pairwise: Rows) -> None:
    secret = _outside(tmp_path, pairwise)
    path = _point(make_suite(), "link.jsonl")
    (path.parent / "link.jsonl").symlink_to(secret)
    with pytest.raises(ContentError, match="outside the suite's folder") as info:
        load_suite(str(path))
    assert info.value.where == "field 'items'"


def test_absolute_items_path_of_a_user_suite_is_read_and_recorded_resolved(
        make_suite: MakeSuite, tmp_path: Path, pairwise: Rows,
        monkeypatch: pytest.MonkeyPatch) -> None:
    secret = _outside(tmp_path, pairwise)
    path = _point(make_suite(), str(secret))
    monkeypatch.chdir(path.parent)
    suite = load_suite("suite.yaml")  # a relative path on the command line
    assert [i.id for i in suite.items] == ["secret0000", "secret0001"]
    assert suite.path == path.resolve() and suite.path.is_absolute()
    assert str(secret.resolve()) in suite.sources
    assert all(Path(p).is_absolute() and Path(p) == Path(p).resolve() for p in suite.sources)


def test_manifest_records_resolved_paths(make_suite: MakeSuite, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from judgekit.backends import FakeBackend

    path = make_suite()
    monkeypatch.chdir(path.parent)
    run_suite(load_suite("./suite.yaml", limit=1), [FakeBackend()], tmp_path / "run")
    manifest = json.loads((tmp_path / "run" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["suite_path"] == str(path.resolve())
    assert str(path.parent.resolve() / "items.jsonl") in manifest["sources_sha256"]


@pytest.mark.parametrize("items, problem", [
    ("../../../../etc/passwd", "outside the folders of domain 'escdom'"),
    ("../../outside.jsonl", "outside the folders of domain 'escdom'"),
    ("ABSOLUTE", "is absolute; a suite of domain 'escdom' may read only"),
    ("gold:../outside.jsonl", "outside the gold root"),
])
def test_plugin_suites_read_only_their_domain_and_the_gold_root(
        tmp_domain: Callable[..., Path], tmp_path: Path, pairwise: Rows, items: str,
        problem: str) -> None:
    rows = "".join(json.dumps(r) + "\n" for r in pairwise(2))
    (tmp_path / "outside.jsonl").write_text(rows, encoding="utf-8")
    (tmp_path / "gold").mkdir()
    items = items.replace("ABSOLUTE", str(tmp_path / "outside.jsonl"))
    suite = ("rubric: core/preference\nprompt: core/pairwise\n"
             f"items: {json.dumps(items)}\n")
    tmp_domain("escdom", {"suites/bad.yaml": suite, "suites/ok.yaml":
                          suite.replace(json.dumps(items), "items/ok.jsonl"),
                          "suites/items/ok.jsonl": rows,
                          "rubrics/data.jsonl": rows,
                          "suites/own.yaml": suite.replace(json.dumps(items),
                                                           "../rubrics/data.jsonl")})
    with pytest.raises(ContentError) as info:
        load_suite("escdom/bad", gold_root=tmp_path / "gold")
    err = info.value
    assert err.path is not None and err.path.name == "bad.yaml"
    assert err.where == "field 'items'" and problem in err.problem
    assert len(load_suite("escdom/ok").items) == 2
    assert len(load_suite("escdom/own").items) == 2  # anywhere in the domain's own folders


def test_a_bad_items_path_names_the_suite_and_its_field(jk: Any, make_suite: MakeSuite) -> None:
    path = _point(make_suite(), "../../etc/passwd")
    proc = jk("run", str(path), "--judge", "fake", "--out", str(path.parent / "run"))
    assert proc.returncode != 0 and "Traceback" not in proc.stderr + proc.stdout
    assert f"{path}, field 'items': items path '../../etc/passwd' leads to " in proc.stderr
    other = _point(make_suite(name="other"), "notes.txt")
    other.with_name("notes.txt").write_text("x", encoding="utf-8")
    with pytest.raises(ContentError, match=r"not a \.jsonl, \.csv or \.parquet file") as info:
        load_suite(str(other))
    assert info.value.where == "field 'items'"
