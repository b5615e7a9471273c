"""Hidden gold in production: live agreement of each judge, and the stop when it fails.

A suite's ``hidden_gold:`` mixes expert-labeled items into the run
(:mod:`judgekit.content._hidden`). :class:`HiddenGoldWatch` is the run's
:class:`~judgekit.run._watch.Watch`: once both orders of a hidden item are stored it combines
them as every other reader does (:func:`judgekit.run.combine_orders`), compares the verdict
with the gold label, and keeps per judge the agreements ``k`` out of ``n`` and their exact
one-sided Clopper-Pearson bounds (:mod:`._bounds`, the statistic ``judgekit qualify`` uses).
From ``min_count`` hidden items on, after every batch:

- ``stop_when: unproven`` (default, the qualification rule kept up during the run): the run
  stops when the lower bound is below the gate, i.e. when the judge can no longer show it
  agrees with the experts at the gate's level;
- ``stop_when: refuted``: the run stops only when the upper bound is below the gate, i.e.
  when the judge is shown to agree less than the gate asks.

The bound is looked at after every batch, so over a long run the chance of a stop on a
judge that meets the gate is higher than ``1 - confidence`` for ``unproven`` and the chance
of a false alarm higher than that for ``refuted``: a check repeated many times is not one
test. Both rules err on the side of asking a human (a stop), never on the side of trusting.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from judgekit._errors import RunError
from judgekit._types import Label
from judgekit.content._hidden import HiddenSet, is_hidden
from judgekit.content._suite import LoadedSuite
from judgekit.run._aggregate import combine_orders
from judgekit.run._store import Store
from judgekit.trust._bounds import lower_bound, upper_bound


@dataclass
class JudgeTally:
    """One judge's hidden gold so far.

    Attributes:
        judge: The judge.
        n: Hidden items with both orders stored.
        agree: Of those, verdicts equal to the gold label.
        pending: Labels of hidden items waiting for their other order.

    """

    judge: str
    n: int = 0
    agree: int = 0
    pending: dict[str, list[Label]] = field(default_factory=dict)

    def bounds(self, confidence: float) -> tuple[float, float]:
        """One-sided lower and upper bounds on the judge's agreement."""
        if self.n == 0:
            return 0.0, 1.0
        return (float(lower_bound(self.agree, self.n, confidence)),
                float(upper_bound(self.agree, self.n, confidence)))


class HiddenGoldWatch:
    """Watches a run's hidden gold items; stops the run when a judge fails the gate.

    Args:
        suite: A suite with ``hidden_gold:``.
        stop: Whether a failing judge stops the run (False: only tally, e.g. to report).

    Raises:
        ValueError: The suite has no hidden gold.

    """

    def __init__(self, suite: LoadedSuite, *, stop: bool = True) -> None:
        if suite.hidden is None:
            raise ValueError(f"suite {suite.ref} has no hidden_gold")
        self.hidden: HiddenSet = suite.hidden
        self.orders = 2 if suite.rubric.kind == "pairwise" else 1
        self.stop = stop
        self.tallies: dict[str, JudgeTally] = {}
        self.failure: str | None = None
        """Why the watch stopped the run (None while every judge holds)."""

    def start(self, store: Store, judges: Sequence[str]) -> None:
        """Tally the hidden items earlier runs stored; stop at once if a judge already fails."""
        self.tallies = {j: JudgeTally(j) for j in judges}
        for judge in judges:
            self._add(judge, list(store.labels(judge, hidden=True)))
        self._check()

    def observe(self, judge: str, labels: Sequence[Label]) -> None:
        """Tally a stored batch's hidden items; raise ``RunError`` when a judge fails."""
        if self._add(judge, [lab for lab in labels if is_hidden(lab.item_id)]):
            self._check()

    def status(self) -> str:
        """One line for the progress display: agreement and its bounds per judge."""
        conf = self.hidden.spec.confidence
        parts = []
        for t in self.tallies.values():
            if t.n == 0:
                parts.append(f"{t.judge}: no hidden gold yet")
                continue
            lo, hi = t.bounds(conf)
            parts.append(f"{t.judge}: {t.agree}/{t.n} agree ({t.agree / t.n:.0%}; "
                         f"{conf:.0%} bounds {lo:.2f}-{hi:.2f})")
        return f"hidden gold (gate {self.hidden.min_agreement:g}): " + "; ".join(parts)

    def _add(self, judge: str, labels: Sequence[Label]) -> bool:
        tally = self.tallies.setdefault(judge, JudgeTally(judge))
        before = tally.n
        for lab in labels:
            group = tally.pending.setdefault(lab.item_id, [])
            group.append(lab)
            if len({g.order for g in group}) < self.orders:
                continue
            del tally.pending[lab.item_id]
            verdict = combine_orders(group)
            tally.n += 1
            tally.agree += int(verdict.label is not None
                               and verdict.label == self.hidden.gold.get(lab.item_id))
        return tally.n > before

    def _check(self) -> None:
        spec, gate = self.hidden.spec, self.hidden.min_agreement
        for t in self.tallies.values():
            if t.n < spec.min_count or not self.stop:
                continue
            lo, hi = t.bounds(spec.confidence)
            refuted = spec.stop_when == "refuted"
            bound = hi if refuted else lo
            if bound < gate:
                self.failure = (
                    f"judge {t.judge} agrees with the hidden gold on {t.agree} of {t.n} items "
                    f"({t.agree / t.n:.1%}); the {spec.confidence:.0%} "
                    f"{'upper' if refuted else 'lower'} bound {bound:.3f} is below the gate "
                    f"{gate:g} (stop_when: {spec.stop_when}). The run stopped; every label "
                    "stored so far is kept. Use a better judge, or rerun with "
                    "--ignore-hidden-gold to label anyway")
                raise RunError(self.failure)
