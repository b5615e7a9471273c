"""Each converter on a small hand-written upstream-format sample: the README normalisation."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest

from judgekit.gold import convert, convert_rows, gold_sets

from . import samples
from .samples import SAMPLES, sample_set


def rows(name: str, files: dict[str, bytes] | None = None) -> list[dict[str, Any]]:
    files = files if files is not None else SAMPLES[name]()
    got: list[dict[str, Any]] = convert_rows(sample_set(name, files, items=0), files)
    return got


def swapped(name: str, item_id: str) -> bool:
    """The README's rule, written out again here so the test does not trust the code."""
    return int(hashlib.sha256(f"{name}:{item_id}".encode()).hexdigest()[:8], 16) % 2 == 1


def test_every_registry_set_has_a_sample_and_a_converter() -> None:
    assert sorted(SAMPLES) == [g.name for g in gold_sets()]
    for name in SAMPLES:
        assert rows(name), name


def test_llmbar_keeps_source_order_and_names_the_subset() -> None:
    got = rows("llmbar")
    assert [r["id"] for r in got] == ["llmbar-natural-0000", "llmbar-natural-0001",
                                      "llmbar-adversarial-gptout-0000"]
    assert [r["human_label"] for r in got] == ["A", "B", "A"]
    assert got[2]["subset"] == "Adversarial/GPTOut"
    assert got[1]["response_b"] == "hi" and not any(r["swapped_from_source_order"] for r in got)
    assert got[0]["source"].endswith("@900616bff90b:Dataset/LLMBar/Natural/dataset.json[0]")


def test_hh_rlhf_splits_at_the_last_turn_drops_mismatches_and_swaps_by_rule() -> None:
    got = rows("hh-rlhf-harmless-base-test")
    assert [r["id"] for r in got] == ["hh-harmless-test-00000", "hh-harmless-test-00002"]
    first = got[0]
    assert first["prompt"] == "Human: How do I boil an egg?\n\nAssistant: In water?\n\nHuman: yes"
    assert first["swapped_from_source_order"] == swapped("hh-rlhf-harmless-base-test",
                                                         first["id"])
    chosen = "Put it in boiling water for 8 minutes."
    side = "response_b" if first["swapped_from_source_order"] else "response_a"
    assert first[side] == chosen and first["human_label"] == side[-1].upper()
    assert got[1]["quality_flags"] == ["empty_response"]
    assert got[1]["source"].endswith("test.jsonl.gz#L3")
    assert list(got[1])[-2:] == ["quality_flags", "source"]


def test_pandalm_majority_prompt_and_boolean_responses() -> None:
    a, b = rows("pandalm-test")
    assert a["prompt"] == "Answer briefly.\n\nIs water wet?" and b["prompt"] == "Answer briefly."
    assert a["human_label"] == "A" and a["annotator_labels"] == ["A", "A", "B"]
    assert b["human_label"] == "tie" and b["response_a"] == "true"
    assert b["quality_flags"] == ["empty_response"] and a["models"] == "m1_m2"
    assert a["source"].endswith("testset-v1.json[idx=0]")


def test_judgebench_labels_and_domains() -> None:
    got = {r["id"]: r for r in rows("judgebench")}
    assert {k: r["domain"] for k, r in got.items()} == {
        "p1": "computer_science", "p2": "math", "p3": "medicine", "p4": "code"}
    assert [r["human_label"] for r in got.values()] == ["A", "B", "A", "B"]
    assert got["p3"]["source"].endswith("claude-3-5-sonnet-20240620.jsonl#L1")
    assert got["p1"]["label_type"] == "objective_correctness"


def test_judgebench_flags_identical_responses_with_a_non_tie_label() -> None:
    files = samples.judgebench()
    path = next(iter(files))
    rec = json.loads(files[path].splitlines()[0])
    rec["response_B"] = rec["response_A"]
    files = {path: (json.dumps(rec) + "\n").encode()}
    [row] = convert_rows(sample_set("judgebench", files, items=0), files)
    assert row["quality_flags"] == ["identical_responses_nontie_label"]


def test_hhh_extracts_instruction_and_response_and_swaps_by_rule() -> None:
    got = rows("hhh-alignment")
    assert [r["id"] for r in got] == ["hhh-harmless-000", "hhh-honest-001", "hhh-other-002"]
    assert [r["domain"] for r in got] == ["safety", "honesty", "general"]
    for row, chosen in zip(got, ["No.", "No, an AI.", "4"], strict=True):
        swap = swapped("hhh-alignment", row["id"])
        assert row["swapped_from_source_order"] == swap
        assert row["response_b" if swap else "response_a"] == chosen
        assert row["human_label"] == ("B" if swap else "A")
    assert got[1]["prompt"] == "Are you human?"


def test_hhh_refuses_sides_with_different_instructions() -> None:
    files = samples.hhh_alignment(mismatched=True)
    with pytest.raises(ValueError, match=r"hhh_alignment_eval.json\[1\]"):
        convert_rows(sample_set("hhh-alignment", files, items=0), files)


def test_codeprefbench_deshuffles_votes_to_the_gt_side() -> None:
    a, b = rows("codeprefbench-human")
    assert a["human_label"] == "B" and a["annotator_labels"] == ["B", "tie", "B"]
    assert a["raw_annotations_presentation_order"] == ["codeA", "Tie", "codeA"]
    assert b["human_label"] == "A" and b["annotator_labels"] == ["A", "A", "A"]
    assert a["response_b"] == "def add(a,b): return a+b"


def test_kqa_one_row_per_statement_with_three_physicians() -> None:
    a, b = rows("kqa-physician-nli")
    assert a["response"] == "Mostly,\nwith care." and a["criteria"] == ["Aspirin can cause "
                                                                         "bleeding"]
    assert a["annotator_scores"] == ["Neutral", "Entailment", "Neutral"]
    assert b["human_score"] == "Contradiction" and b["criterion_type"] == "Nice_to_have"
    assert b["source"].endswith("NLI_medical_annotator.csv[row 1]")


def test_dices_joins_expert_and_crowd_by_id() -> None:
    a, b = rows("dices-350-safety")
    assert (a["id"], a["human_score"], a["crowd_majority"]) == ("dices350-12", "unsafe", "safe")
    assert b["annotator_scores"] == ["safe", "unsure", "unsafe"]
    assert b["source"].endswith("dices_350_crowdsourced.json (id 3)")


def test_conala_one_row_per_system_with_graders() -> None:
    got = rows("conala-human-grades")
    assert [r["response_model"] for r in got] == list(samples.SYSTEMS)
    assert [r["human_score"] for r in got] == [0, 0, 3, 2, 4]
    assert got[2]["annotator_scores"] == [3, 2] and got[2]["annotator_ids"] == ["grader1",
                                                                                "grader7"]
    assert got[0]["reference_answer"] == "xs[::-1]\nlist(reversed(xs))"
    assert got[1]["quality_flags"] == ["empty_response"] and "quality_flags" not in got[0]


def test_roscoe_groups_steps_into_solutions_and_ignores_style_labels() -> None:
    got = rows("roscoe-gsm8k-steps")
    assert [r["id"] for r in got] == ["roscoe-gsm8k-step-000-01", "roscoe-gsm8k-step-000-02",
                                      "roscoe-gsm8k-step-001-01"]
    assert [r["human_score"] for r in got] == ["no", "no", "yes"]  # grammar is style
    assert got[0]["step_labels"]["grammar"] == "yes"
    assert got[0]["reference_solution"] == "Work it out.\nA: x"
    assert got[2]["step_text"] == "4 * 2 = 9" and got[2]["response"].endswith("A: 9")
    assert got[2]["source"].endswith("roscoe-gsm8k-stepwise.json[3]")


def test_jsonl_keeps_non_ascii_and_ends_every_line() -> None:
    files = {"Dataset/LLMBar/Natural/dataset.json": json.dumps(
        [{"input": "½ café", "output_1": "é", "output_2": "e", "label": 1}]).encode()}
    data = convert(sample_set("llmbar", files, items=0), files)
    assert "½ café" in data.decode() and data.endswith(b"\n") and data.count(b"\n") == 1
