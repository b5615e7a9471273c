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
import math
import time
from collections.abc import Sequence
from typing import Any

from judgekit._errors import BackendError
from judgekit._types import Completion, Request


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

    def _answer(self, request: Request) -> Completion:
        labels = request.sampling.labels
        digest = hashlib.sha256(
            json.dumps(
                [self.seed, [m.to_dict() for m in request.messages]], sort_keys=True
            ).encode("utf-8")
        ).digest()
        schema = request.sampling.schema
        if schema:
            return _schema_answer(json.loads(schema), digest)
        weights = [1.0 + digest[i % len(digest)] / 32.0 for i in range(len(labels))]
        total = sum(math.exp(w) for w in weights)
        logprobs = {lab: w - math.log(total) for lab, w in zip(labels, weights, strict=True)}
        best = max(labels, key=lambda lab: logprobs[lab])
        if request.sampling.mode == "rationale":
            text = json.dumps({"rationale": f"Deterministic fake critique {digest[:4].hex()}.",
                               "verdict": best})
            prefix = text[: text.index('"verdict": "') + len('"verdict": "')]
            tokens: tuple[str, ...] = (prefix, best, '"}')
            top: tuple[dict[str, float], ...] = ({prefix: 0.0}, logprobs, {'"}': 0.0})
            return Completion(text=text, tokens=tokens, top_logprobs=top)
        return Completion(text=best, tokens=(best,), top_logprobs=(logprobs,))


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
