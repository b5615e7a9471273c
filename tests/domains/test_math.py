"""The built-in math domain: step review (ROSCOE GSM8K expert step labels, samples) and
multi-turn tutoring, run end to end through ``judgekit run`` / ``audit`` / ``export``."""

from __future__ import annotations

import json
import subprocess
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from judgekit import check, get_domain, load_suite
from judgekit.auditing._boot import Bootstrap
from judgekit.auditing._steps import audit_steps
from judgekit.cli._main import app
from judgekit.content import discover
from judgekit.content._files import load_model
from judgekit.content._schema import Rubric, Suite
from judgekit.run._verdict import token_label

runner = CliRunner()
JK = Callable[..., subprocess.CompletedProcess[str]]
GOLD_SUITES = {"math/roscoe-gsm8k-steps", "math/roscoe-gsm8k-steps-noref"}


def flat(text: str) -> str:
    return " ".join(text.split())


def test_registered_with_content_and_prompts_from_core() -> None:
    info = discover()["math"]
    assert info.distribution == "judgekit" and info.target == "judgekit.builtin:math"
    dom = get_domain("math")
    for kind in ("constitutions", "rubrics", "prompts", "suites"):
        assert dom.names(kind), kind
    for prompt in dom.names("prompts"):
        for role in ("system", "user"):
            text = (dom.prompts / prompt / f"{role}.j2").read_text(encoding="utf-8")
            assert text.startswith('{% extends "core/'), (prompt, role)
    for stem in dom.names("rubrics"):
        rubric = load_model(dom.rubrics / f"{stem}.yaml", Rubric)
        for lab in rubric.labels:  # the first character already decides
            assert token_label(lab[:1], rubric.labels) == lab, (stem, lab)
        if rubric.kind == "step":
            assert rubric.no_error == "correct"
            assert all(c.levels for c in rubric.criteria)  # anchors


def test_check_passes_without_gold(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    results = {r.target: r for r in check("math")}
    assert not [r for r in results.values() if r.status == "failed"], results
    assert {t for t, r in results.items() if r.status == "skipped"} == GOLD_SUITES
    assert results["math/sample-steps"].detail == "10 solutions, 36 steps, 36 prompts rendered"
    assert "6 multi-turn, up to 4 messages" in results["math/sample-chat"].detail


def test_sample_suites_are_labeled_as_written_for_judgekit() -> None:
    dom = get_domain("math")
    for stem in dom.names("suites"):
        if f"math/{stem}" in GOLD_SUITES:
            continue
        assert "not expert-labeled" in load_model(dom.suites / f"{stem}.yaml", Suite).provenance
        suite = load_suite(f"math/{stem}")
        units = {it.fields.get("solution_id", it.id) for it in suite.items}
        assert 6 <= len(units) <= 12 and len(suite.gold) == len(suite.items)
    kinds = load_suite("math/sample-step-kinds")
    assert Counter(kinds.gold.values())["correct"] == 22 and len(set(kinds.gold.values())) == 7


def test_roscoe_binds_the_expert_step_labels(gold_root: Path) -> None:
    suite = load_suite("math/roscoe-gsm8k-steps", gold_root=gold_root)
    items = list(suite.items)
    assert len(items) == 881 and len({it.fields["solution_id"] for it in items}) == 200
    assert Counter(suite.gold.values()) == {"correct": 645, "error": 236}
    assert items[0].id == "roscoe-gsm8k-step-000#1" and items[3].id == "roscoe-gsm8k-step-000#4"
    assert items[3].fields["steps_before"] == [it.fields["step_text"] for it in items[:3]]
    with_ref = suite.renderer.requests(items[1])[0].messages[1].content
    assert "<reference>" in with_ref and "<previous_steps>" in with_ref
    noref = load_suite("math/roscoe-gsm8k-steps-noref", gold_root=gold_root)
    plain = noref.renderer.requests(next(iter(noref.items)))[0].messages[1].content
    assert "<reference>" not in plain
    assert len(suite.annotators) == 881


def test_step_review_end_to_end_through_the_cli(tmp_path: Path) -> None:
    out = tmp_path / "steps"
    args = ["run", "math/sample-steps", "--judge", "fake", "--out", str(out)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "36 items x 1 judge(s), 36 judgments: 36 judged" in flat(result.stdout)
    again = runner.invoke(app, args)
    assert "36 already done" in flat(again.stdout)  # resumable, one label per step
    labels = tmp_path / "labels.jsonl"
    assert runner.invoke(app, ["export", str(out), "-o", str(labels)]).exit_code == 0
    records = [json.loads(line) for line in labels.read_text().splitlines()]
    assert {r["order"] for r in records} == {"single"} and len(records) == 36
    assert {r["id"].split("#")[0] for r in records} >= {"apples", "bus", "jacket"}
    assert {r["verdict"] for r in records} <= {"correct", "error"}
    audited = runner.invoke(app, ["audit", str(out), "--out", str(tmp_path / "report")])
    assert audited.exit_code == 0, audited.output
    report = json.loads((tmp_path / "report" / "report.json").read_text())
    assert "36 items" in flat(audited.stdout) and report
    steps = audit_steps(out, boot=Bootstrap(200))
    assert steps["solutions"] == 10 and steps["first_error"]["erroneous"] == 7
    assert 0 <= steps["error_class"]["f1"]["value"] <= 1


def test_multi_turn_end_to_end_through_the_cli(tmp_path: Path) -> None:
    for suite, n in (("math/sample-chat", 12), ("math/sample-chat-pointwise", 6)):
        out = tmp_path / suite.split("/")[1]
        result = runner.invoke(app, ["run", suite, "--judge", "fake", "--out", str(out)])
        assert result.exit_code == 0, result.output
        assert f"{n} judged" in flat(result.stdout)
        audited = runner.invoke(app, ["audit", str(out), "--out", str(tmp_path / f"r{n}")])
        assert audited.exit_code == 0, audited.output
    items = runner.invoke(app, ["export", str(tmp_path / "sample-chat"), "--format", "items"])
    assert len(items.stdout.splitlines()) == 6


def test_rendered_in_a_real_process(jk: JK) -> None:
    proc = jk("render", "math/sample-steps", "--item", "bus")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.count("order single") == 4
    chat = jk("render", "math/sample-chat", "--item", "area-injection")
    assert chat.returncode == 0 and chat.stdout.count("</turn>") == 6  # 3 turns x 2 orders


def test_multi_turn_preference_exports_keep_the_history(tmp_path: Path) -> None:
    from judgekit import export, load_suite, run_suite
    from judgekit.backends import FakeBackend

    suite = load_suite("math/sample-chat")
    run_suite(suite, FakeBackend(3), tmp_path / "chat")
    dpo, reward = tmp_path / "dpo.jsonl", tmp_path / "reward.jsonl"
    assert export(tmp_path / "chat", dpo, "dpo").written > 0
    export(tmp_path / "chat", reward, "reward")
    by_id = {it.id: it.fields for it in suite.items}
    for line in dpo.read_text(encoding="utf-8").splitlines():
        rec = json.loads(line)
        history = by_id[rec["id"]]["conversation"]
        assert [m["content"] for m in rec["prompt"]] == [m["content"] for m in history]
        assert rec["prompt"][-1]["role"] == "user"
        assert [m["role"] for m in rec["chosen"]] == ["assistant"] == \
            [m["role"] for m in rec["rejected"]]
        assert rec["chosen"][0]["content"] != rec["rejected"][0]["content"]
    for line in reward.read_text(encoding="utf-8").splitlines():
        assert isinstance(json.loads(line)["prompt"], list)
