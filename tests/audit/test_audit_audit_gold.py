"""The gold an audit of a run joins, and the suite fields beside it (``_audit_gold``).

A field the gold file lacks is read from the run suite's items, streamed into columns: the
report must be the one a gold file holding every field gives, and the suite's own gold the
same again; the items are never held as rows nor the suite's gold as a mapping.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from judgekit import load_suite, run_suite
from judgekit._errors import ContentError
from judgekit.auditing import AuditOptions, audit
from judgekit.auditing._audit_gold import choose
from judgekit.backends import FakeBackend
from judgekit.content._items import ItemSource, LazyMapping
from judgekit.run import open_run

MODELS = ("gpt-4o", "llama-3", "claude")


def items(n: int) -> list[dict[str, Any]]:
    return [{"id": f"it{i:03d}", "prompt": f"What is {i} + {i}?",
             "response_a": f"It is {2 * i}." + " Sure." * (i % 4),
             "response_b": f"It is {2 * i + 1}.", "category": ["math", "code", ""][i % 3],
             "tags": [f"t{i % 2}", "all"], "model_a": MODELS[i % 3],
             "model_b": MODELS[(i + 1) % 3], "human_label": "AB"[i % 5 // 3] if i % 7 else
             "tie"} for i in range(n)]


def comparable(report: Any) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(json.dumps(report.data))
    for key in ("seconds", "created"):
        data.pop(key)
    data["inputs"].pop("gold")
    return data


@pytest.fixture
def run(tmp_path: Path, make_suite: Any) -> Any:
    suite = make_suite(items(60), slices=["category", "tags"])
    run_suite(load_suite(str(suite)), [FakeBackend()], tmp_path / "run")
    return open_run(tmp_path / "run")


def write(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_fields_from_the_suite_equal_fields_in_the_gold(tmp_path: Path, run: Any) -> None:
    opts = AuditOptions(replicates=50, judge_family="gpt")
    rows = items(60)
    full = audit(run, write(tmp_path / "full.jsonl", rows), options=opts)
    bare = audit(run, write(tmp_path / "bare.jsonl", [
        {"id": r["id"], "human_label": r["human_label"]} for r in rows]), options=opts)
    own = audit(run, options=opts)
    assert comparable(bare) == comparable(full) == comparable(own)
    data = own.data
    assert data["inputs"]["slices"] == ["category", "tags"]
    assert data["inputs"]["model_columns"] == ["model_a", "model_b"]
    assert data["bias"]["length"]["available"] and data["bias"]["self_preference"]["available"]
    shown = data["disagreements"]["items"]
    assert shown and all(it["prompt"] == next(r["prompt"] for r in rows if r["id"] == it["id"])
                         for it in shown)  # the texts shown are the suite items'


def test_items_stream_and_the_gold_mapping_is_never_built(tmp_path: Path, run: Any,
                                                          monkeypatch: pytest.MonkeyPatch
                                                          ) -> None:
    built: list[Any] = []
    real = LazyMapping._get

    def counted(self: LazyMapping[Any]) -> Any:
        built.append(self)
        return real(self)

    listed: list[Any] = []
    head = ItemSource.__getitem__

    def indexed(self: ItemSource, index: Any) -> Any:
        got = head(self, index)
        listed.append(self._all)
        return got

    monkeypatch.setattr(LazyMapping, "_get", counted)
    monkeypatch.setattr(ItemSource, "__getitem__", indexed)
    gold = write(tmp_path / "bare.jsonl", [{"id": r["id"], "human_label": "A"}
                                          for r in items(60)])
    for report in (audit(run, options=AuditOptions(replicates=0)),
                   audit(run, gold, options=AuditOptions(replicates=0))):
        assert report.data["coverage"]["matched"] == 60
    assert built == [] and listed and all(x is None for x in listed)


def test_a_suite_without_gold_is_named(tmp_path: Path, make_suite: Any) -> None:
    none = [{**r, "human_label": None} for r in items(6)]
    for name, suite in (("nogold", make_suite(items(6), name="nogold", gold=None)),
                        ("empty", make_suite(none, name="empty"))):
        run_suite(load_suite(str(suite)), [FakeBackend()], tmp_path / name / "run")
        with pytest.raises(ContentError, match="carry no gold labels") as err:
            audit(tmp_path / name / "run", options=AuditOptions(replicates=0))
        assert str(suite.resolve()) in str(err.value) and "--gold FILE" in str(err.value)


def test_choose_slices_and_models() -> None:
    keys = {"id", "domain", "tags", "model_a", "model_b", "response_model", "level"}
    assert choose(keys, ["level", "nope"], AuditOptions()) == (
        ["domain", "tags", "level"], ("model_a", "model_b"))
    assert choose({"response_model", "subset"}, [], AuditOptions()) == (
        ["subset"], ("response_model",))
    assert choose(keys, [], AuditOptions(slices=["x", "x"], model_columns=["m"])) == (
        ["x"], ["m"])


def test_errors_keep_their_order(tmp_path: Path, run: Any) -> None:
    """The gold is read first (memory), yet the labels' errors still come before its own."""
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"id": "it000", "human_label": "A"}\n{"id": \n', encoding="utf-8")
    with pytest.raises(ContentError, match="no labels of judge 'nobody'"):
        audit(run, broken, options=AuditOptions(judge="nobody", replicates=0))
    with pytest.raises(ContentError, match=r"broken\.jsonl"):
        audit(run, broken, options=AuditOptions(replicates=0))
    other = write(tmp_path / "other.jsonl", [{"id": "x1", "human_label": "A"}])
    with pytest.raises(ContentError, match=r"no item id in common with the gold \(.*other"):
        audit(run, other, options=AuditOptions(replicates=0))


def test_per_order_agreements_only_for_pairwise(tmp_path: Path, run: Any) -> None:
    rows = items(60)
    gold = write(tmp_path / "gold.jsonl", [{"id": r["id"], "human_label": r["human_label"]}
                                           for r in rows])
    pairwise = audit(run, gold, options=AuditOptions(replicates=20))
    by = pairwise.data["agreement_by_order"]
    assert set(by) == {"AB", "BA", "mean"} and by["AB"]["n"] == by["BA"]["n"] == 60
    forced = audit(run, gold, options=AuditOptions(replicates=20, scale="categorical"))
    assert "agreement_by_order" not in forced.data
