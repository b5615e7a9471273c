"""Faults on the HTTP path: injected 500s, 429s, 400s, timeouts and dropped connections, and a
real vLLM server killed mid-run and restarted. Every item ends labeled or explicitly errored,
retries are bounded, and a resumed run completes the rest.

The unit tests at the top use ``httpx.MockTransport`` (fast, no model); the ``engine`` tests put
a fault-injecting proxy in front of the real server, or kill the real server.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from judgekit import Request, make_backend, run_suite
from judgekit.backends import Message, Sampling
from judgekit.backends.openai import OpenAIBackend
from judgekit.run import Store

PAIR = Sampling(mode="verdict", labels=("A", "B", "tie"))


def _request(i: int, sampling: Sampling = PAIR) -> Request:
    return Request(f"it{i}", "AB", (Message("system", "Judge."), Message("user", f"Item {i}")),
                   sampling)


def _ok(labels: list[str]) -> dict[str, Any]:
    top = [{"token": lab, "logprob": -0.1 * (k + 1)} for k, lab in enumerate(labels)]
    return {"choices": [{"message": {"content": labels[0]},
                         "logprobs": {"content": [{"token": labels[0], "logprob": -0.1,
                                                   "top_logprobs": top}]}}],
            "usage": {"prompt_tokens": 42}}


def _backend(handler: Any, **kw: Any) -> OpenAIBackend:
    options: dict[str, Any] = {"base_url": "http://judge.test/v1", "backoff": 0.001,
                               "backoff_max": 0.002, "max_attempts": 3, "concurrency": 4,
                               **kw}
    return OpenAIBackend("m", transport=httpx.MockTransport(handler), **options)


def test_body_passes_logprobs_and_structured_outputs_through() -> None:
    seen: list[dict[str, Any]] = []

    def handler(req: httpx.Request) -> httpx.Response:
        seen.append(json.loads(req.content))
        return httpx.Response(200, json=_ok(["A", "B", "tie"]))

    backend = _backend(handler)
    rationale = Sampling(mode="rationale", labels=("A", "B"), max_tokens=256)
    got = backend.complete([_request(0), _request(1, rationale)])
    backend.close()
    verdict_body, rationale_body = sorted(seen, key=lambda b: b["max_tokens"])
    assert verdict_body["logprobs"] is True and verdict_body["top_logprobs"] == 20
    assert verdict_body["structured_outputs"] == {"choice": ["A", "B", "tie"]}
    assert verdict_body["temperature"] == 0.0 and verdict_body["max_tokens"] == 1
    schema = rationale_body["response_format"]["json_schema"]["schema"]
    assert schema["properties"]["verdict"]["enum"] == ["A", "B"]
    assert "structured_outputs" not in rationale_body
    assert got[0].top_logprobs[0] == {"A": -0.1, "B": -0.2, "tie": pytest.approx(-0.3)}
    assert got[0].prompt_tokens == 42 and got[0].tokens == ("A",)


@pytest.mark.parametrize(("status", "retried"), [(500, True), (502, True), (503, True),
                                                 (429, True), (400, False), (404, False)])
def test_retry_only_transport_429_and_5xx(status: int, retried: bool) -> None:
    calls = {"n": 0}

    def handler(req: httpx.Request) -> httpx.Response:
        calls["n"] += 1
        return httpx.Response(status, json={"error": "injected"})

    backend = _backend(handler)
    [comp] = backend.complete([_request(0)])
    backend.close()
    assert comp.error is not None
    assert calls["n"] == (3 if retried else 1)
    assert ("gave up after 3 attempts" in comp.error) == retried
    assert f"HTTP {status}" in comp.error


def test_transport_errors_are_retried_then_succeed() -> None:
    calls = {"n": 0}

    def handler(req: httpx.Request) -> httpx.Response:
        calls["n"] += 1
        if calls["n"] == 1:
            raise httpx.ConnectError("refused", request=req)
        if calls["n"] == 2:
            raise httpx.ReadTimeout("slow", request=req)
        return httpx.Response(200, json=_ok(["B", "A"]))

    backend = _backend(handler, concurrency=1)
    [comp] = backend.complete([_request(0)])
    backend.close()
    assert comp.error is None and comp.text == "B" and calls["n"] == 3


def test_malformed_answers_are_explicit_errors_not_retried() -> None:
    calls = {"n": 0}

    def handler(req: httpx.Request) -> httpx.Response:
        calls["n"] += 1
        if b"Item 0" in req.content:
            return httpx.Response(200, text="<html>proxy page</html>")
        return httpx.Response(200, json={"choices": []})

    backend = _backend(handler)
    comps = backend.complete([_request(0), _request(1)])
    backend.close()
    assert "non-JSON" in (comps[0].error or "")
    assert "no choices" in (comps[1].error or "")
    assert calls["n"] == 2


def test_request_errors_that_are_not_retried_stay_with_their_request() -> None:
    def handler(req: httpx.Request) -> httpx.Response:
        if b"Item 1" in req.content:
            raise httpx.DecodingError("broken gzip body", request=req)
        return httpx.Response(200, json=_ok(["A", "B"]))

    backend = _backend(handler)
    comps = backend.complete([_request(i) for i in range(3)])
    backend.close()
    assert [c.text for c in comps] == ["A", "", "A"]
    assert comps[1].error == "openai: DecodingError: broken gzip body"
    assert backend.attempts == 3  # not retried


def test_openai_spec_needs_base_url() -> None:
    from judgekit import BackendError

    with pytest.raises(BackendError, match="--base-url"):
        make_backend("openai:m")
    with pytest.raises(BackendError, match="served model name"):
        make_backend("openai:", base_url="http://x/v1")


# --- against the real vLLM server -------------------------------------------------------------

def _labels_ok(run: Path, n: int) -> None:
    with Store(run / "labels.sqlite") as store:
        labels = list(store.labels())
    assert len(labels) == n
    for lab in labels:
        assert lab.error is None, lab.error
        assert lab.label in {"A", "B", "tie"}
        assert lab.probs is not None and sum(lab.probs.values()) == pytest.approx(1.0)


@pytest.mark.engine
def test_injected_500s_then_success(fault_proxy: Any, distinct_suite: Any,
                                    tmp_path: Path) -> None:
    fault_proxy.plan = lambda attempt, hit: "500" if attempt == 1 else "ok"
    suite = distinct_suite(4)
    backend = make_backend("openai:smollm2", base_url=fault_proxy.base_url, backoff=0.01,
                           max_attempts=3, concurrency=4)
    summary = run_suite(suite, [backend], tmp_path / "run", batch_size=8)
    backend.close()
    assert summary.errors == 0 and summary.judged == 8
    assert fault_proxy.hits == 16 and fault_proxy.actions.count("500") == 8
    _labels_ok(tmp_path / "run", 8)


@pytest.mark.engine
def test_persistent_5xx_bounded_then_resume_completes(fault_proxy: Any, vllm_server: Any,
                                                     distinct_suite: Any,
                                                     tmp_path: Path) -> None:
    # requests 2, 4, 6, 8 meet a server that answers 503 forever; request 3 a dropped
    # connection forever; the others go through
    fault_proxy.plan = lambda attempt, index: "503" if index % 2 == 0 else (
        "drop" if index == 3 else "ok")
    suite = distinct_suite(4)
    backend = make_backend("openai:smollm2", base_url=fault_proxy.base_url, backoff=0.01,
                           max_attempts=2, concurrency=1)
    run = tmp_path / "run"
    first = run_suite(suite, [backend], run, batch_size=8)
    backend.close()
    assert first.errors == 5
    assert fault_proxy.hits == 3 + 5 * 2  # bounded: exactly max_attempts per failing request
    assert fault_proxy.actions.count("drop") == 2
    with Store(run / "labels.sqlite") as store:
        labels = list(store.labels())
    assert len(labels) == 8
    for lab in labels:  # each one labeled, or errored explicitly
        assert (lab.label is None) == (lab.error is not None)
        if lab.error:
            assert lab.error.startswith("backend: openai: gave up after 2 attempts")
    # resume straight on the server: only the errored requests are judged again
    direct = make_backend("openai:smollm2", base_url=vllm_server.base_url)
    second = run_suite(suite, [direct], run, batch_size=8)
    direct.close()
    assert second.judged == first.errors and second.errors == 0
    assert second.skipped == 8 - first.errors
    _labels_ok(run, 8)


@pytest.mark.engine
def test_timeouts_are_retried(fault_proxy: Any, distinct_suite: Any, tmp_path: Path) -> None:
    fault_proxy.plan = lambda attempt, hit: "sleep:6" if attempt == 1 else "ok"
    suite = distinct_suite(2)
    backend = make_backend("openai:smollm2", base_url=fault_proxy.base_url, backoff=0.01,
                           max_attempts=3, concurrency=4, timeout=3.0)
    summary = run_suite(suite, [backend], tmp_path / "run")
    backend.close()
    assert summary.errors == 0
    assert fault_proxy.actions.count("sleep:6") == 4 and fault_proxy.hits == 8
    _labels_ok(tmp_path / "run", 4)


@pytest.mark.engine
def test_server_killed_mid_run_and_restarted(vllm_server: Any, distinct_suite: Any,
                                             tmp_path: Path) -> None:
    suite = distinct_suite(8)
    n = 2 * len(suite.items)
    backend = make_backend("openai:smollm2", base_url=vllm_server.base_url, backoff=0.05,
                           max_attempts=3, concurrency=2)
    run = tmp_path / "run"

    def progress(done: int, total: int) -> None:
        if done == 4:  # after the first batch: the server crashes
            vllm_server.kill()

    try:
        first = run_suite(suite, [backend], run, batch_size=4, progress=progress)
    finally:
        backend.close()
        vllm_server.start()  # restart, for this test's resume and for later tests
    assert first.judged == n and first.errors == n - 4
    assert backend.attempts == 4 + (n - 4) * 3  # every failed request: exactly 3 attempts
    with Store(run / "labels.sqlite") as store:
        errors = [lab.error for lab in store.labels() if lab.error]
    assert len(errors) == n - 4
    assert all(e.startswith("backend: openai: gave up after 3 attempts: ") for e in errors)
    again = make_backend("openai:smollm2", base_url=vllm_server.base_url)
    second = run_suite(suite, [again], run)
    again.close()
    assert second.skipped == 4 and second.judged == n - 4 and second.errors == 0
    _labels_ok(run, n)
