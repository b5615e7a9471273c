"""What a run lets watch its labels as they are stored: the hook hidden gold uses.

A :class:`Watch` is told, before the first batch, what the run's store already holds
(:meth:`Watch.start`), then sees every batch of labels right after the batch is durably
stored (:meth:`Watch.observe`). Raising from either stops the run: the labels stored so far
stay (nothing is lost), and the error reaches the caller. ``judgekit run`` passes
:class:`judgekit.trust.HiddenGoldWatch` for a suite with ``hidden_gold:``. A watch that never
stops a run may say so with an attribute ``may_stop = False``: the run may then store several
judged batches in one transaction (a watch that may stop sees every batch on its own).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from judgekit._types import Label
from judgekit.run._store import Store


class Watch(Protocol):
    """Sees a run's labels as they are stored; raises to stop the run."""

    def start(self, store: Store, judges: Sequence[str]) -> None:
        """Called once, before any batch, with the run's store (labels of earlier runs)."""

    def observe(self, judge: str, labels: Sequence[Label]) -> None:
        """Called after each batch of one judge's labels is stored."""
