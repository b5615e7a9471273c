"""The report's ``steps`` section: a step review's figures, wired into ``judgekit audit``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from judgekit import audit
from judgekit.auditing import AuditOptions
from judgekit.auditing._boot import Bootstrap
from judgekit.auditing._steps import audit_steps


def test_step_review_run_gets_steps_section(tmp_path: Path, jk: Any) -> None:
    run = tmp_path / "run"
    assert jk("run", "math/sample-steps", "--judge", "fake", "--out", str(run)).returncode == 0
    res = jk("audit", str(run), "--out", str(tmp_path / "a"), "--replicates", "100")
    assert res.returncode == 0, res.stderr
    steps = json.loads((tmp_path / "a" / "report.json").read_text("utf-8"))["steps"]
    assert steps["no_error"] == "correct" and steps["steps"] == 36
    # the same figures as the step audit's own reader of the run
    direct = json.loads(json.dumps(audit_steps(run, boot=Bootstrap(100, 0))))
    for key in ("confusion", "solutions", "first_error", "error_class", "auroc", "agreement",
                "cohen_kappa"):
        assert steps[key] == direct[key], key


def test_labels_file_with_no_error_option(tmp_path: Path) -> None:
    gold = tmp_path / "gold.jsonl"
    gold.write_text("".join(json.dumps({"id": f"s{s}#{k}", "human_label": lab}) + "\n"
                            for s in range(3) for k, lab in
                            enumerate(["correct", "wrong", "correct"], 1)), encoding="utf-8")
    labels = tmp_path / "labels.csv"
    wrong_at = {0: 2, 1: 3, 2: 2}  # the judge's one wrong step per solution
    labels.write_text("id,verdict\n" + "".join(
        f"s{s}#{k},{'wrong' if k == wrong_at[s] else 'correct'}\n"
        for s in range(3) for k in (1, 2, 3)), encoding="utf-8")
    plain = audit(labels, gold, options=AuditOptions(replicates=0))
    assert "steps" not in plain.data
    rep = audit(labels, gold, options=AuditOptions(replicates=0, no_error="correct"))
    steps = rep.data["steps"]
    assert steps["confusion"] == {"tp": 2, "fp": 1, "fn": 1, "tn": 5}
    assert steps["first_error"]["accuracy"]["value"] == 2 / 3
    assert steps["auroc"] is None  # no probabilities
    # a no_error label outside the labels seen adds nothing
    other = audit(labels, gold, options=AuditOptions(replicates=0, no_error="ok"))
    assert "steps" not in other.data
