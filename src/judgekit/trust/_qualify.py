"""The qualification gate: screen a judge (or an expert) on gold the way a freelancer is screened.

A rater passes when the one-sided Clopper-Pearson lower bound of its agreement with the gold
reaches the minimum, so passing means "agrees at least this often, with this confidence", not
"agreed this often on a small quiz": 18 of 20 right (90%) does not pass a 0.8 gate at 95%
confidence (the bound is 0.717). An answer that could not be read counts as a disagreement.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from judgekit._errors import JudgekitError
from judgekit.trust._bounds import Array, items_needed, lower_bound


def check_probability(value: float, option: str, meaning: str) -> float:
    """``value`` when it lies strictly between 0 and 1, else a :class:`JudgekitError`.

    Args:
        value: The number given.
        option: The option's name as the user wrote it (``--target``).
        meaning: What the number is, for the message.

    """
    if not 0.0 < value < 1.0:
        raise JudgekitError(f"{option} is {value}, but {meaning} must lie strictly between 0 "
                            f"and 1\n  fix: e.g. {option} 0.9")
    return value


@dataclass(frozen=True)
class Qualification:
    """One rater's result on a gold quiz.

    Attributes:
        name: The rater (``judge``, ``expert:alice``), with its slice if any.
        n: Gold items it answered (unreadable answers included).
        agreed: Items where its label equals the gold label.
        min_agreement: The gate.
        confidence: Confidence of the bound.
        lower: Clopper-Pearson lower bound of its agreement.
        needed: Items it would need to pass at its observed agreement (None: never at that
            agreement; equal to ``n`` or less when it passes).
        unreadable: Answers that could not be read (counted as disagreements).

    """

    name: str
    n: int
    agreed: int
    min_agreement: float
    confidence: float
    lower: float
    needed: int | None
    unreadable: int = 0

    @property
    def agreement(self) -> float:
        """Observed agreement (NaN with no item)."""
        return self.agreed / self.n if self.n else float("nan")

    @property
    def passed(self) -> bool:
        """Whether the lower bound reaches the gate."""
        return self.n > 0 and self.lower >= self.min_agreement

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields, with ``agreement`` and ``passed``."""
        return {"name": self.name, "n": self.n, "agreed": self.agreed,
                "agreement": None if not self.n else round(self.agreement, 6),
                "lower_bound": round(self.lower, 6), "min_agreement": self.min_agreement,
                "confidence": self.confidence, "passed": self.passed,
                "items_needed": self.needed, "unreadable": self.unreadable}


def qualify(correct: Array, min_agreement: float, confidence: float = 0.95, *,
            name: str = "judge", unreadable: int = 0) -> Qualification:
    """Score one rater: ``correct`` holds one bool per gold item it answered.

    Raises:
        JudgekitError: ``min_agreement`` or ``confidence`` outside (0, 1).

    """
    check_probability(min_agreement, "--min-agreement", "the minimum agreement")
    check_probability(confidence, "--confidence", "the confidence")
    ok = np.asarray(correct, dtype=bool)
    n, k = int(ok.size), int(ok.sum())
    lower = float(lower_bound(k, n, confidence)) if n else 0.0
    needed = n if n and lower >= min_agreement else \
        items_needed(k / n if n else 0.0, min_agreement, confidence)
    return Qualification(name, n, k, min_agreement, confidence, lower, needed, unreadable)


def qualify_slices(correct: Array, slices: Mapping[str, Mapping[str, Array]],
                   min_agreement: float, confidence: float = 0.95, *,
                   name: str = "judge") -> list[Qualification]:
    """:func:`qualify` on each slice (``column -> value -> item mask``), largest first."""
    ok = np.asarray(correct, dtype=bool)
    out = []
    for column, masks in slices.items():
        for value, mask in sorted(masks.items(), key=lambda kv: (-int(kv[1].sum()), kv[0])):
            out.append(qualify(ok[mask], min_agreement, confidence,
                               name=f"{name} [{column}={value}]"))
    return out
