"""What escalation is worth, in expert hours and money, at the guaranteed agreement level."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from judgekit._errors import JudgekitError

DEFAULT_MINUTES = 2.0
"""Expert minutes per item, unless told: a careful pairwise preference label with reading."""
DEFAULT_RATE = 100.0
"""Expert cost per hour, unless told (domain experts cost $50-$500 an hour)."""


@dataclass(frozen=True)
class CostOptions:
    """How much an expert label costs.

    Attributes:
        minutes_per_item: Expert minutes per item (measure it while experts label the gold).
        hourly_rate: Expert cost per hour.
        currency: Symbol printed before amounts.

    """

    minutes_per_item: float = DEFAULT_MINUTES
    hourly_rate: float = DEFAULT_RATE
    currency: str = "$"

    def checked(self) -> CostOptions:
        """Self, after checking both numbers are positive."""
        if not self.minutes_per_item > 0:
            raise JudgekitError(f"--expert-minutes is {self.minutes_per_item}; it must be "
                                "positive\n  fix: e.g. --expert-minutes 2")
        if not self.hourly_rate >= 0:
            raise JudgekitError(f"--hourly-rate is {self.hourly_rate}; it must not be "
                                "negative\n  fix: e.g. --hourly-rate 100")
        return self


def cost_report(items: int, trusted: int, options: CostOptions, *, target: float,
                delta: float) -> dict[str, Any]:
    """Items, auto-accepted, escalated, and the expert hours and money saved and still needed.

    Args:
        items: Production items (items without gold).
        trusted: Of those, labels trusted without an expert.
        options: Expert minutes per item and hourly rate.
        target: The agreement guaranteed on trusted labels.
        delta: The guarantee's failure probability.

    """
    opts = options.checked()
    hours = opts.minutes_per_item / 60.0
    escalated = items - trusted
    return {
        "items": items, "auto_accepted": trusted, "escalated": escalated,
        "auto_accepted_share": round(trusted / items, 6) if items else 0.0,
        "expert_minutes_per_item": opts.minutes_per_item, "hourly_rate": opts.hourly_rate,
        "currency": opts.currency,
        "expert_hours_all_items": round(items * hours, 3),
        "expert_hours_needed": round(escalated * hours, 3),
        "expert_hours_saved": round(trusted * hours, 3),
        "cost_saved": round(trusted * hours * opts.hourly_rate, 2),
        "cost_needed": round(escalated * hours * opts.hourly_rate, 2),
        "guarantee": f"agreement with experts >= {target:g} on auto-accepted labels, "
                     f"with probability >= {1 - delta:g}",
    }


def cost_lines(cost: dict[str, Any]) -> list[str]:
    """The cost report in three sentences, for the terminal."""
    cur = cost["currency"]
    return [
        f"{cost['items']:,} items: {cost['auto_accepted']:,} auto-accepted "
        f"({cost['auto_accepted_share']:.1%}), {cost['escalated']:,} escalated to experts",
        f"at {cost['expert_minutes_per_item']:g} expert min/item and "
        f"{cur}{cost['hourly_rate']:,.0f}/h: {cost['expert_hours_saved']:,.1f} expert hours "
        f"saved ({cur}{cost['cost_saved']:,.0f}), {cost['expert_hours_needed']:,.1f} h still "
        f"needed ({cur}{cost['cost_needed']:,.0f})",
        f"guarantee: {cost['guarantee']}",
    ]
