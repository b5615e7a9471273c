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
