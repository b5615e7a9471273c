"""Two orders without probabilities that disagree make a tie (MT-Bench's rule) where the label
space has one (a run's rubric; a label file's labels), and the report says how orders were
combined."""

from __future__ import annotations

import json
from pathlib import Path

from judgekit import audit


def test_disagreeing_orders_without_probabilities_are_a_tie(tmp_path: Path) -> None:
    verdicts = {"x": ("A", "B"), "y": ("A", "A"), "z": ("tie", "tie")}
    rows = [{"id": i, "order": o, "verdict": v} for i, pair in verdicts.items()
            for o, v in zip(("AB", "BA"), pair, strict=True)]
    labels = tmp_path / "labels.jsonl"
    labels.write_text("".join(json.dumps(r) + "\n" for r in rows))
    gold = tmp_path / "gold.jsonl"
    gold.write_text(json.dumps({"id": "x", "human_label": "tie"}) + "\n"
                    + json.dumps({"id": "y", "human_label": "A"}) + "\n"
                    + json.dumps({"id": "z", "human_label": "tie"}) + "\n")
    report = audit(str(labels), str(gold)).data
    assert report["agreement"]["agreement"]["value"] == 1.0  # x: tie == tie; y, z as labeled
    assert "MT-Bench" in report["orders_rule"]


def test_agreement_per_presentation_order_and_their_mean(tmp_path: Path) -> None:
    # AB always right; BA right on x and y only (w, v wrong): 4/4 and 2/4
    verdicts = {"x": ("A", "A"), "y": ("B", "B"), "w": ("A", "B"), "v": ("B", "A")}
    rows = [{"id": i, "order": o, "verdict": v} for i, pair in verdicts.items()
            for o, v in zip(("AB", "BA"), pair, strict=True)]
    labels = tmp_path / "labels.jsonl"
    labels.write_text("".join(json.dumps(r) + "\n" for r in rows))
    gold = tmp_path / "gold.jsonl"
    gold.write_text("".join(json.dumps({"id": i, "human_label": lab}) + "\n"
                            for i, lab in (("x", "A"), ("y", "B"), ("w", "A"), ("v", "B"))))
    by = audit(str(labels), str(gold)).data["agreement_by_order"]
    assert (by["AB"]["value"], by["BA"]["value"], by["mean"]["value"]) == (1.0, 0.5, 0.75)
    assert by["AB"]["n"] == by["BA"]["n"] == 4 and by["AB"]["ci"] is not None
    one_order = tmp_path / "ab.jsonl"
    one_order.write_text("".join(json.dumps(r) + "\n" for r in rows if r["order"] == "AB"))
    assert audit(str(one_order), str(gold)).data["agreement_by_order"] is None
