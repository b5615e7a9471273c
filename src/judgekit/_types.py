"""Plain values that flow through judgekit: items, requests, completions, verdicts, labels.

Everything here is a frozen dataclass: pure functions pass them around and tests build them
by hand. Pydantic is kept for the files users write (see ``_schema``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

Order = Literal["AB", "BA", "single"]
"""Presentation order: ``AB`` and ``BA`` for pairwise items, ``single`` for pointwise ones."""

Mode = Literal["verdict", "rationale"]
"""``verdict``: the judge answers with one label token. ``rationale``: JSON critique, then label."""


@dataclass(frozen=True)
class Message:
    """One chat message as sent to the judge."""

    role: Literal["system", "user", "assistant"]
    content: str

    def to_dict(self) -> dict[str, str]:
        """Return the OpenAI-style ``{"role", "content"}`` dict."""
        return {"role": self.role, "content": self.content}


@dataclass(frozen=True)
class Item:
    """One thing to judge: an id plus the fields its template reads (``prompt``, ``response``...).

    Attributes:
        id: Unique id within its suite.
        fields: Every column of the item row, by name (strings, numbers, lists).
        line: 1-based line (JSONL/CSV) or row (Parquet) of the item in its file.

    """

    id: str
    fields: Mapping[str, Any]
    line: int = 0


@dataclass(frozen=True)
class Sampling:
    """What the judge is asked to produce; part of the cache key.

    Attributes:
        mode: ``verdict`` (one label token, read from logprobs) or ``rationale``.
        labels: The allowed verdict labels; decoding is constrained to them where possible.
        max_tokens: Token budget (1 suffices for ``verdict`` mode).
        temperature: Sampling temperature; 0 is greedy.
        top_logprobs: How many alternatives to return per generated position.
        schema: A JSON schema (canonical JSON text) the output is constrained to instead of
            the verdict schema: a task that generates structured text (revise's
            ``{"critique", "revision"}``). Part of the cache key when set.

    """

    mode: Mode
    labels: tuple[str, ...]
    max_tokens: int = 1
    temperature: float = 0.0
    top_logprobs: int = 20
    schema: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict (stable key order) of the parameters."""
        out: dict[str, Any] = {
            "mode": self.mode,
            "labels": list(self.labels),
            "max_tokens": self.max_tokens,
            "temperature": self.temperature,
            "top_logprobs": self.top_logprobs,
        }
        if self.schema is not None:  # absent otherwise: cache keys of verdicts are unchanged
            out["schema"] = json.loads(self.schema)
        return out


@dataclass(frozen=True)
class Request:
    """One rendered prompt for one item in one order.

    Attributes:
        item_id: The item it judges.
        order: Presentation order.
        messages: Chat messages; shared parts (constitution, rubric) come first.
        sampling: What to generate.

    """

    item_id: str
    order: Order
    messages: tuple[Message, ...]
    sampling: Sampling

    def cache_key(self, model: str) -> str:
        """Return sha256 over (model, rendered messages, sampling parameters)."""
        blob = json.dumps(
            {
                "model": model,
                "messages": [m.to_dict() for m in self.messages],
                "sampling": self.sampling.to_dict(),
            },
            sort_keys=True,
            ensure_ascii=False,
        )
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Completion:
    """What a backend returned for one request.

    Attributes:
        text: The generated text.
        tokens: Generated tokens, in order (may be empty if the backend does not return them).
        top_logprobs: For each generated position, the top alternatives ``token -> logprob``.
        prompt_tokens: Prompt length in tokens, if known.
        error: Set when the backend could not produce output for this request (after any
            retries it is allowed); the label then records the error.

    """

    text: str
    tokens: tuple[str, ...] = ()
    top_logprobs: tuple[Mapping[str, float], ...] = ()
    prompt_tokens: int | None = None
    error: str | None = None

    def to_json(self) -> str:
        """Serialize for the completion cache."""
        return json.dumps(
            {
                "text": self.text,
                "tokens": list(self.tokens),
                "top_logprobs": [dict(d) for d in self.top_logprobs],
                "prompt_tokens": self.prompt_tokens,
                "error": self.error,
            },
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, blob: str) -> Completion:
        """Inverse of :meth:`to_json`."""
        d = json.loads(blob)
        return cls(
            text=d["text"],
            tokens=tuple(d.get("tokens") or ()),
            top_logprobs=tuple(d.get("top_logprobs") or ()),
            prompt_tokens=d.get("prompt_tokens"),
            error=d.get("error"),
        )


@dataclass(frozen=True)
class Verdict:
    """A parsed judgment, in the orientation the judge saw (``A`` = first shown).

    Attributes:
        label: The chosen label, or None when the output could not be read.
        probs: Probability of each allowed label, renormalized over the label space; None when
            the backend returned no logprobs.
        score: Pointwise only: probability-weighted expected score (or the label's value).
        rationale: Rationale mode only: the critique the judge wrote.
        error: Why the output could not be read; never silently replaced by a default.

    """

    label: str | None
    probs: Mapping[str, float] | None = None
    score: float | None = None
    rationale: str | None = None
    error: str | None = None


@dataclass(frozen=True)
class Label:
    """One stored judgment of one item in one order, with provenance.

    ``label`` and ``probs`` are in canonical orientation: for a ``BA`` judgment, the judge's
    "A" (first shown) is the item's ``response_b`` and is stored as ``B``. ``label_presented``
    keeps what the judge literally chose, for position-bias analysis.
    """

    item_id: str
    order: Order
    judge: str
    key: str
    label: str | None
    label_presented: str | None
    probs: Mapping[str, float] | None
    score: float | None
    rationale: str | None
    error: str | None
    raw: str
    extra: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON-ready export record."""
        return {
            "id": self.item_id,
            "order": self.order,
            "judge": self.judge,
            "verdict": self.label,
            "verdict_presented": self.label_presented,
            "probs": dict(self.probs) if self.probs is not None else None,
            "score": self.score,
            "rationale": self.rationale,
            "error": self.error,
            "raw": self.raw,
            "key": self.key,
            **({"extra": dict(self.extra)} if self.extra else {}),
        }
