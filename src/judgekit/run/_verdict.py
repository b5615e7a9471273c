"""Turn one completion into a stored label: parse, orient, check (:func:`to_label`).

:class:`LabelStep` does it for a suite's completions.

Parsing never coerces a default: logprobs of the label tokens first.

Verdict mode reads the top logprobs at the first generated position. A token counts for a label
when, stripped of spaces, it equals the label or is a prefix shared by no other label (so
``Ent`` counts for ``Entailment``); case is ignored only where that is still unambiguous. The
probabilities of the matching tokens are summed and renormalized over the label space.

Rationale mode parses ``{"rationale": ..., "verdict": ...}`` and reads the verdict's
probabilities at the generated position where the verdict value starts, when logprobs exist.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from judgekit._types import Completion, Item, Label, Request, Sampling, Verdict
from judgekit.content._checkers import Checker, checked, checker_fields, resolve_checker

if TYPE_CHECKING:
    from judgekit.content._suite import LoadedSuite

_SPACE_MARKERS = ("\u0120", "\u2581", "\u010a")  # byte-level BPE "Ġ", SentencePiece "▁", "Ċ"


def token_label(token: str, labels: Sequence[str]) -> str | None:
    """The label a generated token stands for, or None.

    Raw tokenizer pieces (``ĠA`` from byte-level BPE, ``▁A`` from SentencePiece) count like
    the decoded text (`` A``), which is what vLLM returns.
    """
    tok = token
    for marker in _SPACE_MARKERS:
        tok = tok.replace(marker, " ")
    tok = tok.strip().strip('"').strip()
    if not tok:
        return None
    for fold in (False, True):
        t = tok.casefold() if fold else tok
        exact = [lab for lab in labels if (lab.casefold() if fold else lab) == t]
        if len(exact) == 1:
            return exact[0]
        prefix = [lab for lab in labels if (lab.casefold() if fold else lab).startswith(t)]
        if len(prefix) == 1:
            return prefix[0]
    return None


def label_probs(top: Mapping[str, float], labels: Sequence[str]) -> dict[str, float] | None:
    """Renormalized probability of each label from one position's top logprobs."""
    mass = dict.fromkeys(labels, 0.0)
    of = _token_labels(tuple(labels))
    for token, logprob in top.items():
        lab = of(token)
        if lab is not None and logprob is not None and math.isfinite(logprob):
            mass[lab] += math.exp(logprob)
    total = sum(mass.values())
    if total <= 0.0:
        return None
    return {lab: p / total for lab, p in mass.items()}


@lru_cache(maxsize=64)
def _token_labels(labels: tuple[str, ...]) -> Callable[[str], str | None]:
    """:func:`token_label` over ``labels``, remembering each token's answer (they repeat)."""
    return lru_cache(maxsize=4096)(lambda token: token_label(token, labels))


def expected_score(probs: Mapping[str, float] | None,
                   values: Mapping[str, float] | None) -> float | None:
    """Probability-weighted score (G-Eval style), or None without probs or a numeric scale."""
    if probs is None or values is None:
        return None
    return float(sum(p * values[lab] for lab, p in probs.items()))


def parse(completion: Completion, sampling: Sampling,
          values: Mapping[str, float] | None = None) -> Verdict:
    """Parse one completion into a verdict in presented orientation.

    Args:
        completion: What the backend returned.
        sampling: The request's sampling (mode and label space).
        values: Numeric value per label (pointwise), for the expected score.

    """
    if completion.error:
        return Verdict(label=None, error=f"backend: {completion.error}")
    if sampling.mode == "rationale":
        return _parse_rationale(completion, sampling, values)
    labels = sampling.labels
    probs = label_probs(completion.top_logprobs[0], labels) if completion.top_logprobs else None
    if probs is not None:
        label = max(probs, key=probs.__getitem__)
    elif (text_label := _text_label(completion.text, labels)) is not None:
        label = text_label
    else:
        return Verdict(label=None, error=f"unreadable verdict {completion.text[:80]!r}; "
                       f"expected one of {list(labels)}")
    return _verdict(label, probs, values)


def _text_label(text: str, labels: Sequence[str]) -> str | None:
    """The label ``text`` is (case and surrounding space aside); a sentence is no verdict."""
    folded = text.strip().casefold()
    return next((lab for lab in labels if lab.casefold() == folded), None)


def _verdict(label: str, probs: dict[str, float] | None,
             values: Mapping[str, float] | None, rationale: str | None = None) -> Verdict:
    """A read verdict; its score is the expected score, else the label's own value."""
    score = expected_score(probs, values)
    if score is None and values is not None:
        score = values[label]
    return Verdict(label=label, probs=probs, score=score, rationale=rationale)


def _parse_rationale(completion: Completion, sampling: Sampling,
                     values: Mapping[str, float] | None) -> Verdict:
    labels = sampling.labels
    try:
        data = json.loads(completion.text)
    except json.JSONDecodeError as exc:
        return Verdict(label=None, error=f"rationale output is not JSON ({exc.msg}): "
                       f"{completion.text[:80]!r}")
    if not isinstance(data, dict) or not isinstance(data.get("verdict"), str):
        return Verdict(label=None, error="rationale output has no string 'verdict' field")
    label = data["verdict"].strip()
    rationale = data.get("rationale")
    rationale = rationale if isinstance(rationale, str) else None
    if label not in labels:
        return Verdict(label=None, rationale=rationale,
                       error=f"verdict {label!r} is not one of {list(labels)}")
    pos = _verdict_position(completion)
    probs = label_probs(completion.top_logprobs[pos], labels) if pos is not None else None
    return _verdict(label, probs, values, rationale)


def _verdict_position(completion: Completion) -> int | None:
    """Index of the generated token where the JSON verdict value begins."""
    if not completion.tokens or len(completion.tokens) != len(completion.top_logprobs):
        return None
    text = "".join(completion.tokens)
    key = text.rfind('"verdict"')
    if key < 0:
        return None
    start = text.find('"', text.find(":", key) + 1) + 1
    offset = 0
    for i, tok in enumerate(completion.tokens):
        if offset + len(tok) > start:
            return i
        offset += len(tok)
    return None


SWAP = {"A": "B", "B": "A"}
"""Presented label -> canonical label for the ``BA`` order (A and B exchanged)."""


def orient(verdict: Verdict, request: Request, judge: str, key: str, raw: str) -> Label:
    """Turn a presented-orientation verdict into a canonical label (``BA`` swaps A and B)."""
    swap = SWAP if request.order == "BA" else {}
    probs = None
    if verdict.probs is not None:
        probs = {swap.get(k, k): v for k, v in verdict.probs.items()}
    return Label(
        item_id=request.item_id, order=request.order, judge=judge, key=key,
        label=swap.get(verdict.label, verdict.label) if verdict.label else None,
        label_presented=verdict.label, probs=probs, score=verdict.score,
        rationale=verdict.rationale, error=verdict.error, raw=raw,
    )


def to_label(completion: Completion, request: Request, judge: str, key: str, *,
             values: Mapping[str, float] | None = None, checker: Checker | None = None,
             fields: Mapping[str, Any] | None = None,
             extra: Mapping[str, Any] | None = None) -> Label:
    """The label one completion gives: parsed, in canonical orientation, checked.

    Args:
        completion: What the backend returned for ``request``.
        request: The request (its order and sampling).
        judge: Judge model id.
        key: The request's cache key.
        values: Numeric value per label (pointwise), for the expected score.
        checker: The suite's checker, run on ``fields`` (the item's columns).
        fields: Item fields for the checker.
        extra: Facts already known (kept; a re-parse keeps earlier checker results).

    """
    label = orient(parse(completion, request.sampling, values), request, judge, key,
                   completion.text)
    if extra:
        label = replace(label, extra=dict(extra))
    if checker is not None:
        label = checked(label, checker, fields or {})
    return label


class LabelStep:
    """Turns a suite's completions into labels (:func:`to_label`).

    What that needs from the suite (its pointwise label values, its checker, its field names)
    is computed once.
    """

    def __init__(self, suite: LoadedSuite) -> None:
        self.values = suite.rubric.label_values() if suite.rubric.kind == "pointwise" else None
        self.checker: Checker | None = (
            resolve_checker(suite.spec.checker, suite.domain.name, origin=suite.path)
            if suite.spec.checker else None)
        self.fields = suite.renderer.fields

    def label(self, completion: Completion, request: Request, judge: str, key: str,
              item: Item | None) -> Label:
        fields = checker_fields(item, self.fields) if item is not None else None
        return to_label(completion, request, judge, key, values=self.values,
                        checker=self.checker, fields=fields)
