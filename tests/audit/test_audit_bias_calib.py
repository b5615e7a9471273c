"""Bias and calibration on synthetic labels with known properties; hand-computed ECE."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from judgekit import audit
from judgekit.auditing import AuditOptions, LabelColumns
from judgekit.auditing._calib import ece_value


def jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def gold_rows(n: int) -> list[dict[str, Any]]:
    rows = []
    for i in range(n):
        long_a = i % 2 == 0
        rows.append({"id": f"q{i}", "domain": "math" if i % 3 else "law",
                     "response_a": "x" * (50 if long_a else 10),
                     "response_b": "y" * (10 if long_a else 50),
                     "model_a": "gpt-4o" if i % 4 == 0 else "llama-3",
                     "model_b": "llama-3" if i % 4 == 0 else "mistral",
                     "human_label": "A" if i % 5 < 2 else "B",
                     "annotator_labels": ["A" if i % 5 < 2 else "B"] * 2 + ["tie"]})
    return rows


def test_always_first_judge_has_full_position_bias(tmp_path: Path) -> None:
    gold = jsonl(tmp_path / "gold.jsonl", gold_rows(200))
    # shown in both orders, always picks the first shown: canonical A on AB, B on BA
    labels = [{"id": f"q{i}", "order": o, "verdict": "A" if o == "AB" else "B"}
              for i in range(200) for o in ("AB", "BA")]
    d = audit(jsonl(tmp_path / "labels.jsonl", labels), gold,
              options=AuditOptions(replicates=200)).data
    pos = d["bias"]["position"]
    assert pos["p_first"]["judge"]["value"] == 1.0
    assert pos["p_first"]["gold"]["value"] == 0.5
    assert pos["consistency"]["value"] == 0.0 and pos["consistency"]["n"] == 200


def test_panel_counts_every_members_orders(tmp_path: Path) -> None:
    gold = jsonl(tmp_path / "gold.jsonl", gold_rows(60))
    # j1 always picks the first shown, j2 always the second, each in both orders
    labels = [{"id": f"q{i}", "order": o, "judge": name,
               "verdict": ("A" if o == "AB" else "B") if name == "j1" else
               ("B" if o == "AB" else "A")}
              for i in range(60) for name in ("j1", "j2") for o in ("AB", "BA")]
    d = audit(jsonl(tmp_path / "labels.jsonl", labels), gold,
              options=AuditOptions(judge="panel", replicates=50)).data
    assert d["inputs"]["labels"]["judge"] == "panel(j1, j2)"
    pos = d["bias"]["position"]
    assert pos["p_first"]["judge"]["value"] == 0.5
    assert pos["p_first"]["judge"]["n"] == 60 * 4
    assert pos["consistency"] is None  # a panel verdict has no order of its own


def test_longer_and_own_family_preference(tmp_path: Path) -> None:
    rows = gold_rows(200)
    gold = jsonl(tmp_path / "gold.jsonl", rows)
    # judge always picks the longer response
    labels = [{"id": r["id"], "verdict": "A" if len(r["response_a"]) > len(r["response_b"])
               else "B"} for r in rows]
    d = audit(jsonl(tmp_path / "l.jsonl", labels), gold,
              options=AuditOptions(judge_family="GPT-4", replicates=200)).data
    assert d["bias"]["length"]["p_longer"]["judge"]["value"] == 1.0
    human = np.mean([(r["human_label"] == "A") == (len(r["response_a"]) > len(r["response_b"]))
                     for r in rows])
    assert d["bias"]["length"]["p_longer"]["gold"]["value"] == pytest.approx(human)
    sp = d["bias"]["self_preference"]
    own = [r for r in rows if r["model_a"] == "gpt-4o"]  # only A is the judge's family
    assert sp["available"] and sp["p_own"]["judge"]["n"] == len(own)
    expect = np.mean([len(r["response_a"]) > len(r["response_b"]) for r in own])
    assert sp["p_own"]["judge"]["value"] == pytest.approx(expect)
    assert d["bias"]["position"]["available"] is False  # no order column: said, not faked


def test_ece_hand_computed() -> None:
    conf = np.array([0.95, 0.95, 0.65, 0.65, 0.65, 0.65])
    correct = np.array([1, 0, 1, 1, 1, 0])
    # bin 9: acc 0.5 vs 0.95 (2 items); bin 6: acc 0.75 vs 0.65 (4 items)
    assert ece_value(conf, correct) == pytest.approx((2 * 0.45 + 4 * 0.10) / 6)


def test_calibrated_judge_has_small_ece_and_overconfident_a_large_one(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    n = 4000
    rows = [{"id": f"i{i}", "human_label": "A" if i % 2 else "B"} for i in range(n)]
    gold = jsonl(tmp_path / "g.jsonl", rows)
    conf = rng.uniform(0.5, 1.0, n)
    right = rng.random(n) < conf
    labels = [{"id": r["id"], "verdict": r["human_label"] if ok else
               ("B" if r["human_label"] == "A" else "A"), "p": float(c)}
              for r, ok, c in zip(rows, right, conf, strict=True)]
    d = audit(jsonl(tmp_path / "l.jsonl", labels), gold, columns=LabelColumns(prob="p"),
              options=AuditOptions(replicates=200)).data
    assert d["calibration"]["ece"]["value"] < 0.04
    over = [{**lab, "p": 0.99} for lab in labels]
    d2 = audit(jsonl(tmp_path / "o.jsonl", over), gold, columns=LabelColumns(prob="p"),
               options=AuditOptions(replicates=200)).data
    assert d2["calibration"]["ece"]["value"] > 0.15
    bins = d2["calibration"]["bins"]
    assert bins[9]["n"] == n and bins[0]["n"] == 0


def test_sections_without_data_say_why(tmp_path: Path) -> None:
    rows = [{"id": f"i{i}", "human_score": i % 3} for i in range(30)]
    gold = jsonl(tmp_path / "g.jsonl", rows)
    labels = [{"id": f"i{i}", "verdict": (i + (i % 4 == 0)) % 3} for i in range(30)]
    d = audit(jsonl(tmp_path / "l.jsonl", labels), gold,
              options=AuditOptions(replicates=100)).data
    assert d["scale"] == "ordinal"
    assert d["calibration"] == {"available": False, "reason": "no probabilities with the labels"}
    assert d["ceiling"]["available"] is False and "annotators" in d["ceiling"]["reason"]
    assert d["bias"]["length"]["available"] is False
    assert d["bias"]["self_preference"]["available"] is False


def test_label_errors_are_counted_not_coerced(tmp_path: Path) -> None:
    gold = jsonl(tmp_path / "g.jsonl", gold_rows(20))
    labels = [{"id": f"q{i}", "verdict": None if i < 5 else "A"} for i in range(20)]
    d = audit(jsonl(tmp_path / "l.jsonl", labels), gold,
              options=AuditOptions(replicates=50)).data
    assert d["coverage"]["judge_errors"] == 5 and d["agreement"]["agreement"]["n"] == 15
    assert any("no readable judge verdict" in note for note in d["notes"])
