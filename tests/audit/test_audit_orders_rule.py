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
