"""The public deterministic fake judge, for tests, demos and fault injection.

Its "opinion" of a request is a pseudo-random distribution over the allowed labels seeded by
sha256(seed, messages): the same request always gets the same answer, across processes.
Fault injection knobs make it return transport errors or unreadable text on chosen requests.
A request whose sampling carries a JSON ``schema`` (as revise requests do) gets a JSON object
with every property the schema lists, filled deterministically from the same digest.
"""

from __future__ import annotations

import hashlib
import json
import json.encoder
import math
import time
from collections.abc import Sequence
from typing import Any

from judgekit._errors import BackendError
from judgekit._types import Completion, Message, Request


class FakeBackend:
    """Deterministic judge that needs no model.

    Args:
        seed: Changes every opinion (and therefore the model identity and cache keys).
        latency: Seconds slept per ``complete`` call (to make runs slow enough to kill).
        error_every: If > 0, every n-th request (by global count) gets a transport error.
        garbage_every: If > 0, every n-th request gets text outside the label space and
            no logprobs.

    """

    def __init__(
        self,
        seed: int = 0,
        *,
        latency: float = 0.0,
        error_every: int = 0,
        garbage_every: int = 0,
    ) -> None:
        self.seed = seed
        self.latency = latency
        self.error_every = error_every
        self.garbage_every = garbage_every
        self.calls = 0
        self.requests_seen = 0
        self._heads: dict[tuple[Message, ...], Any] = {}

    @property
    def model(self) -> str:
        """Model identity: ``fake:SEED``."""
        return f"fake:{self.seed}"

    def describe(self) -> dict[str, Any]:
        """Return the parameters for the manifest."""
        return {
            "kind": "fake",
            "seed": self.seed,
            "latency": self.latency,
            "error_every": self.error_every,
            "garbage_every": self.garbage_every,
        }

    def complete(self, requests: Sequence[Request]) -> list[Completion]:
        """Answer each request deterministically."""
        self.calls += 1
        if self.latency:
            time.sleep(self.latency)
        out = []
        for request in requests:
            self.requests_seen += 1
            n = self.requests_seen
            if self.error_every and n % self.error_every == 0:
                out.append(Completion(text="", error="injected transport error"))
            elif self.garbage_every and n % self.garbage_every == 0:
                out.append(Completion(text="I cannot decide.", tokens=("I",)))
            else:
                out.append(self._answer(request))
        return out

    def close(self) -> None:
        """Nothing to release."""

    def _digest(self, messages: Sequence[Message]) -> bytes:
        """sha256 of ``json.dumps([seed, [message dicts]], sort_keys=True)``: the opinion's seed.

        The part before the last message (the shared system message) is hashed once per
        distinct head and reused, so a request costs only the hashing of its last message.
        """
        if not messages:
            return hashlib.sha256(json.dumps([self.seed, []]).encode("utf-8")).digest()
        head = tuple(messages[:-1])
        state = self._heads.get(head)
        if state is None:
            if len(self._heads) >= _HEADS:
                self._heads.clear()
            text = "".join(f"{_message_json(m)}, " for m in head)
            state = self._heads[head] = hashlib.sha256(
                f"[{json.dumps(self.seed)}, [{text}".encode())
        h = state.copy()
        h.update(f"{_message_json(messages[-1])}]]".encode())
        return h.digest()

    def _answer(self, request: Request) -> Completion:
        labels = request.sampling.labels
        digest = self._digest(request.messages)
        schema = request.sampling.schema
        if schema:
            return _schema_answer(json.loads(schema), digest)
        n = len(labels)
        picks = list(digest[:n]) if n <= 32 else [digest[i % 32] for i in range(n)]  # sha256
        log_total = math.log(sum([_EXP[b] for b in picks]))
        logprobs = {lab: _WEIGHT[b] - log_total for lab, b in zip(labels, picks, strict=True)}
        best = labels[picks.index(max(picks))]  # the first most likely: weights grow with b
        if request.sampling.mode == "rationale":
            text = json.dumps({"rationale": f"Deterministic fake critique {digest[:4].hex()}.",
                               "verdict": best})
            prefix = text[: text.index('"verdict": "') + len('"verdict": "')]
            tokens: tuple[str, ...] = (prefix, best, '"}')
            top: tuple[dict[str, float], ...] = ({prefix: 0.0}, logprobs, {'"}': 0.0})
            return Completion(text=text, tokens=tokens, top_logprobs=top)
        return Completion(text=best, tokens=(best,), top_logprobs=(logprobs,))


_HEADS = 64
"""Distinct message heads (system messages) whose hash state a fake keeps."""
_WEIGHT = tuple(1.0 + b / 32.0 for b in range(256))
"""A label's weight (its unnormalized log-probability) from one byte of the digest."""
_EXP = tuple(math.exp(w) for w in _WEIGHT)
"""``exp`` of each weight, computed once (the same floats as computing them per request)."""


def _message_json(message: Message) -> str:
    """``json.dumps(message.to_dict(), sort_keys=True)``, spelled out."""
    return f'{{"content": {_ascii(message.content)}, "role": {_ascii(message.role)}}}'


_ascii = json.encoder.encode_basestring_ascii
"""What ``json.dumps`` does with a string (``ensure_ascii``), without its dispatch."""


def _schema_answer(schema: dict[str, Any], digest: bytes) -> Completion:
    """A JSON object with each property of ``schema``, filled from the request's digest.

    An enum member, a number, a flag, or ``"Deterministic fake NAME HEX."`` for a string.
    """
    value: dict[str, Any] = {}
    for i, (name, prop) in enumerate((schema.get("properties") or {}).items()):
        byte = digest[i % len(digest)]
        kind = prop.get("type") if isinstance(prop, dict) else None
        if isinstance(prop, dict) and prop.get("enum"):
            value[name] = prop["enum"][byte % len(prop["enum"])]
        elif kind in ("number", "integer"):
            value[name] = byte if kind == "integer" else round(byte / 255, 3)
        elif kind == "boolean":
            value[name] = byte % 2 == 0
        else:
            value[name] = f"Deterministic fake {name} {digest[:4].hex()}."
    text = json.dumps(value)
    return Completion(text=text, tokens=(text,), top_logprobs=({text: 0.0},))


def from_spec(rest: str, **options: Any) -> FakeBackend:
    """Build a fake from the part of the judge spec after ``fake:`` (an optional seed)."""
    seed = 0
    if rest:
        try:
            seed = int(rest)
        except ValueError as exc:
            raise BackendError(f"judge 'fake:{rest}': the seed must be an integer") from exc
    allowed = {"latency", "error_every", "garbage_every"}
    return FakeBackend(seed, **{k: v for k, v in options.items() if k in allowed})
