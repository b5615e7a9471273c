"""Step-level audit figures, checked against scikit-learn and a plain first-error loop."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sklearn.metrics import (
    accuracy_score,
    cohen_kappa_score,
    precision_recall_fscore_support,
    roc_auc_score,
)

from judgekit import RunError, load_suite, run_suite
from judgekit.auditing._boot import Bootstrap
from judgekit.auditing._steps import audit_steps, step_report
from judgekit.backends.fake import FakeBackend


def random_review(seed: int) -> tuple[list[str], list[bool | None], list[bool | None],
                                      list[float]]:
    rng = np.random.default_rng(seed)
    ids, judge, gold, p = [], [], [], []
    for s in range(60):
        for k in range(1, int(rng.integers(1, 8)) + 1):
            ids.append(f"sol-{s}#{k}")
            g = bool(rng.random() < 0.25)
            j = g if rng.random() < 0.7 else not g
            gold.append(None if rng.random() < 0.03 else g)
            judge.append(None if rng.random() < 0.03 else j)
            p.append(float(np.clip(0.6 * j + 0.4 * rng.random(), 0, 1)))
    ids.append("not-a-step")  # left out
    judge.append(True)
    gold.append(True)
    p.append(0.5)
    return ids, judge, gold, p


def first_error_reference(ids: list[str], judge: list[Any], gold: list[Any]) -> dict[str, Any]:
    sols: dict[str, list[tuple[int, Any, Any]]] = {}
    for i, j, g in zip(ids, judge, gold, strict=True):
        if "#" in i:
            s, k = i.rsplit("#", 1)
            sols.setdefault(s, []).append((int(k), j, g))
    hit = {True: [], False: []}  # gold has an error -> located correctly?
    for steps in sols.values():
        if any(j is None or g is None for _, j, g in steps):
            continue
        fj = min([k for k, j, _ in steps if j], default=0)
        fg = min([k for k, _, g in steps if g], default=0)
        hit[fg > 0].append(fj == fg)
    both = hit[True] + hit[False]
    a, b = np.mean(hit[True]), np.mean(hit[False])
    return {"accuracy": np.mean(both), "erroneous": a, "correct": b, "f1": 2 * a * b / (a + b),
            "n": len(both)}


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_step_figures_equal_sklearn(seed: int) -> None:
    ids, judge, gold, p = random_review(seed)
    rep = step_report(ids, judge, gold, p_error=p, boot=Bootstrap(300, seed))
    assert rep is not None
    keep = [n for n, i in enumerate(ids) if "#" in i and judge[n] is not None
            and gold[n] is not None]
    y_true = np.array([gold[n] for n in keep], dtype=int)
    y_pred = np.array([judge[n] for n in keep], dtype=int)
    prec, rec, f1, _ = precision_recall_fscore_support(y_true, y_pred, pos_label=1,
                                                       average="binary")
    assert rep["judged_steps"] == len(keep) and rep["steps"] == len(ids) - 1
    assert rep["agreement"]["value"] == pytest.approx(accuracy_score(y_true, y_pred))
    assert rep["cohen_kappa"]["value"] == pytest.approx(cohen_kappa_score(y_true, y_pred))
    assert rep["error_class"]["precision"]["value"] == pytest.approx(prec)
    assert rep["error_class"]["recall"]["value"] == pytest.approx(rec)
    assert rep["error_class"]["f1"]["value"] == pytest.approx(f1)
    scored = [n for n, i in enumerate(ids) if "#" in i and gold[n] is not None]
    assert rep["auroc"] == pytest.approx(roc_auc_score(
        [int(bool(gold[n])) for n in scored], [p[n] for n in scored]))
    ref = first_error_reference(ids, judge, gold)
    fe = rep["first_error"]
    assert fe["solutions"] == ref["n"] and fe["incomplete"] == 60 - ref["n"]
    assert fe["accuracy"]["value"] == pytest.approx(ref["accuracy"])
    assert fe["accuracy_erroneous"]["value"] == pytest.approx(ref["erroneous"])
    assert fe["accuracy_correct"]["value"] == pytest.approx(ref["correct"])
    assert fe["processbench_f1"]["value"] == pytest.approx(ref["f1"])
    for fig in (rep["agreement"], rep["error_class"]["f1"], fe["accuracy"]):
        lo, hi = fig["ci"]
        assert lo <= fig["value"] <= hi
    again = step_report(ids, judge, gold, p_error=p, boot=Bootstrap(300, seed))
    assert again == rep  # seeded


def test_hand_example_and_edge_cases() -> None:
    ids = ["a#1", "a#2", "a#3", "b#1", "b#2", "c#1", "c#3"]
    judge = [False, True, True, False, False, False, True]
    gold = [False, False, True, False, False, True, True]
    rep = step_report(ids, judge, gold, boot=Bootstrap(0))
    assert rep is not None
    assert rep["confusion"] == {"tp": 2, "fp": 1, "fn": 1, "tn": 3}
    # a: judge says step 2, gold step 3 (miss); b: both none (hit); c: steps 1..3 incomplete
    assert rep["first_error"]["solutions"] == 2 and rep["first_error"]["incomplete"] == 1
    assert rep["first_error"]["accuracy"] == {"value": 0.5, "ci": None}
    assert rep["first_error"]["accuracy_erroneous"]["value"] == 0.0
    assert rep["auroc"] is None  # no probabilities
    assert step_report(["x", "y"], [True, False], [True, True]) is None
    same = step_report(["a#1", "a#2"], [False, False], [False, False], boot=Bootstrap(0))
    assert same is not None and same["cohen_kappa"]["value"] is None  # one class: undefined
    assert same["error_class"]["precision"]["value"] is None


def test_audit_steps_of_a_run(tmp_path: Path) -> None:
    suite = load_suite("math/sample-steps")
    run_suite(suite, FakeBackend(), tmp_path / "run")
    rep = audit_steps(tmp_path / "run", boot=Bootstrap(100))
    assert rep["judge"] == "fake:0" and rep["no_error"] == "correct"
    assert rep["steps"] == 36 and rep["solutions"] == 10 and rep["first_error"]["solutions"] == 10
    assert sum(rep["confusion"].values()) == 36
    assert rep["gold_error_rate"] == pytest.approx(14 / 36)
    run_suite(suite, FakeBackend(seed=1), tmp_path / "run")
    with pytest.raises(RunError, match="name one"):
        audit_steps(tmp_path / "run")
    assert audit_steps(tmp_path / "run", judge="fake:1")["judge"] == "fake:1"


def test_audit_steps_reads_columns_and_equals_the_label_objects(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from judgekit.run import Run, Store

    suite = load_suite("math/sample-steps")
    run_suite(suite, FakeBackend(), tmp_path / "run")
    labels = Run(tmp_path / "run").labels()
    gold = suite.gold
    expected = step_report(
        [lab.item_id for lab in labels],
        [None if lab.label is None else lab.label != "correct" for lab in labels],
        [None if lab.item_id not in gold else gold[lab.item_id] != "correct" for lab in labels],
        p_error=[None if lab.probs is None or lab.label is None
                 else 1.0 - float(lab.probs.get("correct", 0.0)) for lab in labels],
        boot=Bootstrap(100))
    assert expected is not None and expected["auroc"] is not None  # probabilities were read

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a Label object was made")

    monkeypatch.setattr(Run, "labels", refuse)
    monkeypatch.setattr(Store, "labels", refuse)
    got = audit_steps(tmp_path / "run", boot=Bootstrap(100))
    assert got == {"judge": "fake:0", "no_error": "correct", **expected}
