"""The one structured completion of a revise request: ``{"critique", "revision"}``.

The judge answers each revise request with a JSON object constrained to
:data:`REVISION_SCHEMA`: the critique first (so the revision can follow from it), then the
revision. The request's :class:`~judgekit.backends.Sampling` carries the schema, so every
backend applies it and it is part of the request's cache key; :func:`parse_revision` reads
the answer and never coerces: an answer that is not such an object is an explicit error.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from judgekit._types import Completion, Sampling

REVISION_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"critique": {"type": "string"}, "revision": {"type": "string"}},
    "required": ["critique", "revision"],
    "additionalProperties": False,
}
"""The JSON schema a revise completion is constrained to: critique first, then revision."""

REVISED = "revised"
"""The label a readable revise completion is stored under (its one-label space)."""


def revise_sampling(max_tokens: int) -> Sampling:
    """The sampling of every revise request: greedy, no logprobs, :data:`REVISION_SCHEMA`.

    The schema travels on the sampling (canonical JSON text), so every backend constrains
    the output to it and it is part of each request's cache key.
    """
    return Sampling(mode="rationale", labels=(REVISED,), max_tokens=max_tokens,
                    temperature=0.0, top_logprobs=0,
                    schema=json.dumps(REVISION_SCHEMA, sort_keys=True))


@dataclass(frozen=True)
class Revision:
    """What one revise completion said.

    Attributes:
        critique: The critique, when the answer could be read.
        revision: The revised response, when the answer could be read.
        error: Why it could not be read (``backend: ...`` for a transport failure).

    """

    critique: str | None
    revision: str | None
    error: str | None = None


def parse_revision(completion: Completion) -> Revision:
    """Read a revise completion; an unreadable one is an explicit error, never a default.

    Args:
        completion: What the backend returned for a revise request.

    """
    if completion.error:
        return Revision(None, None, f"backend: {completion.error}")
    text = completion.text
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        if (text.lstrip().startswith("{") and not text.rstrip().endswith("}")
                and exc.msg != "Extra data"):
            return Revision(None, None, f"revise output is cut off after {len(text)} "
                            "characters: the answer ran past max_tokens (raise --max-tokens, "
                            "unless the judge is repeating itself)")
        return Revision(None, None, f"revise output is not JSON ({exc.msg}): {text[:80]!r}")
    if not isinstance(data, dict):
        return Revision(None, None, f"revise output is not a JSON object: {text[:80]!r}")
    critique, revision = data.get("critique"), data.get("revision")
    if isinstance(critique, str) and isinstance(revision, str):
        if not revision.strip():
            return Revision(critique, None, "revise output has an empty revision")
        return Revision(critique, revision)
    missing = [k for k, v in (("critique", critique), ("revision", revision))
               if not isinstance(v, str)]
    hint = ""
    if {"rationale", "verdict"} & set(data):
        hint = ("; the judge answered the rationale-mode schema: its backend does not apply "
                "the revise JSON schema (see docs/revise.md, 'Backends')")
    return Revision(None, None, f"revise output has no string {' or '.join(missing)} field"
                    f"{hint}")
