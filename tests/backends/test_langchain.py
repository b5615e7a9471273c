"""The langchain backend: the contract on LangChain's own fake chat models (text only, no
logprobs: exact-label parsing), and ``langchain:openai:MODEL`` (``ChatOpenAI`` from
langchain-openai) against the real vLLM server, with logprobs and structured outputs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from judgekit import BackendError, Request, load_suite, run_suite
from judgekit.backends import Message, Sampling
from judgekit.backends.langchain import LangChainBackend, from_spec
from judgekit.run import Store

fake_models = pytest.importorskip("langchain_core.language_models.fake_chat_models")

PAIR = Sampling(mode="verdict", labels=("A", "B", "tie"))


def distinct_requests(suite: Any, model: str) -> int:
    """Requests with distinct cache keys (identical ones are sent to the model once)."""
    return len({r.cache_key(model) for it in suite.items for r in suite.renderer.requests(it)})



def _req(i: int) -> Request:
    return Request(f"i{i}", "AB", (Message("system", "Judge."), Message("user", f"item {i}")),
                   PAIR)


def test_text_only_model_exact_labels_and_no_coercion(make_suite: Any, tmp_path: Path) -> None:
    chat = fake_models.FakeListChatModel(responses=["A", "tie", "B", "I prefer A", " b "])
    backend = LangChainBackend(chat, name="langchain:fake:list", concurrency=1)
    suite = load_suite(str(make_suite(limit=3)))
    summary = run_suite(suite, [backend], tmp_path / "run", batch_size=1)
    assert summary.judged == 6
    with Store(tmp_path / "run" / "labels.sqlite") as store:
        labels = {(lab.item_id, lab.order): lab for lab in store.labels()}
    ordered = [labels[(it.id, o)] for it in suite.items for o in ("AB", "BA")]
    assert [lab.label_presented for lab in ordered] == ["A", "tie", "B", None, "B", "A"]
    assert all(lab.probs is None for lab in ordered)
    assert ordered[3].error is not None and "unreadable verdict" in ordered[3].error
    assert summary.errors == 1


def test_provider_exception_becomes_an_errored_completion() -> None:
    class Down(fake_models.FakeListChatModel):  # type: ignore[misc,name-defined]
        def _call(self, *args: Any, **kwargs: Any) -> str:
            raise ConnectionError("provider unreachable")

    backend = LangChainBackend(Down(responses=["A"]), name="langchain:fake:down")
    comps = backend.complete([_req(0), _req(1)])
    assert [c.error for c in comps] == ["langchain: ConnectionError: provider unreachable"] * 2


def test_openai_style_logprobs_are_read_and_none_are_made_up() -> None:
    from langchain_core.messages import AIMessage

    from judgekit.backends.langchain import to_completion

    meta = {"logprobs": {"content": [
        {"token": "A", "logprob": -0.2,
         "top_logprobs": [{"token": "A", "logprob": -0.2}, {"token": "B", "logprob": -1.8}]},
        {"token": "x", "logprob": -0.5, "top_logprobs": []},
        {"token": "y"},
    ]}}
    comp = to_completion(AIMessage(content="Axy", response_metadata=meta))
    assert comp.tokens == ("A", "x", "y")
    assert comp.top_logprobs == ({"A": -0.2, "B": -1.8}, {"x": -0.5}, {})


def test_spec_errors_are_clear() -> None:
    with pytest.raises(BackendError, match="PROVIDER:MODEL"):
        from_spec("gpt-4o")
    with pytest.raises(BackendError, match=r"integration package|could not build"):
        from_spec("nosuchprovider:model")


@pytest.mark.engine
def test_chat_openai_against_the_real_server(vllm_server: Any, pandalm_suite: Path,
                                             gold_root: Path, tmp_path: Path) -> None:
    pytest.importorskip("langchain_openai")
    backend = from_spec("openai:smollm2", base_url=vllm_server.base_url, api_key="unused",
                        structured_outputs=True, concurrency=4)
    assert backend.logprobs is True and backend.model == "langchain:openai:smollm2"
    suite = load_suite(str(pandalm_suite), gold_root=gold_root, limit=3)
    summary = run_suite(suite, [backend], tmp_path / "run")
    assert summary.errors == 0 and summary.judged + summary.cached == 6
    assert summary.judged == distinct_requests(suite, backend.model)
    with Store(tmp_path / "run" / "labels.sqlite") as store:
        for lab in store.labels():
            assert lab.label in {"A", "B", "tie"}
            assert lab.probs is not None and sum(lab.probs.values()) == pytest.approx(1.0)
