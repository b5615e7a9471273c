"""``judgekit run --engine-option KEY=VALUE``: vLLM engine settings from the command line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from judgekit._errors import JudgekitError
from judgekit.cli._engine import engine_options


def test_own_options_by_name_the_rest_to_vllm_and_values_as_json() -> None:
    got = engine_options(["tensor_parallel_size=2", "max_model_len=8192",
                          "gpu_memory_utilization=0.85", "enforce_eager=true",
                          "quantization=fp8", 'hf_overrides={"a": 1}', "seed=3", "seed=4"],
                         ["vllm:/models/qwen"])
    assert got == {"max_model_len": 8192, "enforce_eager": True, "seed": 4,
                   "engine_options": {"tensor_parallel_size": 2, "gpu_memory_utilization": 0.85,
                                      "quantization": "fp8", "hf_overrides": {"a": 1}}}
    assert engine_options([], ["fake"]) == {}
    assert engine_options(["kv_cache_gib=1"], ["fake", "embedded"]) == {"kv_cache_gib": 1}


@pytest.mark.parametrize(("pairs", "message"), [
    (["tensor_parallel_size"], "is not KEY=VALUE"),
    (["=2"], "is not KEY=VALUE"),
    (["tensor parallel=2"], "is not KEY=VALUE"),
])
def test_malformed_pairs_are_named(pairs: list[str], message: str) -> None:
    with pytest.raises(JudgekitError, match=message):
        engine_options(pairs, ["vllm:m"])


def test_cli_refuses_engine_options_without_a_vllm_judge(jk: Any, make_suite: Any,
                                                         tmp_path: Path) -> None:
    proc = jk("run", str(make_suite()), "--out", str(tmp_path / "run"), "--judge", "fake",
              "--engine-option", "tensor_parallel_size=2")
    assert proc.returncode != 0
    assert "--engine-option applies to vllm: and embedded judges" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "run").exists()
    proc = jk("run", str(make_suite()), "--out", str(tmp_path / "run"), "--judge", "embedded",
              "--engine-option", "tensor_parallel_size")
    assert proc.returncode != 0 and "is not KEY=VALUE" in proc.stderr
    assert "Traceback" not in proc.stderr
