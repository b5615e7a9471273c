"""The options of a revise job, checked when they are made."""

from __future__ import annotations

from dataclasses import dataclass

from judgekit._errors import ContentError
from judgekit.revise._suite import PrincipleMode


@dataclass(frozen=True)
class ReviseOptions:
    """How a revise job runs; every option is recorded in its ``revise.json``.

    Attributes:
        rounds: Critique-and-revise rounds; round ``r > 1`` revises the revision accepted in
            round ``r - 1`` (a chain stops at its first revision that is not accepted).
        principles: ``sample``: one principle per item and round, drawn from ``seed`` (as the
            Constitutional AI paper does); ``all``: every principle of the constitution.
        seed: Seed of the principle draw.
        threshold: A revision is accepted when the verifier's verdict is the revision with
            P(revision better) at least this (a tie counts half).
        consistent_only: Also require that both orders, each alone, chose the revision.
        verifier_rubric: The verifier's pairwise rubric (from the suite's domain, then core).
        verifier_prompt: The verifier's pairwise prompt.
        max_tokens: Token budget of one critique-and-revision answer.
        batch_size: Requests per backend call (one durable transaction each).
        limit: Revise only the first N items of the suite.

    """

    rounds: int = 1
    principles: PrincipleMode = "sample"
    seed: int = 0
    threshold: float = 0.6
    consistent_only: bool = False
    verifier_rubric: str = "core/preference"
    verifier_prompt: str = "core/pairwise"
    max_tokens: int = 1024
    batch_size: int = 64
    limit: int | None = None

    def __post_init__(self) -> None:
        problems = []
        if self.rounds < 1:
            problems.append(f"rounds must be at least 1 (got {self.rounds})")
        if self.principles not in ("all", "sample"):
            problems.append(f"principles must be 'all' or 'sample' (got {self.principles!r})")
        if not 0.0 <= self.threshold <= 1.0:
            problems.append(f"threshold must be between 0 and 1 (got {self.threshold})")
        if self.max_tokens < 1 or self.batch_size < 1 or (self.limit is not None
                                                          and self.limit < 1):
            problems.append("max_tokens, batch_size and limit must be at least 1")
        if problems:
            raise ContentError(None, "; ".join(problems), where="revise options",
                               fix="change the option (see 'judgekit revise --help')")
