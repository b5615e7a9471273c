"""What ``judgekit run``'s progress line shows beside the bar: rate, errors, hidden gold."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from judgekit._types import Label
    from judgekit.run._store import Store
    from judgekit.trust._hidden import HiddenGoldWatch


class LiveStatus:
    """A run's watch for the progress line: labels stored per second and errors so far.

    It passes every batch on to the suite's hidden gold watch, when there is one, so that
    watch can still stop the run.

    Args:
        hidden: The hidden gold watch, or None.

    """

    def __init__(self, hidden: HiddenGoldWatch | None = None) -> None:
        self.hidden = hidden
        self.labels = 0
        self.errors = 0
        self._t0 = time.monotonic()

    @property
    def may_stop(self) -> bool:
        """Whether it may stop the run (only through a hidden gold watch)."""
        return self.hidden is not None

    def start(self, store: Store, judges: Sequence[str]) -> None:
        """Start the clock (and prime the hidden gold watch with what the store holds)."""
        self._t0 = time.monotonic()
        if self.hidden is not None:
            self.hidden.start(store, judges)

    def observe(self, judge: str, labels: Sequence[Label]) -> None:
        """Count a stored batch (and let the hidden gold watch see it)."""
        self.labels += len(labels)
        self.errors += sum(1 for lab in labels if lab.error)
        if self.hidden is not None:
            self.hidden.observe(judge, labels)

    def tally(self, judge: str, labels: int, errors: int) -> None:
        """Count a stored batch by its numbers alone (without hidden gold, nothing reads more).

        Having it lets a run parse and store in a third process (:mod:`judgekit.run._writer`).
        """
        self.labels += labels
        self.errors += errors

    def line(self) -> str:
        """E.g. ``1,204 labels/s, 3 errors``, then the hidden gold tally if any."""
        seconds = max(time.monotonic() - self._t0, 1e-9)
        text = f"{self.labels / seconds:,.0f} labels/s, {self.errors:,} errors"
        return f"{text}  {self.hidden.status()}" if self.hidden is not None else text
