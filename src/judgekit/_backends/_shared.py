"""Pieces every backend shares that import no model library."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


def verdict_schema(labels: Sequence[str]) -> dict[str, Any]:
    """The JSON schema rationale mode is constrained to: critique first, then one label."""
    return {
        "type": "object",
        "properties": {
            "rationale": {"type": "string"},
            "verdict": {"type": "string", "enum": list(labels)},
        },
        "required": ["rationale", "verdict"],
        "additionalProperties": False,
    }


def openai_logprobs(logprobs: Any) -> tuple[tuple[str, ...], tuple[dict[str, float], ...]]:
    """Generated tokens and per-position top logprobs from an OpenAI-style ``logprobs`` object.

    ``{"content": [{"token", "logprob", "top_logprobs": [{"token", "logprob"}]}]}`` as
    chat-completions servers (and LangChain's ``response_metadata``) return it. A position
    without alternatives keeps its own token's logprob; one without any logprob gets an empty
    mapping: no probability is made up.
    """
    content = logprobs.get("content") if isinstance(logprobs, Mapping) else None
    tokens: list[str] = []
    tops: list[dict[str, float]] = []
    for pos in content or []:
        token = str(pos.get("token", ""))
        top = {str(alt["token"]): float(alt["logprob"])
               for alt in (pos.get("top_logprobs") or []) if alt.get("logprob") is not None}
        if not top and pos.get("logprob") is not None:
            top = {token: float(pos["logprob"])}
        tokens.append(token)
        tops.append(top)
    return tuple(tokens), tuple(tops)
