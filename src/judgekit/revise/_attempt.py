"""What a revise job produces, as plain values.

Each attempt (an item in one round) with its verification, and the job's result.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from judgekit._types import Label
from judgekit.revise._job import StageCount
from judgekit.revise._options import ReviseOptions
from judgekit.revise._suite import attempt_id

Status = Literal["accepted", "rejected", "unreadable", "unchanged", "verify_error",
                 "unverified"]
"""``accepted``/``rejected`` by the verifier; ``unreadable`` (the revise answer could not be
read, or the transport failed); ``unchanged`` (the revision repeats its input: nothing to
verify); ``verify_error`` (no order of the verification could be read); ``unverified`` (not
verified yet)."""

STATUSES: tuple[Status, ...] = ("accepted", "rejected", "unreadable", "unchanged",
                                "verify_error", "unverified")


@dataclass(frozen=True)
class Attempt:
    """One revision of one item in one round, with its verification.

    Attributes:
        item_id: The suite item.
        round: 1 for the first revision.
        principles: Ids of the principles the critique applied.
        prompt: The user prompt.
        original: The item's original response (what the revision is verified against).
        source: The text revised in this round (the original, or the previous revision).
        critique: The judge's critique (None when unreadable).
        revision: The revised response (None when unreadable).
        status: See :data:`Status`.
        error: Why the answer or its verification could not be read.
        p_better: The verifier's P(revision better), both orders averaged, a tie half.
        verdict: The verifier's combined label (``A`` original, ``B`` revision, ``tie``).
        consistent: Whether both orders, each alone, chose the same label.
        judge: The judge that wrote the critique and revision.

    """

    item_id: str
    round: int
    principles: tuple[str, ...]
    prompt: str
    original: str
    source: str
    critique: str | None
    revision: str | None
    status: Status
    error: str | None = None
    p_better: float | None = None
    verdict: str | None = None
    consistent: bool | None = None
    judge: str = ""

    @property
    def accepted(self) -> bool:
        """Whether the verifier accepted the revision as an improvement."""
        return self.status == "accepted"

    @classmethod
    def of(cls, label: Label, prompt: str, original: str, source: str) -> Attempt:
        """The attempt a stored revise label records, not verified yet."""
        revision = label.extra.get("revision") if label.error is None else None
        status: Status = "unreadable" if revision is None else (
            "unchanged" if str(revision).strip() == source.strip() else "unverified")
        return cls(item_id=str(label.extra["item"]), round=int(label.extra["round"]),
                   principles=tuple(label.extra.get("principles") or ()), prompt=prompt,
                   original=original, source=source, critique=label.rationale,
                   revision=None if revision is None else str(revision), status=status,
                   error=label.error, judge=label.judge)

    def verified(self, p_better: float | None, verdict: str | None, consistent: bool | None,
                 status: Status, error: str | None = None) -> Attempt:
        """Return the attempt with its verification."""
        return replace(self, p_better=p_better, verdict=verdict, consistent=consistent,
                       status=status, error=error)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready record (``attempts.jsonl``)."""
        return {"id": attempt_id(self.item_id, self.round), **asdict(self),
                "principles": list(self.principles)}


def attempt_row(attempt: Attempt, fields: Mapping[str, Any]) -> dict[str, Any]:
    """The verification item of an attempt.

    The item's own columns (a domain's verifier prompt may read them), then the pair:
    ``original`` (shown as A) and ``revision`` (B).
    """
    return {**fields, "id": attempt_id(attempt.item_id, attempt.round),
            "prompt": attempt.prompt, "original": attempt.original,
            "revision": attempt.revision, "item": attempt.item_id, "round": attempt.round}


@dataclass
class ReviseResult:
    """What a revise job did and found.

    Attributes:
        path: The revise directory.
        suite: The suite's reference.
        judge: The judge that critiqued and revised.
        verifier: The judge that verified.
        options: The options it ran with.
        attempts: Every revision, by item then round.
        revise: Counts of the revise stage.
        verify: Counts of the verify stage.
        seconds: Wall time.

    """

    path: Path
    suite: str
    judge: str
    verifier: str
    options: ReviseOptions
    attempts: list[Attempt] = field(default_factory=list)
    revise: StageCount = field(default_factory=StageCount)
    verify: StageCount = field(default_factory=StageCount)
    seconds: float = 0.0
