"""The OpenAI-style logprobs reader shared by the openai and langchain backends."""

from __future__ import annotations

from typing import Any

import pytest

from judgekit.backends._shared import openai_logprobs


def test_reads_tokens_and_alternatives() -> None:
    tokens, tops = openai_logprobs({"content": [
        {"token": "A", "logprob": -0.1,
         "top_logprobs": [{"token": "A", "logprob": -0.1}, {"token": "B", "logprob": -2.4}]},
        {"token": "!", "logprob": -0.5, "top_logprobs": []},
        {"token": "?"},
    ]})
    assert tokens == ("A", "!", "?")
    assert tops == ({"A": -0.1, "B": -2.4}, {"!": -0.5}, {})


@pytest.mark.parametrize("bad", [
    None, "text", {"content": "x"}, {"content": [None, 3, "A"]},
])
def test_malformed_containers_give_nothing(bad: Any) -> None:
    assert openai_logprobs(bad) == ((), ())


def test_malformed_alternatives_are_left_out_not_raised() -> None:
    tokens, tops = openai_logprobs({"content": [
        {"token": "A", "logprob": "NaN?",
         "top_logprobs": [{"logprob": -1.0}, {"token": "B", "logprob": "oops"},
                          {"token": "tie", "logprob": True}, "junk",
                          {"token": "A", "logprob": "-0.25"}]},
    ]})
    assert tokens == ("A",)
    assert tops == ({"A": -0.25},)


def test_a_sampling_that_brings_its_schema_is_constrained_to_it() -> None:
    import json

    from judgekit.backends import Sampling
    from judgekit.backends._shared import output_schema, response_format, verdict_schema
    from judgekit.backends.openai import OpenAIBackend

    own = {"type": "object", "properties": {"critique": {"type": "string"}},
           "required": ["critique"], "additionalProperties": False}
    custom = Sampling(mode="rationale", labels=("revised",), max_tokens=64,
                      schema=json.dumps(own, sort_keys=True))
    assert output_schema(custom) == ("output", own)
    rationale = Sampling(mode="rationale", labels=("A", "B"))
    assert output_schema(rationale) == ("verdict", verdict_schema(("A", "B")))
    assert output_schema(Sampling(mode="verdict", labels=("A", "B"))) is None
    fmt = response_format(custom)
    assert fmt is not None and fmt["json_schema"] == {"name": "output", "schema": own,
                                                      "strict": True}
    backend = OpenAIBackend("m", base_url="http://127.0.0.1:9")
    try:
        from judgekit import Request
        from judgekit.backends import Message

        body = backend.body(Request("x", "single", (Message("user", "hi"),), custom))
        assert body["response_format"] == fmt
    finally:
        backend.close()
