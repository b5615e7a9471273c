"""What an export is asked to do and what it did: its options and its counts."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class ExportOptions:
    """How to select and combine what is exported.

    Attributes:
        tie_margin: |P(A) - P(B)| at or below this counts as a tie (items, dpo, reward).
        min_confidence: dpo/reward: keep items whose winning probability is at least this.
        consistent_only: dpo/reward: keep only items whose two orders chose the same label.
        judge: dpo/reward: this judge only (default: the only judge, or the panel of all).
        gold_root: Where the suite's ``gold:`` item paths point (dpo/reward).
        chat: dpo/reward: TRL's conversational form (message lists), not the standard one.

    """

    tie_margin: float = 0.0
    min_confidence: float = 0.0
    consistent_only: bool = False
    judge: str | None = None
    gold_root: Path | None = None
    chat: bool = False


@dataclass
class ExportStats:
    """What an export wrote and why it left items out.

    Attributes:
        format: The export format.
        written: Records written.
        dropped: Items left out, by reason (``tie``, ``low_confidence``, ``inconsistent``,
            ``error``, ``identical_responses``).

    """

    format: str
    written: int = 0
    dropped: Counter[str] = field(default_factory=Counter)

    def describe_drops(self, order: Sequence[str] = ()) -> str:
        """``tie 3, low_confidence 2`` (or ``none``)."""
        keys = [*order, *sorted(k for k in self.dropped if k not in order)]
        parts = [f"{k} {self.dropped[k]}" for k in keys if self.dropped.get(k)]
        return ", ".join(parts) or "none"


