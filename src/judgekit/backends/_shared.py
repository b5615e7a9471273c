"""Pieces every backend shares that import no model library."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from judgekit._types import Sampling


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


def output_schema(sampling: Sampling) -> tuple[str, dict[str, Any]] | None:
    """The JSON schema a request's output is constrained to, and its name, or None.

    The sampling's own schema when it brings one, else the verdict schema in rationale mode;
    verdict mode is constrained to the label choice instead.
    """
    if sampling.schema is not None:
        schema: dict[str, Any] = json.loads(sampling.schema)
        return "output", schema
    if sampling.mode == "rationale":
        return "verdict", verdict_schema(sampling.labels)
    return None


def response_format(sampling: Sampling) -> dict[str, Any] | None:
    """The OpenAI-style ``response_format`` for a request's structured output, or None."""
    found = output_schema(sampling)
    if found is None:
        return None
    name, schema = found
    return {"type": "json_schema", "json_schema": {"name": name, "schema": schema,
                                                   "strict": True}}


def openai_logprobs(logprobs: Any) -> tuple[tuple[str, ...], tuple[dict[str, float], ...]]:
    """Generated tokens and per-position top logprobs from an OpenAI-style ``logprobs`` object.

    ``{"content": [{"token", "logprob", "top_logprobs": [{"token", "logprob"}]}]}`` as
    chat-completions servers (and LangChain's ``response_metadata``) return it. A position
    without alternatives keeps its own token's logprob; one without any logprob gets an empty
    mapping: no probability is made up.

    Malformed entries (not an object, no token, a logprob that is not a number) are left out
    rather than failing the whole batch; the parser then reports an unreadable verdict for that
    request alone if nothing usable remains.
    """
    content = logprobs.get("content") if isinstance(logprobs, Mapping) else None
    tokens: list[str] = []
    tops: list[dict[str, float]] = []
    for pos in content if isinstance(content, list) else []:
        if not isinstance(pos, Mapping):
            continue
        token = str(pos.get("token", ""))
        top: dict[str, float] = {}
        alternatives = pos.get("top_logprobs")
        for alt in alternatives if isinstance(alternatives, list) else []:
            lp = _number(alt.get("logprob")) if isinstance(alt, Mapping) else None
            if lp is not None and isinstance(alt.get("token"), str):
                top[alt["token"]] = lp
        own = _number(pos.get("logprob"))
        if not top and own is not None:
            top = {token: own}
        tokens.append(token)
        tops.append(top)
    return tuple(tokens), tuple(tops)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        return float(value)
    except ValueError:
        return None
