"""The openai backend against a real vLLM OpenAI-compatible server on 127.0.0.1 (started once
per session by the ``vllm_server`` fixture), labeling a slice of a real gold set."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from judgekit import load_suite, make_backend, run_suite
from judgekit.run import Store, item_verdicts

pytestmark = pytest.mark.engine


def distinct_requests(suite: Any, model: str) -> int:
    """Requests with distinct cache keys (identical ones are sent to the model once)."""
    return len({r.cache_key(model) for it in suite.items for r in suite.renderer.requests(it)})


def test_labels_gold_slice_in_both_orders(vllm_server: Any, pandalm_suite: Path,
                                          gold_root: Path, tmp_path: Path) -> None:
    suite = load_suite(str(pandalm_suite), gold_root=gold_root)
    backend = make_backend("openai:smollm2", base_url=vllm_server.base_url, concurrency=4)
    assert backend.model == "openai:smollm2"
    summary = run_suite(suite, [backend], tmp_path / "run", batch_size=8)
    backend.close()
    assert summary.judged == distinct_requests(suite, backend.model)  # repeats: asked once
    assert summary.judged + summary.cached == 16 and summary.errors == 0
    with Store(tmp_path / "run" / "labels.sqlite") as store:
        labels = list(store.labels())
        cached = store.cached([lab.key for lab in labels])
    assert {(lab.item_id, lab.order) for lab in labels} == {
        (it.id, o) for it in suite.items for o in ("AB", "BA")}
    for lab in labels:
        assert lab.error is None and lab.label in {"A", "B", "tie"}
        assert lab.probs is not None and sum(lab.probs.values()) == pytest.approx(1.0)
        comp = cached[lab.key]
        assert comp.prompt_tokens is not None and comp.prompt_tokens > 100
        assert len(comp.tokens) == 1 and comp.text == lab.label_presented
    verdicts = item_verdicts(labels)
    assert all(v.orders == 2 and v.consistent is not None for v in verdicts)


def test_rationale_mode_through_response_format(vllm_server: Any, pandalm_suite: Path,
                                                gold_root: Path, tmp_path: Path) -> None:
    suite = load_suite(str(pandalm_suite), gold_root=gold_root, limit=2, mode="rationale")
    backend = make_backend("openai:smollm2", base_url=vllm_server.base_url)
    summary = run_suite(suite, [backend], tmp_path / "run")
    backend.close()
    assert summary.errors == 0
    with Store(tmp_path / "run" / "labels.sqlite") as store:
        for lab in store.labels():
            assert json.loads(lab.raw)["verdict"] == lab.label_presented
            assert lab.rationale is not None and lab.probs is not None


def test_cli_run_with_an_openai_judge(jk: Any, vllm_server: Any, pandalm_suite: Path,
                                      gold_root: Path, tmp_path: Path) -> None:
    out = tmp_path / "run"
    proc = jk("run", str(pandalm_suite), "--judge", "openai:smollm2", "--base-url",
              vllm_server.base_url, "--concurrency", "2", "--limit", "3", "--out", str(out),
              "--gold-root", str(gold_root))
    assert proc.returncode == 0, proc.stderr
    text = " ".join(proc.stdout.split())
    assert "6 judgments" in text and "0 errors" in text, text
    proc = jk("export", str(out), "--format", "reward", "--gold-root", str(gold_root))
    assert proc.returncode == 0, proc.stderr
    rows = [json.loads(line) for line in proc.stdout.splitlines()]
    assert 1 <= len(rows) <= 3  # TRL reward pairs: a tie (if any) has no chosen side
    assert all(0.0 <= r["margin"] <= 1.0 and r["chosen"] != r["rejected"] for r in rows)
