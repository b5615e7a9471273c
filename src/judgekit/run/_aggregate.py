"""Combine per-order labels into one verdict per item (and per panel of judges).

Both-order rule (RLAIF debiasing): average the canonical label distributions of the ``AB`` and
``BA`` judgments; an order with a label but no probabilities counts as a one-hot distribution;
an errored order is left out (and named in ``errors``). The item's label is the argmax of the
average. Tie rule: where the rubric has a ``tie`` label it wins only as the argmax; with
``tie_margin > 0`` an item whose |P(A) - P(B)| <= tie_margin is also called ``tie`` (use it for
rubrics without a tie label, to report near-coin-flips as ties instead of forcing a side).
``consistent`` says whether the two orders, each taken alone, chose the same canonical label.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from judgekit._types import Label


@dataclass(frozen=True)
class ItemVerdict:
    """One item's verdict from one judge (or a panel), both orders combined.

    Attributes:
        item_id: The item.
        judge: Judge model id (or ``panel`` for an aggregate of judges).
        label: Final label, or None when every order errored.
        probs: Averaged canonical probabilities, when any order had them.
        score: Mean expected score (pointwise).
        consistent: Pairwise with both orders read: did they agree? Else None.
        orders: How many orders contributed.
        errors: Errors of the orders left out.
        rationales: Rationales, by order.
        members: For a panel: each judge's label.

    """

    item_id: str
    judge: str
    label: str | None
    probs: Mapping[str, float] | None
    score: float | None
    consistent: bool | None
    orders: int
    errors: tuple[str, ...] = ()
    rationales: Mapping[str, str] = field(default_factory=dict)
    members: Mapping[str, str | None] = field(default_factory=dict)

    def p(self, label: str) -> float | None:
        """Probability of ``label``, if known."""
        return None if self.probs is None else float(self.probs.get(label, 0.0))


def _dist(label: str | None, probs: Mapping[str, float] | None) -> dict[str, float]:
    """A judgment's distribution: its probabilities, else its label as a one-hot."""
    return dict(probs) if probs is not None else {str(label): 1.0}


def _mean(dists: Sequence[Mapping[str, float]]) -> dict[str, float]:
    keys = sorted({k for d in dists for k in d})
    return {k: sum(d.get(k, 0.0) for d in dists) / len(dists) for k in keys}


def _decide(probs: Mapping[str, float], tie_margin: float) -> str:
    label = max(sorted(probs), key=lambda k: probs[k])
    if tie_margin > 0 and {"A", "B"} <= set(probs):
        if abs(probs["A"] - probs["B"]) <= tie_margin:
            return "tie"
    return label


def combine_orders(labels: Sequence[Label], tie_margin: float = 0.0) -> ItemVerdict:
    """Combine one judge's labels of one item (one or two orders)."""
    ok = [lab for lab in labels if lab.label is not None]
    errors = tuple(f"{lab.order}: {lab.error}" for lab in labels if lab.label is None)
    rationales: dict[str, str] = {lab.order: lab.rationale for lab in labels if lab.rationale}
    first = labels[0]
    if not ok:
        return ItemVerdict(first.item_id, first.judge, None, None, None, None, 0, errors,
                           rationales)
    probs = _mean([_dist(lab.label, lab.probs) for lab in ok])
    has_probs = any(lab.probs is not None for lab in ok)
    scores = [lab.score for lab in ok if lab.score is not None]
    consistent = None
    by_order = {lab.order: lab.label for lab in ok}
    if {"AB", "BA"} <= set(by_order):
        consistent = by_order["AB"] == by_order["BA"]
    return ItemVerdict(
        item_id=first.item_id, judge=first.judge, label=_decide(probs, tie_margin),
        probs=probs if has_probs else None,
        score=sum(scores) / len(scores) if scores else None,
        consistent=consistent, orders=len(ok), errors=errors, rationales=rationales,
    )


def item_verdicts(labels: Iterable[Label], tie_margin: float = 0.0) -> list[ItemVerdict]:
    """Group labels by (judge, item) and combine the orders of each."""
    groups: dict[tuple[str, str], list[Label]] = defaultdict(list)
    for lab in labels:
        groups[(lab.judge, lab.item_id)].append(lab)
    return [combine_orders(g, tie_margin) for _, g in sorted(groups.items())]


def panel(verdicts: Iterable[ItemVerdict], *, how: str = "mean",
          tie_margin: float = 0.0) -> list[ItemVerdict]:
    """Aggregate several judges' item verdicts: ``mean`` probability or ``majority`` label.

    Majority ties between labels are broken by mean probability, then alphabetically.
    """
    if how not in {"mean", "majority"}:
        raise ValueError(f"panel aggregation must be 'mean' or 'majority', not {how!r}")
    groups: dict[str, list[ItemVerdict]] = defaultdict(list)
    for v in verdicts:
        groups[v.item_id].append(v)
    out = []
    for item_id, vs in sorted(groups.items()):
        ok = [v for v in vs if v.label is not None]
        members = {v.judge: v.label for v in vs}
        if not ok:
            out.append(ItemVerdict(item_id, "panel", None, None, None, None, 0,
                                   tuple(e for v in vs for e in v.errors), members=members))
            continue
        probs = _mean([_dist(v.label, v.probs) for v in ok])
        if how == "mean":
            label = _decide(probs, tie_margin)
        else:
            votes: dict[str, int] = defaultdict(int)
            for v in ok:
                votes[str(v.label)] += 1
            label = max(sorted(votes), key=lambda k: (votes[k], probs.get(k, 0.0)))
        scores = [v.score for v in ok if v.score is not None]
        has_probs = any(v.probs is not None for v in ok)  # as in combine_orders: no made-up
        out.append(ItemVerdict(                            # probabilities from votes alone
            item_id, "panel", label, probs if has_probs else None,
            sum(scores) / len(scores) if scores else None,
            None, sum(v.orders for v in ok), members=members,
        ))
    return out
