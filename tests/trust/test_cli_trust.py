"""The trust commands as a user meets them: real files, the typer app, one real subprocess."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from judgekit.cli._main import app

from .conftest import write_labels

runner = CliRunner()


def _quiz(tmp_path: Path, n: int, right: int, domains: bool = False,
          conf: float | None = None) -> tuple[Path, Path]:
    gold = [{"id": f"q{i}", "human_label": "A" if i % 2 else "B",
             **({"domain": "law" if i < n // 2 else "medicine"} if domains else {})}
            for i in range(n)]
    (tmp_path / "gold.jsonl").write_text("".join(json.dumps(g) + "\n" for g in gold))
    labels = [g["human_label"] if i < right else ("B" if g["human_label"] == "A" else "A")
              for i, g in enumerate(gold)]
    path = write_labels(tmp_path / "labels.jsonl", [g["id"] for g in gold],
                        np.array(labels, dtype=object),
                        None if conf is None else np.full(n, conf))
    return path, tmp_path / "gold.jsonl"


def test_eighteen_of_twenty_fails_a_point_eight_gate_with_its_own_exit_code(
        tmp_path: Path) -> None:
    labels, gold = _quiz(tmp_path, 20, 18)
    res = runner.invoke(app, ["qualify", str(labels), "--gold", str(gold),
                              "--min-agreement", "0.8", "--json", str(tmp_path / "q.json")])
    assert res.exit_code == 3, res.output
    assert "lower bound 0.717 < 0.8" in " ".join(res.output.split())
    got = json.loads((tmp_path / "q.json").read_text())["judges"][0]
    assert got["n"] == 20 and got["agreed"] == 18 and not got["passed"]
    assert got["items_needed"] > 20


def test_a_good_judge_passes_and_slices_are_reported(tmp_path: Path) -> None:
    labels, gold = _quiz(tmp_path, 200, 196, domains=True)
    res = runner.invoke(app, ["qualify", str(labels), "--gold", str(gold),
                              "--min-agreement", "0.9", "--json", str(tmp_path / "q.json")])
    assert res.exit_code == 0, res.output
    slices = json.loads((tmp_path / "q.json").read_text())["slices"]
    assert [(s["name"], s["n"]) for s in slices] == [("judge [domain=law]", 100),
                                                      ("judge [domain=medicine]", 100)]
    strict = runner.invoke(app, ["qualify", str(labels), "--gold", str(gold),
                                 "--min-agreement", "0.97", "--strict-slices"])
    assert strict.exit_code == 3  # the slice with every error fails


@pytest.mark.parametrize(("option", "value"), [("--target", "1.5"), ("--delta", "0"),
                                                ("--target", "-0.2")])
def test_target_and_delta_outside_zero_one_are_named(tmp_path: Path, option: str,
                                                     value: str) -> None:
    labels, gold = _quiz(tmp_path, 20, 18)
    res = runner.invoke(app, ["escalate", str(labels), "--gold", str(gold), "--out",
                              str(tmp_path / "o"), option, value])
    assert res.exit_code == 1 and "Traceback" not in res.output
    assert f"{option} is {float(value)}" in res.output and "fix:" in res.output


def test_labels_without_confidence_from_one_judge_are_refused(tmp_path: Path) -> None:
    labels, gold = _quiz(tmp_path, 20, 18)
    res = runner.invoke(app, ["escalate", str(labels), "--gold", str(gold), "--out",
                              str(tmp_path / "o")])
    assert res.exit_code == 1
    assert "labels.jsonl" in res.output and "carry no confidence" in res.output
    assert "--prob-col" in res.output and "--judge a+b+c" in res.output


def test_calibration_gold_without_overlap_names_the_gold_file(tmp_path: Path) -> None:
    labels, _ = _quiz(tmp_path, 20, 18, conf=0.9)
    other = tmp_path / "other.jsonl"
    other.write_text(json.dumps({"id": "zz", "human_label": "A"}) + "\n")
    res = runner.invoke(app, ["escalate", str(labels), "--gold", str(other), "--out",
                              str(tmp_path / "o"), "--prob-col", "p"])
    assert res.exit_code == 1, res.output
    assert "other.jsonl" in res.output and "no labeled item has gold" in res.output


def test_several_prompt_variants_without_probabilities_give_a_vote_confidence(
        tmp_path: Path) -> None:
    rows = []
    rng = np.random.default_rng(0)
    gold = [{"id": f"i{i}", "human_label": "A" if i % 2 else "B"} for i in range(300)]
    for g in gold:
        for v in ("v1", "v2", "v3"):
            right = rng.uniform() < 0.8
            lab = g["human_label"] if right else ("B" if g["human_label"] == "A" else "A")
            rows.append({"id": g["id"], "verdict": lab, "judge": v})
    (tmp_path / "labels.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    (tmp_path / "gold.jsonl").write_text("".join(json.dumps(g) + "\n" for g in gold[:200]))
    res = runner.invoke(app, ["escalate", str(tmp_path / "labels.jsonl"), "--gold",
                              str(tmp_path / "gold.jsonl"), "--target", "0.8", "--out",
                              str(tmp_path / "o"), "--judge", "v1+v2+v3"])
    assert res.exit_code == 0, res.output
    trusted = [json.loads(x) for x in (tmp_path / "o" / "trusted.jsonl").read_text()
               .splitlines()]
    assert trusted and {t["confidence"] for t in trusted} <= {2 / 3, 1.0}
    assert {t["provenance"] for t in trusted} == {"judge:v1+v2+v3"}


def _jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(x) for x in path.read_text().splitlines() if x.strip()]


def test_three_commands_from_labels_to_final_set(
        tmp_path: Path, simulated: Callable[..., Any]) -> None:
    labels, cal, rows = simulated("pandalm-test", calibration=400)
    items = tmp_path / "items.jsonl"  # the texts the judge saw, for a labels file
    items.write_text("".join(json.dumps({k: r[k] for k in ("id", "prompt", "response_a",
                                                           "response_b")}) + "\n"
                             for r in rows))
    out = tmp_path / "esc"
    res = runner.invoke(app, ["escalate", str(labels), "--gold", str(cal), "--prob-col", "p",
                              "--items", str(items),
                              "--target", "0.9", "--out", str(out), "--screen", "20",
                              "--expert-minutes", "3", "--hourly-rate", "120"])
    assert res.exit_code == 0, res.output
    summary = json.loads((out / "trust.json").read_text())
    trusted, queue = _jsonl(out / "trusted.jsonl"), _jsonl(out / "queue.jsonl")
    assert summary["certified"] and summary["items"] == len(rows) - 400
    assert len(trusted) == summary["trusted"] and len(queue) == summary["escalated"] + 20
    assert summary["cost"]["expert_hours_saved"] == pytest.approx(len(trusted) * 3 / 60,
                                                                  abs=1e-3)
    gold = {r["id"]: r["human_label"] for r in rows}
    assert np.mean([t["label"] == gold[t["id"]] for t in trusted]) >= 0.9
    assert all(q["reason"] and "prompt" in q and "response_a" in q for q in queue)
    assert "Trust or escalate" in (out / "trust.html").read_text()
    # experts answer the queue: alice is always right, bob flips every third answer
    answers = []
    for n, q in enumerate(queue):
        truth = gold[q["id"]]
        answers.append({"id": q["id"], "label": truth, "annotator": "alice"})
        if n % 2 == 0:
            wrong = "A" if truth != "A" else "B"
            answers.append({"id": q["id"], "label": wrong if n % 3 == 0 else truth,
                            "annotator": "bob"})
    (tmp_path / "answers.csv").write_text(
        "id,label,annotator\n" + "".join(f"{a['id']},{a['label']},{a['annotator']}\n"
                                         for a in answers))
    res = runner.invoke(app, ["merge-experts", str(out), "--answers",
                              str(tmp_path / "answers.csv"), "--dpo", str(tmp_path / "dpo"),
                              "--reward", str(tmp_path / "reward.jsonl")])
    assert res.exit_code == 0, res.output
    final = _jsonl(out / "final.jsonl")
    provenance = {f["provenance"].split(":")[0] for f in final}
    assert provenance == {"gold", "judge", "expert"}
    assert len({f["id"] for f in final}) + len(_jsonl(out / "pending.jsonl")) == len(rows)
    experts = {e["name"]: e for e in json.loads((out / "experts.json").read_text())["experts"]}
    assert experts["expert:alice"]["agreement"] == 1.0 and experts["expert:alice"]["n"] == 20
    assert experts["expert:bob"]["agreement"] < 1.0
    dpo = _jsonl(tmp_path / "dpo")
    assert dpo and all(d["chosen"] != d["rejected"] and d["provenance"] for d in dpo)
    reward = _jsonl(tmp_path / "reward.jsonl")
    assert [{k: r[k] for k in ("prompt", "chosen", "rejected", "id")} for r in reward] == [
        {k: d[k] for k in ("prompt", "chosen", "rejected", "id")} for d in dpo]  # TRL pairs
    for r in reward:
        human = not r["provenance"].startswith("judge:")
        assert (r["margin"] == 1.0) if human else (-1.0 <= r["margin"] <= 1.0), r
    assert {r["provenance"].split(":")[0] for r in reward} >= {"expert", "judge"}


def test_no_certifiable_threshold_escalates_everything_and_says_how_much_gold(
        tmp_path: Path, simulated: Callable[..., Any]) -> None:
    labels, cal, rows = simulated("pandalm-test", calibration=60)
    out = tmp_path / "esc"
    res = runner.invoke(app, ["escalate", str(labels), "--gold", str(cal), "--prob-col", "p",
                              "--target", "0.9", "--out", str(out)])
    assert res.exit_code == 0, res.output
    summary = json.loads((out / "trust.json").read_text())
    assert not summary["certified"] and summary["trusted"] == 0
    assert summary["calibration_needed"] > 60
    assert "no threshold could be certified" in res.output
    assert len(_jsonl(out / "queue.jsonl")) == len(rows) - 60


def test_qualify_in_a_real_subprocess(tmp_path: Path, jk: Callable[..., Any]) -> None:
    labels, gold = _quiz(tmp_path, 20, 18)
    proc = jk("qualify", str(labels), "--gold", str(gold), "--min-agreement", "0.8")
    assert proc.returncode == 3, proc.stderr
    assert "lower bound 0.717 < 0.8 on 20 items" in proc.stdout
